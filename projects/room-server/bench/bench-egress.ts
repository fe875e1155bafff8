/**
 * Egress benchmark: CPU per egress and start latency, against the real
 * ion-sfu, room-server, three @roamhq/wrtc publishers (320×240 solid
 * colours + a tone) and Debian's ffmpeg.
 *
 *   node --import tsx projects/room-server/bench/bench-egress.ts [--seconds 12] [--configs 640x360@15,1280x720@30]
 *
 * For each output size: an admin-API recording of the 3-person room, timed
 * from the request to its answer (the egress is live: the encoder produced
 * output) and to the first participant picture drawn; the worker's own CPU
 * (WebRTC receive + decode, compose, mix) and its ffmpeg processes' (encode,
 * remux) sampled every second by the worker itself (/proc), the first 2 s
 * left out. The baseline, measured in the same run: ffmpeg alone encoding
 * a synthetic picture of the same size and rate with the same encoder
 * settings (no WebRTC, no composition) — the ratio says what the egress
 * costs beyond the encode that any egress needs.
 *
 * Prints a table and writes projects/room-server/bench/EGRESS-LAST-RUN.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { generateUserSig } from '../src/auth/usersig.js';
import { encoderArgs } from '../src/egress/worker/ffmpeg-args.js';
import { processCpuSeconds } from '../src/egress/worker/cpu.js';
import type { EgressInfo, EncodingSpec } from '../src/egress/types.js';
import { silentLogger } from '../src/log.js';
import { startRoomServer } from '../src/server.js';
import { findIonSfuBinary, startIonSfu } from '../test/support/ion-sfu-process.js';
import { hasFfmpeg, probe } from '../test/support/media-probe.js';
import { WsTestClient } from '../test/support/ws-client.js';
import { loadWrtc, WrtcPeer } from '../test/support/wrtc-peer.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    configs: { type: 'string', default: '640x360@15,1280x720@30' },
    out: { type: 'string', default: resolve('projects/room-server/bench/EGRESS-LAST-RUN.md') },
  },
});
const SECONDS = Number(values.seconds);
const CONFIGS = values.configs.split(',').map((c) => {
  const m = /^(\d+)x(\d+)@(\d+)$/.exec(c.trim());
  if (!m) throw new Error(`--configs: ${c} is not WxH@FPS`);
  return { width: Number(m[1]), height: Number(m[2]), frameRate: Number(m[3]) };
});
const SDK_APP_ID = 1400000000;
const SECRET_KEY = 'bench-secret-key-0123456789abcdef';
const ADMIN_SECRET = 'bench-admin-secret-0123456789abc';
const ROOM = 777;
const WARMUP_S = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');

interface Row {
  config: string;
  startMs: number;
  firstPictureMs: number;
  stopMs: number;
  workerCpu: number;
  ffmpegCpu: number;
  peakTotal: number;
  baselineCpu: number;
  fileSeconds: number;
  framesDropped: number;
}

/** CPU (% of one core) of ffmpeg encoding a synthetic picture in real time with the egress's encoder settings. */
async function baselineCpu(e: EncodingSpec, seconds: number): Promise<number> {
  const args = encoderArgs(e);
  // The egress encoder's inputs (raw pipes) replaced by lavfi sources of the same formats, read at the native rate.
  const out = args.indexOf('-map');
  const codec = args.slice(out + 4, args.indexOf('-f', out));
  const child = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-re', '-f', 'lavfi', '-i', `testsrc2=size=${e.width}x${e.height}:rate=${e.frameRate}`,
    '-re', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${e.audioSampleRate}`,
    '-t', String(seconds), '-map', '0:v', '-map', '1:a', ...codec, '-f', 'mpegts', '-y', '/dev/null',
  ], { stdio: 'ignore' });
  const pid = child.pid!;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await sleep(WARMUP_S * 1000);
  const t0 = performance.now();
  const c0 = processCpuSeconds(pid) ?? 0;
  let last = { t: t0, c: c0 };
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await sleep(250);
    const c = processCpuSeconds(pid);
    if (c !== undefined) last = { t: performance.now(), c };
  }
  return ((last.c - c0) / ((last.t - t0) / 1000)) * 100;
}

async function main(): Promise<void> {
  const binary = findIonSfuBinary();
  const wrtc = loadWrtc();
  if (!binary || !wrtc || !hasFfmpeg()) throw new Error('needs the ion-sfu binary, @roamhq/wrtc and ffmpeg/ffprobe');
  const load = loadavg();
  const sfu = await startIonSfu(binary);
  const recordings = mkdtempSync(join(tmpdir(), 'bench-egress-'));
  const server = await startRoomServer(
    {
      port: 0,
      sfuUrl: sfu.url,
      apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }],
      staticDir: null,
      logLevel: 'silent',
      adminSecret: ADMIN_SECRET,
      egress: { recordingsDir: recordings, maxEgresses: 4, limits: { maxWidth: 1920, maxHeight: 1080, maxFrameRate: 30, maxVideoBitrateKbps: 8000 } },
    },
    { log: silentLogger },
  );
  const clients: WsTestClient[] = [];
  const peers: WrtcPeer[] = [];
  const admin = async (path: string, body?: object): Promise<{ status: number; body: Record<string, any> }> => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'x-admin-secret': ADMIN_SECRET, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const rows: Row[] = [];
  try {
    const colours: Array<[number, number, number]> = [[81, 90, 240], [145, 54, 34], [41, 240, 110]];
    for (const [i, colour] of colours.entries()) {
      const userId = `p${i}`;
      const client = await WsTestClient.connect(server.url);
      clients.push(client);
      const sig = generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds: 3600 });
      const joined = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig, roomId: ROOM, mode: 'rtc' });
      if (joined.error) throw new Error(JSON.stringify(joined.error));
      const peer = new WrtcPeer(wrtc, client);
      peers.push(peer);
      const media = peer.addMedia({ yuv: colour, width: 320, height: 240, toneHz: 440 });
      await client.request('stream.publish', { streamId: media.stream.id, type: 'main', hasAudio: true, hasVideo: true });
      await peer.join();
    }
    await sleep(2000);
    for (const config of CONFIGS) {
      const label = `${config.width}×${config.height} @ ${config.frameRate} fps`;
      const t0 = performance.now();
      const started = await admin('/admin/egress/start', { sdkAppId: SDK_APP_ID, roomId: ROOM, ...config });
      const startMs = performance.now() - t0;
      if (started.status !== 200) throw new Error(`start ${label}: ${JSON.stringify(started.body)}`);
      const egress = started.body['egress'] as EgressInfo;
      const samples: Array<{ worker: number; ffmpeg: number }> = [];
      let last = egress;
      for (let s = 0; s < SECONDS; s++) {
        await sleep(1000);
        last = (await admin(`/admin/egress?egressId=${egress.egressId}`)).body['egress'] as EgressInfo;
        if (s >= WARMUP_S && last.stats) samples.push({ worker: last.stats.workerCpuPercent, ffmpeg: last.stats.ffmpegCpuPercent });
      }
      const s0 = performance.now();
      const stopped = (await admin('/admin/egress/stop', { egressId: egress.egressId })).body['egress'] as EgressInfo;
      const stopMs = performance.now() - s0;
      const file = await probe(stopped.files[0]!);
      const baseline = await baselineCpu(egress.encoding, SECONDS);
      rows.push({
        config: label,
        startMs,
        firstPictureMs: last.firstMediaAt !== null ? last.firstMediaAt - egress.requestedAt : NaN,
        stopMs,
        workerCpu: mean(samples.map((x) => x.worker)),
        ffmpegCpu: mean(samples.map((x) => x.ffmpeg)),
        peakTotal: max(samples.map((x) => x.worker + x.ffmpeg)),
        baselineCpu: baseline,
        fileSeconds: file.duration,
        framesDropped: last.stats?.framesDropped ?? NaN,
      });
      console.log(`[bench:egress] ${label}: start ${f1(startMs)} ms, worker ${f1(rows.at(-1)!.workerCpu)} %, ffmpeg ${f1(rows.at(-1)!.ffmpegCpu)} %, baseline ${f1(baseline)} %`);
    }
  } finally {
    for (const peer of peers) peer.close();
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
    await sfu.stop();
    rmSync(recordings, { recursive: true, force: true });
  }

  const table = [
    '| output | start (request → live) | first participant picture | stop (files closed) | worker CPU | ffmpeg CPU | egress total | peak total | baseline: ffmpeg encode alone | total / baseline | file length | frames skipped |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const total = r.workerCpu + r.ffmpegCpu;
      return `| ${r.config} | ${f1(r.startMs)} ms | ${f1(r.firstPictureMs)} ms | ${f1(r.stopMs)} ms | ${f1(r.workerCpu)} % | ${f1(r.ffmpegCpu)} % | ${f1(total)} % | ${f1(r.peakTotal)} % | ${f1(r.baselineCpu)} % | ${(total / r.baselineCpu).toFixed(2)}× | ${r.fileSeconds.toFixed(2)} s of ${SECONDS} s | ${r.framesDropped} |`;
    }),
  ].join('\n');
  const report = `# bench:egress, last run

${new Date().toISOString()}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); load average at the start ${load.map((l) => l.toFixed(2)).join(' / ')}.
3 publishers (@roamhq/wrtc, 320×240 colours + tone) through ion-sfu; one admin-API recording (grid, fragmented MP4) at a time, ${SECONDS} s each, CPU as % of one core (first ${WARMUP_S} s left out).

${table}
`;
  writeFileSync(values.out, report);
  console.log(`\n${report}`);
}

// An explicit exit: @roamhq/wrtc's libwebrtc threads abort Node's own teardown at exit (SIGABRT after the report).
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
