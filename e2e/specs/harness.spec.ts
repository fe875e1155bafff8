/**
 * The harness itself: the stack comes up inside a namespace, serves the app,
 * keeps ion-sfu's signaling port private, and leaves nothing behind.
 */
import { execFileSync } from 'node:child_process';

import { launchBrowser } from '../harness/browser.js';
import { liveNamespaces } from '../harness/netns.js';
import { startStack, type Stack } from '../harness/stack.js';

function namespaceExists(name: string): boolean {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .some((line) => line.split(' ')[0] === name);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('test harness', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ label: 'harness' });
  }, 60000);

  afterAll(async () => {
    await stack?.stop();
  }, 30000);

  it('runs room-server and ion-sfu inside a network namespace of its own', () => {
    if (!stack.network.namespace) {
      pending('not root: the harness runs on the host here');
      return;
    }
    expect(namespaceExists(stack.network.namespace)).toBeTrue();
    expect(stack.network.mediaAddress).toMatch(/^10\.213\./);
  });

  it('serves the conference app and /healthz from room-server', async () => {
    const body = await stack.runInNetwork(
      `fetch(process.argv[1]).then(async (r) => { const h = await fetch(process.argv[2]); console.log(JSON.stringify({ app: r.status, html: (await r.text()).includes('<app-root'), health: h.status })); })`,
      [`${stack.httpUrl}/`, `${stack.httpUrl}/healthz`],
    );
    expect(JSON.parse(body)).toEqual({ app: 200, html: true, health: 200 });
  });

  it('keeps ion-sfu signaling on 127.0.0.1: not reachable on the namespace address', async () => {
    if (!stack.network.mediaAddress) {
      pending('no namespace address on the host fallback');
      return;
    }
    const result = await stack.runInNetwork(
      `const s = require('node:net').connect(Number(process.argv[2]), process.argv[1]);
       s.on('connect', () => { console.log('open'); s.destroy(); });
       s.on('error', (e) => console.log(e.code));`,
      [stack.network.mediaAddress, String(stack.sfuPort)],
    );
    expect(result.trim()).toBe('ECONNREFUSED');
  });

  it('loads the app in Chromium inside the namespace', async () => {
    const browser = await launchBrowser(stack);
    try {
      const page = await browser.newPage();
      await page.goto(stack.httpUrl);
      await page.waitForSelector('app-root h1, app-root main', { timeout: 20000 });
      expect(await page.title()).toContain('ngx-trtc');
    } finally {
      await browser.close();
    }
  }, 60000);

  it('stops every process by PID and deletes the namespace', async () => {
    const other = await startStack({ label: 'harness-teardown' });
    const pids = [other.sfu.pid, other.roomServer.pid];
    const namespace = other.network.namespace;
    await other.stop();
    expect(pids.filter(pidAlive)).toEqual([]);
    if (namespace) {
      expect(namespaceExists(namespace)).toBeFalse();
      expect(liveNamespaces()).not.toContain(namespace);
    }
  }, 60000);
});
