import { startStack } from '../harness/stack.ts';
import { launchBrowser } from '../harness/browser.ts';
import { openBenchPage, bench, freshRoom } from './call-bench.ts';
const stack = await startStack({ label: 'bench-diag' });
const browser = await launchBrowser(stack);
try {
  for (const sdk of ['ngx-trtc', 'bare-ion'] as const) {
    const page = await openBenchPage(browser, stack, sdk);
    await page.evaluate(() => {
      const w = window as any; w.diag = [];
      const N = window.RTCPeerConnection;
      window.RTCPeerConnection = class extends N { constructor(c?: RTCConfiguration) { super(c); const i = w.diag.filter((e: any) => e.ev === 'new').length; const t0 = performance.now(); w.diag.push({ pc: i, ev: 'new', t: t0 });
        this.addEventListener('iceconnectionstatechange', () => w.diag.push({ pc: i, ev: 'ice:' + this.iceConnectionState, t: performance.now() }));
        this.addEventListener('connectionstatechange', () => w.diag.push({ pc: i, ev: 'conn:' + this.connectionState, t: performance.now() }));
        this.addEventListener('signalingstatechange', () => w.diag.push({ pc: i, ev: 'sig:' + this.signalingState, t: performance.now() }));
        this.addEventListener('datachannel', () => w.diag.push({ pc: i, ev: 'dc', t: performance.now() }));
      } } as any;
    });
    for (let k = 0; k < 6; k++) {
      await page.evaluate(() => ((window as any).diag = []));
      const t = await page.evaluate(() => performance.now());
      const r = await bench.join(page, freshRoom(), 'd' + k);
      const d = await page.evaluate(() => (window as any).diag);
      console.log(sdk, r.joinMs.toFixed(0), d.map((e: any) => `${e.pc}:${e.ev}@${(e.t - t).toFixed(0)}`).join(' '));
      await bench.leave(page);
    }
  }
} finally { await browser.close(); await stack.stop(); }
