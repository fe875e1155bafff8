/**
 * Signaling benchmark: N concurrent clients (no media) join and leave rooms
 * on loopback. Runs room-server as a child process (so its memory is its
 * own) twice: auth + rooms alone, then with the real ion-sfu behind, each
 * client sending ion-sdk-js's `join` with a captured offer.
 *
 *   node --import tsx projects/room-server/bench/bench-server.ts [--clients 200] [--rooms 20] [--cycles 3] [--max-seconds 60]
 *
 * Prints a table and writes projects/room-server/bench/LAST-RUN.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateUserSig } from '../src/auth/usersig.js';
import { findIonSfuBinary, freePort, startIonSfu, type IonSfuProcess } from '../test/support/ion-sfu-process.js';
import { AUDIO_VIDEO_OFFER, DATACHANNEL_OFFER, withStreamId } from '../test/support/sdp.js';
import { WsTestClient } from '../test/support/ws-client.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '200' },
    'sfu-clients': { type: 'string', default: '100' },
    rooms: { type: 'string', default: '20' },
    cycles: { type: 'string', default: '3' },
    'max-seconds': { type: 'string', default: '60' },
    out: { type: 'string', default: resolve('projects/room-server/bench/LAST-RUN.md') },
  },
});
const CLIENTS = Number(values.clients);
const SFU_CLIENTS = Number(values['sfu-clients']);
const ROOMS = Number(values.rooms);
const CYCLES = Number(values.cycles);
const MAX_MS = Number(values['max-seconds']) * 1000;
const SDK_APP_ID = 1400000000;
const SECRET_KEY = 'bench-secret-key-0123456789abcdef';

interface PhaseResult {
  name: string;
  clients: number;
  joins: number;
  errors: number;
  seconds: number;
  joinsPerSecond: number;
  roomJoin: { p50: number; p99: number };
  sfuJoin?: { p50: number; p99: number };
  memory: { baselineRss: number; heldRss: number; afterRss: number; baselineHeap: number; heldHeap: number; afterHeap: number };
  peersHeld: number;
}

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function startServer(sfuUrl: string): Promise<{ child: ChildProcess; port: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'room-server-bench-'));
  const port = await freePort();
  const config = join(dir, 'room-server.json');
  writeFileSync(
    config,
    JSON.stringify({
      port,
      host: '127.0.0.1',
      sfuUrl,
      apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }],
      staticDir: null,
      logLevel: 'error',
      limits: { maxPeersPerRoom: 10_000, maxConnections: 100_000, sfuRequestTimeoutMs: 20_000 },
    }),
  );
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', resolve('projects/room-server/bench/gc-on-signal.mjs'), '--import', 'tsx', resolve('projects/room-server/src/main.ts'), '--config', config],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('room-server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function serverMemory(port: number, child: ChildProcess): Promise<{ rss: number; heap: number }> {
  child.kill('SIGUSR2'); // full GC (bench/gc-on-signal.mjs)
  await new Promise((r) => setTimeout(r, 300));
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: read('roomserver_process_resident_memory_bytes'), heap: read('roomserver_process_heap_used_bytes') };
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500));
}

async function runPhase(name: string, sfuUrl: string, clients: number, withSfu: boolean): Promise<PhaseResult> {
  const server = await startServer(sfuUrl);
  const url = `ws://127.0.0.1:${server.port}/rtc`;
  const sigs = Array.from({ length: clients }, (_, i) => generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId: `u${i}`, expireSeconds: 3600 }));
  const roomJoinMs: number[] = [];
  const sfuJoinMs: number[] = [];
  let joins = 0;
  let errors = 0;
  const started = performance.now();

  const oneJoin = async (i: number, cycle: number): Promise<WsTestClient | undefined> => {
    const client = await WsTestClient.connect(url);
    const t0 = performance.now();
    const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId: `u${i}`, userSig: sigs[i], roomId: (i % ROOMS) + 1, mode: 'rtc' }, 30_000);
    if (res.error) {
      errors++;
      await client.close();
      return undefined;
    }
    roomJoinMs.push(performance.now() - t0);
    joins++;
    if (withSfu) {
      // One client in four publishes audio + video; the rest only subscribe.
      const publishes = i % 4 === 0;
      let sdp = DATACHANNEL_OFFER;
      if (publishes) {
        const streamId = `bench-${i}-${cycle}`;
        await client.request('stream.publish', { streamId, type: 'main', hasAudio: true, hasVideo: true });
        sdp = withStreamId(AUDIO_VIDEO_OFFER, streamId);
      }
      const t1 = performance.now();
      const answer = await client.request('join', { offer: { type: 'offer', sdp } }, 30_000);
      if (answer.error) errors++;
      else sfuJoinMs.push(performance.now() - t1);
    }
    return client;
  };

  const baseline = await serverMemory(server.port, server.child);
  // Hold: everyone joined at once, to measure memory per peer.
  const held = (await Promise.all(Array.from({ length: clients }, (_, i) => oneJoin(i, 0)))).filter((c): c is WsTestClient => !!c);
  await settle();
  const heldMemory = await serverMemory(server.port, server.child);
  const peersHeld = held.length;
  await Promise.all(
    held.map(async (c) => {
      await c.request('room.leave', {}).catch(() => undefined);
      await c.closed;
    }),
  );
  // Churn: every client joins and leaves `CYCLES` more times, bounded in time.
  const churnDeadline = started + MAX_MS;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      for (let cycle = 1; cycle <= CYCLES && performance.now() < churnDeadline; cycle++) {
        const c = await oneJoin(i, cycle).catch(() => (errors++, undefined));
        if (!c) continue;
        await c.request('room.leave', {}).catch(() => undefined);
        await c.closed;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await settle();
  const after = await serverMemory(server.port, server.child);
  await server.stop();
  return {
    name,
    clients,
    joins,
    errors,
    seconds,
    joinsPerSecond: joins / seconds,
    roomJoin: { p50: percentile(roomJoinMs, 50), p99: percentile(roomJoinMs, 99) },
    ...(withSfu ? { sfuJoin: { p50: percentile(sfuJoinMs, 50), p99: percentile(sfuJoinMs, 99) } } : {}),
    memory: { baselineRss: baseline.rss, heldRss: heldMemory.rss, afterRss: after.rss, baselineHeap: baseline.heap, heldHeap: heldMemory.heap, afterHeap: after.heap },
    peersHeld,
  };
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(1));

function table(results: PhaseResult[]): string {
  const rows = results.map((r) => {
    const perPeer = (r.memory.heldHeap - r.memory.baselineHeap) / Math.max(1, r.peersHeld);
    const perPeerRss = (r.memory.heldRss - r.memory.baselineRss) / Math.max(1, r.peersHeld);
    return `| ${r.name} | ${r.clients} | ${r.joins} | ${r.errors} | ${r.joinsPerSecond.toFixed(0)} | ${ms(r.roomJoin.p50)} / ${ms(r.roomJoin.p99)} | ${ms(r.sfuJoin?.p50)} / ${ms(r.sfuJoin?.p99)} | ${kb(perPeer)} | ${kb(perPeerRss)} | ${mb(r.memory.baselineRss)} → ${mb(r.memory.heldRss)} → ${mb(r.memory.afterRss)} | ${mb(r.memory.baselineHeap)} → ${mb(r.memory.heldHeap)} → ${mb(r.memory.afterHeap)} |`;
  });
  return [
    '| phase | clients | joins | errors | joins/s | room.join p50 / p99 ms | ion-sfu join p50 / p99 ms | heap / peer KiB | RSS / peer KiB | server RSS MiB: idle → held → after | server heap MiB: idle → held → after |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const results: PhaseResult[] = [];
  // Phase 1: no upstream. The ion-sfu link opens lazily on `join`, which this phase never sends.
  results.push(await runPhase('auth + rooms', 'ws://127.0.0.1:1/ws', CLIENTS, false));
  const binary = findIonSfuBinary();
  let sfu: IonSfuProcess | undefined;
  let sfuNote = '';
  if (binary) {
    sfu = await startIonSfu(binary, { udpPortMin: 51000, udpPortMax: 59999 });
    try {
      results.push(await runPhase('with ion-sfu', sfu.url, SFU_CLIENTS, true));
    } finally {
      await sfu.stop();
    }
  } else sfuNote = '\nion-sfu phase skipped: no binary found (set ION_SFU_BIN).\n';

  const text = table(results);
  console.log(text + sfuNote);
  const md = `# room-server benchmark — last run

Generated by \`projects/room-server/bench/bench-server.ts\` on ${new Date().toISOString()}
(${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} MiB RAM, Node ${process.version}).

Each phase starts room-server as a child process on loopback, connects
clients concurrently (no media), holds all of them joined once (memory is
read from the server's /metrics then), then has every client join and leave
${CYCLES} more times, bounded to ${MAX_MS / 1000} s. Rooms: ${ROOMS}. "joins" counts
successful \`room.join\`s over the whole phase; "joins/s" is that over the
phase's wall time including connection set-up. In the ion-sfu phase every
client also sends ion-sdk-js's \`join\` (a captured libwebrtc offer; one in
four publishes audio + video), which ion-sfu answers; ICE never completes
(no media). Memory is read after a full GC in the server (SIGUSR2 with
\`--expose-gc\`, bench/gc-on-signal.mjs); heap and RSS per peer are
(held − idle) / peers; "after" is once every client has left.

${text}
${sfuNote}`;
  writeFileSync(values.out!, md);
  console.log(`written to ${values.out}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
