/**
 * `npm run bench:pipeline`: the capture pipeline in headless Chromium with the
 * fake camera at 720p30 and every effect on.
 *
 * - per-frame cost of the breakout-box pipeline (worker: frame read → copy into
 *   WASM memory → kernels → new VideoFrame → generator write), WASM and JS kernels;
 * - per-frame cost of the canvas fallback (main thread: drawImage with filters + watermark);
 * - main-thread time per frame (CDP Performance.getMetrics TaskDuration) and
 *   renderer CPU per frame (CDP SystemInfo.getProcessInfo), against a raw-track
 *   baseline measured in the same run;
 * - the audio meter's cost for 20 streams: renderer CPU with 20 meters minus with 0;
 * - RNNoise's cost per capture pipeline and 128-sample quantum: renderer CPU of
 *   N capture pipelines with noise suppression minus the same N without, and
 *   the pipeline without it minus idle as the baseline, in the same run.
 *
 * Prints a Markdown table (for docs/BENCHMARKS.md) and writes JSON to
 * .test-results/bench-pipeline.json.
 */
import { build } from 'esbuild';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type CDPSession, type Page } from 'playwright-core';

import { CHROMIUM_FLAGS } from '../../../e2e/harness/browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const FLOOR_MS = 0.43; // ../shared/reference/PERF-FLOOR.md: whole breakout-box pipeline, 720p

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, 'pipeline-bench.page.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    minify: false,
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'error',
  });
  return result.outputFiles[0].text;
}

function serve(js: string): Promise<{ url: string; close(): void }> {
  const html = '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/bench.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html);
    }
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      ok({ url: `http://127.0.0.1:${port}/`, close: () => server.close() });
    }),
  );
}

interface Sample {
  taskMs: number;
  rendererCpuMs: number;
}

async function sample(page: CDPSession, browser: CDPSession): Promise<Sample> {
  const { metrics } = (await page.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const task = metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
  const info = (await browser.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; cpuTime: number }> };
  const renderer = info.processInfo.filter((p) => p.type === 'renderer').reduce((s, p) => s + p.cpuTime, 0);
  return { taskMs: task * 1000, rendererCpuMs: renderer * 1000 };
}

type Bench = Record<string, (...args: unknown[]) => Promise<unknown>>;
const call = <T>(page: Page, name: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(
    ([n, a]) => ((window as unknown as { ngxTrtcBench: Bench }).ngxTrtcBench[n as string] as (...x: unknown[]) => Promise<unknown>)(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<T>;

async function main(): Promise<void> {
  const startLoad = loadavg()[0].toFixed(2);
  const js = await bundle();
  const server = await serve(js);
  const userDataDir = mkdtempSync(join(tmpdir(), 'ngx-trtc-bench-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env['CHROME_BIN'] ?? '/usr/lib/chromium/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.error(`[page] ${m.text()}`);
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.title === 'ready');
    const pageCdp = await context.newCDPSession(page);
    await pageCdp.send('Performance.enable');
    const browserCdp = await context.browser()!.newBrowserCDPSession().catch(() => null);
    const cdpBrowser = browserCdp ?? pageCdp;

    const cam = await call<{ width: number; height: number; frameRate: number }>(page, 'openCamera');
    console.error(`camera ${cam.width}×${cam.height} @ ${cam.frameRate} fps; ${SECONDS} s per mode`);

    const modes = ['raw', 'breakout-wasm', 'breakout-js', 'canvas-wasm', 'canvas-js'] as const;
    type Row = { frames: number; pipelineMedianMs: number | null; mainMsPerFrame: number; cpuMsPerFrame: number; wasm: boolean | null; stages: Record<string, number> | null };
    // Modes interleaved over rounds; each figure is the median over rounds (the machine is shared).
    const runs: Record<string, Row[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of modes) {
        await call(page, 'start', mode);
        const before = await sample(pageCdp, cdpBrowser);
        const { framesShown, stats } = await call<{ framesShown: number; stats: { medianProcessMs: number; framesOut: number; wasm: boolean; stageMeansMs?: Record<string, number> | null } | null }>(page, 'measure', SECONDS * 1000);
        const after = await sample(pageCdp, cdpBrowser);
        const frames = Math.max(1, stats?.framesOut ?? framesShown);
        const row: Row = {
          frames,
          pipelineMedianMs: stats?.medianProcessMs ?? null,
          mainMsPerFrame: (after.taskMs - before.taskMs) / frames,
          cpuMsPerFrame: (after.rendererCpuMs - before.rendererCpuMs) / frames,
          wasm: stats?.wasm ?? null,
          stages: stats?.stageMeansMs ?? null,
        };
        (runs[mode] ??= []).push(row);
        console.error(`round ${round + 1} ${mode}: ${JSON.stringify(row)}`);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const rows: Record<string, Row> = {};
    for (const mode of modes) {
      const r = runs[mode];
      const stageKeys = r[0].stages ? Object.keys(r[0].stages) : [];
      rows[mode] = {
        frames: med(r.map((x) => x.frames)),
        pipelineMedianMs: r[0].pipelineMedianMs === null ? null : med(r.map((x) => x.pipelineMedianMs ?? 0)),
        mainMsPerFrame: med(r.map((x) => x.mainMsPerFrame)),
        cpuMsPerFrame: med(r.map((x) => x.cpuMsPerFrame)),
        wasm: r[0].wasm,
        stages: stageKeys.length ? Object.fromEntries(stageKeys.map((k) => [k, med(r.map((x) => x.stages?.[k] ?? 0))])) : null,
      };
    }
    await call(page, 'stopVideo');

    const rate = await call<number>(page, 'sampleRate');
    const quantaPerSecond = rate / 128;
    await call(page, 'startMeters', 0);
    const idle0 = await sample(pageCdp, cdpBrowser);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const idle1 = await sample(pageCdp, cdpBrowser);
    const running = await call<boolean>(page, 'startMeters', 20);
    const m0 = await sample(pageCdp, cdpBrowser);
    const maxLevel = await call<number>(page, 'sampleMeters', SECONDS * 1000);
    const m1 = await sample(pageCdp, cdpBrowser);
    await call(page, 'startMeters', 0);
    const idleCpuPerSec = (idle1.rendererCpuMs - idle0.rendererCpuMs) / SECONDS;
    const meterCpuPerSec = (m1.rendererCpuMs - m0.rendererCpuMs) / SECONDS;
    const meterMainPerSec = (m1.taskMs - m0.taskMs) / SECONDS;
    const perStreamQuantumUs = ((meterCpuPerSec - idleCpuPerSec) * 1000) / (20 * quantaPerSecond);
    const audio = {
      contextRunning: running,
      maxLevel,
      rendererCpuMsPerSecondIdle: idleCpuPerSec,
      rendererCpuMsPerSecond20Meters: meterCpuPerSec,
      mainThreadMsPerSecond20Meters: meterMainPerSec,
      cpuPercentOfOneCore20Meters: (meterCpuPerSec - idleCpuPerSec) / 10,
      perStreamPerQuantumUs: perStreamQuantumUs,
    };

    // Noise suppression: N captures without, with, and none (idle), interleaved over rounds.
    const NS_COUNT = Number(process.env['BENCH_NS_CAPTURES'] ?? 6);
    const nsRuns: Record<'idle' | 'off' | 'on', number[]> = { idle: [], off: [], on: [] };
    const nsLevels: Record<'off' | 'on', number[]> = { off: [], on: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['idle', 'off', 'on'] as const) {
        await call(page, 'startCaptures', mode === 'idle' ? 0 : NS_COUNT, mode === 'on', 0);
        const a = await sample(pageCdp, cdpBrowser);
        await new Promise((r) => setTimeout(r, SECONDS * 1000));
        const b = await sample(pageCdp, cdpBrowser);
        nsRuns[mode].push((b.rendererCpuMs - a.rendererCpuMs) / SECONDS);
        console.error(`round ${round + 1} captures ${mode}: ${nsRuns[mode].at(-1)!.toFixed(1)} ms/s`);
      }
    }
    for (const mode of ['off', 'on'] as const) nsLevels[mode].push(await call<number>(page, 'startCaptures', NS_COUNT, mode === 'on', 2000));
    await call(page, 'startCaptures', 0, false, 0);
    const nsIdle = med(nsRuns.idle);
    const nsOff = med(nsRuns.off);
    const nsOn = med(nsRuns.on);
    const perQuantum = (msPerSecond: number) => (msPerSecond * 1000) / (NS_COUNT * quantaPerSecond);
    const noiseSuppression = {
      captures: NS_COUNT,
      sampleRate: rate,
      rendererCpuMsPerSecond: { idle: nsIdle, off: nsOff, on: nsOn },
      runs: nsRuns,
      pipelinePerQuantumUs: perQuantum(nsOff - nsIdle),
      denoiserPerQuantumUs: perQuantum(nsOn - nsOff),
      pipelineWithDenoiserPerQuantumUs: perQuantum(nsOn - nsIdle),
      meanLevel: { off: nsLevels.off[0], on: nsLevels.on[0] },
    };

    const raw = rows['raw'];
    const fmt = (v: number | null, d = 3) => (v === null ? '–' : v.toFixed(d));
    const ratio = (v: number) => (raw.cpuMsPerFrame > 0 ? (v / raw.cpuMsPerFrame).toFixed(2) + '×' : '–');
    const lines = [
      `| mode (720p30, all effects) | pipeline ms/frame (median) | main-thread ms/frame | renderer CPU ms/frame | CPU vs raw |`,
      `|---|---|---|---|---|`,
      ...modes.map((m) => {
        const r = rows[m];
        return `| ${m} | ${fmt(r.pipelineMedianMs)} | ${fmt(r.mainMsPerFrame)} | ${fmt(r.cpuMsPerFrame)} | ${ratio(r.cpuMsPerFrame)} |`;
      }),
      ``,
      `Breakout box (WASM) vs PERF-FLOOR ${FLOOR_MS} ms: ${fmt((rows['breakout-wasm'].pipelineMedianMs ?? 0) / FLOOR_MS, 2)}× (target ≤ 2×).`,
      `Breakout box (WASM) stages, mean ms: ${rows['breakout-wasm'].stages ? Object.entries(rows['breakout-wasm'].stages).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') : '–'}.`,
      `Median of ${ROUNDS} interleaved rounds of ${SECONDS} s; load average at start ${startLoad}, at end ${loadavg()[0].toFixed(2)} (2-core VM shared with other work).`,
      ``,
      `| audio: 20 meters | value |`,
      `|---|---|`,
      `| renderer CPU, 20 meters − idle | ${fmt(meterCpuPerSec - idleCpuPerSec, 1)} ms/s (${fmt(audio.cpuPercentOfOneCore20Meters, 2)}% of a core) |`,
      `| per stream per 128-sample quantum | ${fmt(perStreamQuantumUs, 2)} µs (budget 2,667 µs) |`,
      `| main thread with 20 meters | ${fmt(meterMainPerSec, 2)} ms/s |`,
      `| meters saw the beep (max level) | ${fmt(maxLevel, 2)} |`,
      ``,
      `| audio: ${NS_COUNT} capture pipelines (gain + meter, ± RNNoise) | renderer CPU − idle | per pipeline per 128-sample quantum | vs the pipeline without |`,
      `|---|---|---|---|`,
      `| noise suppression off | ${fmt(nsOff - nsIdle, 1)} ms/s | ${fmt(noiseSuppression.pipelinePerQuantumUs, 2)} µs | 1.00× |`,
      `| noise suppression on (RNNoise) | ${fmt(nsOn - nsIdle, 1)} ms/s | ${fmt(noiseSuppression.pipelineWithDenoiserPerQuantumUs, 2)} µs | ${noiseSuppression.pipelinePerQuantumUs > 0 ? (noiseSuppression.pipelineWithDenoiserPerQuantumUs / noiseSuppression.pipelinePerQuantumUs).toFixed(1) + '×' : '–'} |`,
      ``,
      `RNNoise alone: ${fmt(noiseSuppression.denoiserPerQuantumUs, 2)} µs per pipeline per quantum (${fmt((noiseSuppression.denoiserPerQuantumUs / (128e6 / rate)) * 100, 2)}% of the ${fmt(128e3 / rate, 2)} ms quantum's real time); ${rate} Hz context, median of ${ROUNDS} interleaved rounds of ${SECONDS} s. Mean meter level on the fake microphone's beep: ${fmt(noiseSuppression.meanLevel.off, 3)} off, ${fmt(noiseSuppression.meanLevel.on, 3)} on (RNNoise removes the tone: proof it ran).`,
    ];
    console.log(lines.join('\n'));
    const out = join(root, '.test-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'bench-pipeline.json'), JSON.stringify({ camera: cam, seconds: SECONDS, rounds: ROUNDS, video: rows, runs, audio, noiseSuppression, floorMs: FLOOR_MS }, null, 2));
  } finally {
    await context.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
