/**
 * `npm run bench`: every benchmark in one go, written to docs/BENCHMARKS.md.
 *
 * - ngx-trtc against bare ion-sdk-js through the real stack (ion-sfu +
 *   room-server + headless Chromium in the harness's network namespace):
 *   join, publish → first remote frame, glass-to-glass, CPU of a 3-person
 *   720p call (call-bench.ts); 720p subscribers one machine holds (capacity.ts);
 * - ion-sfu fan-out with packet-counting pion subscribers, through room-server
 *   and bare (fanout.ts);
 * - bundle sizes against trtc-js-sdk v4 (bundle.ts);
 * - room-server's, the WASM core's and the capture pipeline's own benchmarks,
 *   folded in (other-benches.ts).
 *
 * Figures only: nothing here fails on slowness. The exit code is non-zero
 * only when the harness itself breaks.
 *
 * Environment: BENCH_REPS (join repetitions, default 20), BENCH_ONLY
 * (comma list of join,glass,cpu,capacity,fanout,bundle,others), BENCH_SKIP_OTHERS=1
 * (fold the others' last LAST-RUN files without running them), BENCH_SFU_MAX
 * (default 12), BENCH_SFU_BROWSERS (default 3), BENCH_FANOUT_MAX (default 400), BENCH_OUT (default
 * docs/BENCHMARKS.md). `--quick` shrinks everything for a smoke run and
 * writes .test-results/BENCHMARKS.quick.md unless BENCH_OUT is set.
 * `--render` measures nothing: it re-renders the report from the last run's
 * .test-results/bench.json (after a change to report.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { CHROMIUM_FLAGS, launchBrowser } from '../harness/browser.js';
import { ROOT, startStack, type Stack } from '../harness/stack.js';
import { measureConference, measureMinimal, measureTrtcSdk } from './bundle.js';
import { measureCpu, measureGlass, measureJoin } from './call-bench.js';
import { measureCapacity } from './capacity.js';
import { measureFanout } from './fanout.js';
import { load1, machineInfo } from './machine.js';
import { OTHER_BENCHES, collectOtherBench, type OtherBenchResult } from './other-benches.js';
import { renderReport, type BenchReport } from './report.js';

const quick = process.argv.includes('--quick');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const only = new Set((process.env['BENCH_ONLY'] ?? 'join,glass,cpu,capacity,fanout,bundle,others').split(',').map((s) => s.trim()));
const settings = {
  quick,
  joinReps: env('BENCH_REPS', quick ? 3 : 20),
  glassRounds: quick ? 1 : 2,
  glassSeconds: quick ? 4 : 10,
  cpuRounds: quick ? 1 : 2,
  cpuSeconds: quick ? 5 : 10,
  cpuSettleSeconds: quick ? 3 : 5,
  sfuMax: env('BENCH_SFU_MAX', quick ? 2 : 12),
  sfuBrowsers: env('BENCH_SFU_BROWSERS', quick ? 1 : 3),
  sfuSeconds: quick ? 4 : 6,
  sfuSettleSeconds: quick ? 2 : 3,
  fanoutMax: env('BENCH_FANOUT_MAX', quick ? 10 : 400),
  fanoutSeconds: quick ? 4 : 10,
  runOthers: process.env['BENCH_SKIP_OTHERS'] !== '1' && !quick,
};
const outFile = process.env['BENCH_OUT'] ?? join(ROOT, quick ? '.test-results/BENCHMARKS.quick.md' : 'docs/BENCHMARKS.md');

const log = (line: string) => console.log(line);
const loads: Record<string, { start: string; end: string }> = {};

async function section<T>(name: string, fn: () => Promise<T>): Promise<T | null> {
  if (!only.has(name)) return null;
  const start = load1();
  const t0 = Date.now();
  log(`\n== ${name} (load ${start})`);
  try {
    return await fn();
  } catch (error) {
    log(`== ${name} FAILED: ${(error as Error).stack ?? error}`);
    return null;
  } finally {
    loads[name] = { start, end: load1() };
    log(`== ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s (load ${loads[name].end})`);
  }
}

function writeReport(report: BenchReport, file: string): string {
  const markdown = renderReport(report);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  return markdown;
}

async function main(): Promise<void> {
  if (process.argv.includes('--render')) {
    const last = JSON.parse(readFileSync(join(ROOT, '.test-results/bench.json'), 'utf8')) as BenchReport;
    const file = process.env['BENCH_OUT'] ?? join(ROOT, last.settings['quick'] ? '.test-results/BENCHMARKS.quick.md' : 'docs/BENCHMARKS.md');
    writeReport(last, file);
    log(`re-rendered ${file} from .test-results/bench.json`);
    return;
  }
  const startedAt = new Date();
  const machine = machineInfo(process.env['CHROME_BIN'] || '/usr/lib/chromium/chromium');
  log(`ngx-trtc bench: ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB.toFixed(1)} GiB, load ${load1()}`);
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    machine,
    settings,
    loads,
    chromiumFlags: CHROMIUM_FLAGS,
    join: null,
    glass: null,
    cpu: null,
    capacity: null,
    fanout: null,
    conference: null,
    minimal: null,
    trtcSdk: null,
    others: [],
    network: '',
  };

  const needsStack = ['join', 'glass', 'cpu', 'capacity'].some((s) => only.has(s));
  let stack: Stack | null = null;
  try {
    if (needsStack) {
      stack = await startStack({ label: 'bench', roomServerEnv: { ROOM_SERVER_LOG_LEVEL: 'warn' } });
      report.network = stack.network.namespace ? `network namespace ${stack.network.namespace}` : 'host (no namespace)';
      const s = stack;
      const browser = await launchBrowser(s);
      try {
        report.join = await section('join', () => measureJoin(s, browser, settings.joinReps, log));
        report.glass = await section('glass', () => measureGlass(s, browser, settings.glassRounds, settings.glassSeconds, log));
      } finally {
        await browser.close();
      }
      report.cpu = await section('cpu', () => measureCpu(s, settings.cpuRounds, settings.cpuSeconds, settings.cpuSettleSeconds, log));
      report.capacity = await section('capacity', () =>
        measureCapacity(s, settings.sfuMax, settings.sfuBrowsers, settings.sfuSeconds, settings.sfuSettleSeconds, log),
      );
    }
  } finally {
    await stack?.stop();
  }

  // Its own stacks (a wider ion-sfu port range, room limits raised), one per signaling mode.
  report.fanout = await section('fanout', () =>
    measureFanout({ max: settings.fanoutMax, seconds: settings.fanoutSeconds, settleSeconds: settings.sfuSettleSeconds }, log),
  );

  await section('bundle', async () => {
    report.minimal = await measureMinimal();
    log(`  minimal app: ${report.minimal.whole.gzip} B gzip (${report.minimal.withoutFramework.gzip} B without Angular/rxjs)`);
    report.trtcSdk = await measureTrtcSdk();
    log(`  trtc-js-sdk ${report.trtcSdk.version}: ${report.trtcSdk.main.gzip} B gzip ${report.trtcSdk.error ?? ''}`);
    log('  building the conference app (ng build conference, production) …');
    report.conference = await measureConference();
    log(`  conference: ${report.conference.total.gzip} B gzip ${report.conference.error ?? ''}`);
  });

  await section('others', async () => {
    const results: OtherBenchResult[] = [];
    for (const other of OTHER_BENCHES) results.push(await collectOtherBench(other, settings.runOthers, log));
    report.others = results;
  });

  report.finishedAt = new Date().toISOString();
  const markdown = writeReport(report, outFile);
  mkdirSync(join(ROOT, '.test-results'), { recursive: true });
  writeFileSync(join(ROOT, '.test-results/bench.json'), JSON.stringify(report, null, 2));
  log(`\n${markdown.split('\n## ')[1] ? `## ${markdown.split('\n## ')[1]}` : ''}`);
  log(`\nwrote ${outFile} and .test-results/bench.json`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
