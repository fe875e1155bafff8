/**
 * Diagnostic (not part of `npm run bench`): a timeline of each join's peer
 * connections for ngx-trtc and bare ion-sdk-js, to see where the ~1 s join
 * stall goes. Run: `node --import tsx e2e/bench/dtls-diag.ts [reps]`.
 *
 * Per join it prints, relative to the join call: setLocal/RemoteDescription
 * (with a=setup), local/remote candidates, ICE/DTLS/connection states of the
 * publisher and subscriber connections, and ion-sfu's pion warnings logged
 * during the join (ion-sfu runs with PION_LOG_WARN=all, so pion's
 * "mux: no endpoint for packet starting with 22" shows a dropped DTLS
 * handshake record).
 *
 * Extra pion logs: PION_LOG_DEBUG=ice shows "adding a new peer-reflexive
 * candidate" — in every slow join, for the subscriber connection (see
 * docs/BENCHMARKS.md, "Join and first frame"); PION_LOG_TRACE=dtls the
 * handshake flights.
 *
 * DIAG_MUNGE=gather holds every local answer until ICE gathering completes
 * (capped at 200 ms), so the page's trickles reach ion-sfu before its answer:
 * not enough, since ion-sfu adds such queued candidates only after it starts
 * its ICE agent, which reads the waiting checks first.
 */
import { readFileSync, statSync } from 'node:fs';

import { launchBrowser } from '../harness/browser.js';
import { startStack } from '../harness/stack.js';
import { SDKS, bench, freshRoom, openBenchPage, type Sdk } from './call-bench.js';
import { load1 } from './machine.js';

const reps = Number(process.argv[2] ?? 6);
const munge = process.env['DIAG_MUNGE'] ?? '';

/** Injected before the page's own scripts: wraps RTCPeerConnection and WebSocket. */
const INIT = (munge: string) => {
  const t = () => performance.now();
  const events: Array<[number, string]> = [];
  let base = t();
  const log = (what: string) => events.push([t() - base, what]);
  (window as any).__diag = {
    mark() {
      events.length = 0;
      base = t();
    },
    events: () => events.map(([at, what]) => `${at.toFixed(1).padStart(7)}  ${what}`),
  };
  const setupOf = (sdp?: string) => /a=setup:(\w+)/.exec(sdp ?? '')?.[1] ?? '?';
  const Native = window.RTCPeerConnection;
  let count = 0;
  class Diag extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      const name = `pc${count++ % 2 === 0 ? 'PUB' : 'SUB'}`;
      (this as any).__name = name;
      this.addEventListener('iceconnectionstatechange', () => log(`${name} ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => log(`${name} conn ${this.connectionState}`));
      this.addEventListener('icecandidate', (e) => log(`${name} local cand ${e.candidate ? e.candidate.candidate.split(' ').slice(4, 8).join(' ') : 'end'}`));
      this.addEventListener('datachannel', (e) => {
        log(`${name} datachannel ${e.channel.label}`);
        e.channel.addEventListener('open', () => log(`${name} dc open ${e.channel.label}`));
      });
    }
    private _watchDtls() {
      const name = (this as any).__name;
      const transport = this.sctp?.transport ?? this.getTransceivers()[0]?.receiver.transport;
      if (!transport || (transport as any).__watched) return;
      (transport as any).__watched = true;
      transport.addEventListener('statechange', () => log(`${name} dtls ${transport.state}`));
      transport.iceTransport.addEventListener('selectedcandidatepairchange', () => log(`${name} selected pair`));
    }
    override async setLocalDescription(desc?: RTCLocalSessionDescriptionInit): Promise<void> {
      const name = (this as any).__name;
      log(`${name} SLD ${desc?.type} setup:${setupOf(desc?.sdp)} candidates:${(desc?.sdp ?? '').split('a=candidate').length - 1} start`);
      await super.setLocalDescription(desc);
      log(`${name} SLD done`);
      if (desc?.type === 'answer' && munge === 'gather' && this.iceGatheringState !== 'complete') {
        // Hold the caller (ion-sdk-js sends its answer next) until candidates are gathered,
        // so the trickles go out before the answer.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          this.addEventListener('icegatheringstatechange', () => {
            if (this.iceGatheringState === 'complete') {
              clearTimeout(timer);
              resolve();
            }
          });
        });
        log(`${name} gathering ${this.iceGatheringState}`);
      }
      this._watchDtls();
    }
    override async setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
      const name = (this as any).__name;
      log(`${name} SRD ${desc.type} setup:${setupOf(desc.sdp)} candidates:${(desc.sdp ?? '').split('a=candidate').length - 1} start`);
      await super.setRemoteDescription(desc);
      log(`${name} SRD done`);
      this._watchDtls();
    }
    override async addIceCandidate(c?: RTCIceCandidateInit | null): Promise<void> {
      const name = (this as any).__name;
      log(`${name} addIceCandidate ${c?.candidate?.split(' ').slice(4, 8).join(' ')} (sig ${this.signalingState})`);
      return super.addIceCandidate(c);
    }
  }
  window.RTCPeerConnection = Diag as typeof RTCPeerConnection;
  const NativeWs = window.WebSocket;
  const describe = (data: unknown) => {
    try {
      const m = JSON.parse(String(data));
      const target = m.params?.target !== undefined ? ` t=${m.params.target}` : '';
      const sdp: string | undefined = m.params?.desc?.sdp;
      if (m.method === 'answer' && sdp) return `answer candidates:${sdp.split('a=candidate').length - 1}`;
      return `${m.method ?? (m.result ? 'result' : m.error ? 'error' : '?')}${target}${m.id !== undefined ? ` #${m.id}` : ''}`;
    } catch {
      return 'binary';
    }
  };
  class DiagWs extends NativeWs {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (e) => log(`ws ← ${describe(e.data)}`));
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      log(`ws → ${describe(data)}`);
      super.send(data);
    }
  }
  window.WebSocket = DiagWs as typeof WebSocket;
};

async function main(): Promise<void> {
  process.env['PION_LOG_WARN'] ??= 'all';
  const stack = await startStack({ label: 'dtls-diag' });
  const browser = await launchBrowser(stack);
  const sfuLog = stack.sfu.logFile;
  const sfuLogSince = (offset: number) => readFileSync(sfuLog, 'utf8').slice(offset);
  const tally: Record<Sdk, { slow: number; n: number; drops: number; times: number[] }> = {
    'ngx-trtc': { slow: 0, n: 0, drops: 0, times: [] },
    'bare-ion': { slow: 0, n: 0, drops: 0, times: [] },
  };
  try {
    console.log(`load ${load1()}, munge=${munge || 'none'}`);
    const pages = new Map<Sdk, Awaited<ReturnType<typeof openBenchPage>>>();
    for (const sdk of SDKS) {
      const page = await openBenchPage(browser, stack, sdk);
      // tsx (esbuild keepNames) wraps functions in __name(); give the page that helper.
      await page.context().addInitScript({ content: 'globalThis.__name = (f) => f;' });
      await page.context().addInitScript(INIT, munge);
      await page.reload();
      await page.waitForFunction(() => (window as any).e2eReady === true);
      await page.evaluate((url) => Object.assign(window, { benchSfuUrl: url }), `ws://127.0.0.1:${stack.sfuPort}/ws`);
      pages.set(sdk, page);
    }
    for (let rep = -1; rep < reps; rep++) {
      const order = rep % 2 === 0 ? SDKS : [...SDKS].reverse();
      for (const sdk of order) {
        const page = pages.get(sdk)!;
        const room = freshRoom();
        const offset = statSync(sfuLog).size;
        await page.evaluate(() => (window as any).__diag.mark());
        const { joinMs } = await bench.join(page, room, `u${room}`);
        await new Promise((r) => setTimeout(r, 300));
        const events: string[] = await page.evaluate(() => (window as any).__diag.events());
        const pion = sfuLogSince(offset)
          .split('\n')
          .filter((line) => /WARN|ERROR/.test(line) && !/disconnected|closed/i.test(line));
        const drops = pion.filter((line) => /no endpoint for packet starting with 22/.test(line)).length;
        await bench.leave(page);
        if (rep < 0) continue;
        const s = tally[sdk];
        s.n++;
        s.times.push(joinMs);
        if (joinMs > 900) s.slow++;
        if (drops) s.drops++;
        console.log(`\n=== ${sdk} #${rep} join ${joinMs.toFixed(0)} ms, pion DTLS drops ${drops}`);
        if (process.env['DIAG_VERBOSE'] !== '0') {
          for (const e of events) console.log(`  ${e}`);
          for (const line of pion.slice(0, 8)) console.log(`  [ion-sfu] ${line}`);
        }
      }
    }
    console.log(`\nload ${load1()}`);
    for (const sdk of SDKS) {
      const s = tally[sdk];
      const sorted = [...s.times].sort((a, b) => a - b);
      console.log(
        `${sdk}: ${s.slow}/${s.n} joins > 900 ms, ${s.drops}/${s.n} with a dropped DTLS record at ion-sfu; median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms`,
      );
    }
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
