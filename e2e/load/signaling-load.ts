/**
 * Signaling load on loopback: N clients (no media) cycling join → publish →
 * update ×k → unpublish → leave in parallel across R rooms for a bounded time,
 * against room-server started as a child process (dist/room-server/main.js,
 * 127.0.0.1 only, ion-sfu never contacted: no client sends `join`).
 * Records request latency per method, errors, and room-server's RSS and heap
 * (from /proc and /metrics; heap after a forced GC) before, at peak and after
 * everyone left.
 *
 *   node --import tsx e2e/load/signaling-load.ts [--clients 200] [--rooms 20] [--seconds 30]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { generateUserSig } from '../../projects/room-server/src/auth/usersig.js';
import { WsTestClient } from '../../projects/room-server/test/support/ws-client.js';
import { recordFigure } from '../harness/figures.js';
import { ROOT } from '../harness/stack.js';

/** Options of {@link runSignalingLoad}. */
export interface SignalingLoadOptions {
  clients: number;
  rooms: number;
  seconds: number;
  /** stream.update calls per cycle. */
  updatesPerCycle?: number;
  /** Seconds to wait after everyone left before the last memory sample. */
  settleSeconds?: number;
}

/** What a run measured. */
export interface SignalingLoadResult {
  options: SignalingLoadOptions;
  cycles: number;
  requests: number;
  errors: Record<string, number>;
  latencyMs: Record<string, { p50: number; p95: number; p99: number; max: number }>;
  rssMb: { baseline: number; peak: number; after: number };
  heapUsedMb: { baseline: number; after: number };
  peersAtPeak: number;
  peersAfter: number;
}

const SDK_APP_ID = 1400000000;
const SECRET = 'load-test-secret-key-0123456789abcdef';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 102.4) / 10;
}

async function metrics(port: number): Promise<{ heapUsedMb: number; peers: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)`, 'm').exec(text)?.[1] ?? NaN);
  const heap = value('roomserver_process_heap_used_bytes') || value('nodejs_heap_used_bytes') || value('process_heap_bytes');
  return { heapUsedMb: Math.round(heap / 1e5) / 10, peers: value('roomserver_peers') };
}

/** A full GC in room-server (see gc-on-signal.cjs), then a moment for it to finish. */
async function collectGarbage(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 500));
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(10 * (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0)) / 10;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** Runs the load against a fresh room-server child process; stops it afterwards. */
export async function runSignalingLoad(options: SignalingLoadOptions): Promise<SignalingLoadResult> {
  const { clients, rooms, seconds, updatesPerCycle = 3, settleSeconds = 10 } = options;
  const port = await freePort();
  const child = spawn(process.execPath, ['--expose-gc', '-r', join(ROOT, 'e2e/load/gc-on-signal.cjs'), join(ROOT, 'dist/room-server/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ROOM_SERVER_HOST: '127.0.0.1',
      ROOM_SERVER_PORT: String(port),
      ROOM_SERVER_SFU_URL: 'ws://127.0.0.1:9/ws',
      ROOM_SERVER_APPS: JSON.stringify([{ sdkAppId: SDK_APP_ID, secretKey: SECRET }]),
      ROOM_SERVER_STATIC_DIR: '',
      ROOM_SERVER_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const deadlineUp = Date.now() + 20000;
    for (;;) {
      try {
        await metrics(port);
        break;
      } catch {
        if (Date.now() > deadlineUp) throw new Error('room-server did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    await collectGarbage(child.pid!);
    const baseline = { rss: rssMb(child.pid!), heap: (await metrics(port)).heapUsedMb };
    const url = `ws://127.0.0.1:${port}/rtc`;
    const latencies: Record<string, number[]> = {};
    const errors: Record<string, number> = {};
    let requests = 0;
    let cycles = 0;
    let peak = baseline.rss;
    let peersAtPeak = 0;
    const stopAt = Date.now() + seconds * 1000;
    const timed = async (client: WsTestClient, method: string, params: unknown) => {
      const t = performance.now();
      const frame = await client.request(method, params, 15000).catch((e: Error) => ({ error: { message: e.message } }));
      (latencies[method] ??= []).push(performance.now() - t);
      requests++;
      if ((frame as { error?: { message: string } }).error) {
        const name = (frame as { error: { message: string } }).error.message;
        errors[`${method}: ${name}`] = (errors[`${method}: ${name}`] ?? 0) + 1;
      }
      return frame;
    };
    const sampler = setInterval(async () => {
      peak = Math.max(peak, rssMb(child.pid!));
      peersAtPeak = Math.max(peersAtPeak, (await metrics(port).catch(() => ({ peers: 0 }))).peers);
    }, 500);
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        const userId = `load${i}`;
        const userSig = generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, userId, expireSeconds: 3600 });
        for (let cycle = 0; Date.now() < stopAt; cycle++) {
          const client = await WsTestClient.connect(url);
          await timed(client, 'room.join', { sdkAppId: SDK_APP_ID, userId, userSig, roomId: 1 + (i % rooms), mode: 'rtc' });
          const streamId = `s-${i}-${cycle}`;
          await timed(client, 'stream.publish', { streamId, type: 'main', hasAudio: true, hasVideo: true });
          for (let k = 0; k < updatesPerCycle; k++) await timed(client, 'stream.update', { streamId, audioMuted: k % 2 === 0 });
          await timed(client, 'stream.unpublish', { streamId });
          await timed(client, 'room.leave', {});
          await client.closed;
          cycles++;
        }
      }),
    );
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, settleSeconds * 1000));
    await collectGarbage(child.pid!);
    const after = { rss: rssMb(child.pid!), ...(await metrics(port)) };
    return {
      options,
      cycles,
      requests,
      errors,
      latencyMs: Object.fromEntries(Object.entries(latencies).map(([m, v]) => [m, percentiles(v)])),
      rssMb: { baseline: baseline.rss, peak, after: after.rss },
      heapUsedMb: { baseline: baseline.heap, after: after.heapUsedMb },
      peersAtPeak,
      peersAfter: after.peers,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runSignalingLoad({ clients: arg('clients', 200), rooms: arg('rooms', 20), seconds: arg('seconds', 30) });
  recordFigure('load', 'signaling', result);
}
