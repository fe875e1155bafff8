/**
 * `npm run bench:e2ee`: what end-to-end encryption costs, measured against the
 * same call without it in one run, through the real stack (ion-sfu +
 * room-server + headless Chromium), conditions interleaved round by round so
 * they see the same machine load:
 *
 * - glass-to-glass delay of a frame-counter canvas (640×360, 30 fps): when the
 *   receiver first presents counter k − when the sender drew it;
 * - CPU of one page in a 3-person 720p call (720p, 15 fps, 1500 kbps, with
 *   audio): the measured page alone in its own Chromium, the two others in a
 *   second one; main thread (CDP TaskDuration) and renderer process (CDP
 *   SystemInfo.getProcessInfo, includes the encryption worker and WebRTC's
 *   threads).
 *
 * Conditions: "VP8" (ngx-trtc with video forced to VP8, the codec E2EE uses,
 * so the ratio is the encryption's alone), "VP8 + E2EE" (AES-GCM in a worker
 * on every frame, both ways) and, for context, "default codec" (what
 * Chromium and ion-sfu negotiate without E2EE). Figures only: nothing fails
 * on slowness. Writes e2e/bench/E2EE-LAST-RUN.md (folded into
 * docs/BENCHMARKS.md by `npm run bench`) and .test-results/bench-e2ee.json.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS (default 10).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

import { launchBrowser } from '../harness/browser.js';
import { ROOT, startStack, type Stack } from '../harness/stack.js';
import { bench, firstRemoteFrame, freshRoom, openBenchPage, perfMetrics, processCpu, summarize, until, type Summary } from './call-bench.js';
import { load1 } from './machine.js';
import { fmt, median, ratio, sleep } from './stats.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const SETTLE_SECONDS = 5;

interface Condition {
  id: 'default' | 'vp8' | 'e2ee';
  label: string;
  e2ee: boolean;
  vp8: boolean;
}

const CONDITIONS: Condition[] = [
  { id: 'vp8', label: 'ngx-trtc, VP8', e2ee: false, vp8: true },
  { id: 'e2ee', label: 'ngx-trtc, VP8 + E2EE', e2ee: true, vp8: true },
  { id: 'default', label: 'ngx-trtc, default codec (context)', e2ee: false, vp8: false },
];

const log = (line: string) => console.error(line);

function joinAs(page: Page, roomId: number, userId: string, c: Condition): Promise<unknown> {
  return page.evaluate((o) => (window as any).bench.join(o), { roomId, userId, e2ee: c.e2ee, vp8: c.vp8 });
}

function codecsOf(page: Page): Promise<{ send: string[]; receive: string[] }> {
  return page.evaluate(() => (window as any).bench.videoCodecs());
}

interface GlassRow {
  delays: number[];
  sent: number;
  missed: number;
  codecs: string[];
}

/** One glass-to-glass round of `c`: counters drawn in the window, the receiver's first presentation of each. */
async function glassRound(stack: Stack, browser: Browser, c: Condition, row: GlassRow): Promise<void> {
  const sender = await openBenchPage(browser, stack, 'ngx-trtc');
  const receiver = await openBenchPage(browser, stack, 'ngx-trtc');
  const room = freshRoom();
  try {
    await joinAs(receiver, room, `rx${room}`, c);
    await joinAs(sender, room, `tx${room}`, c);
    await bench.prepare(sender, { width: 640, height: 360, fps: 30, bitrateKbps: 1200, counter: true });
    await bench.publish(sender);
    await firstRemoteFrame(receiver);
    await sleep(2000); // past the first keyframe and the bandwidth ramp-up
    await bench.readCounters(receiver);
    const windowStart = Date.now();
    await sleep(SECONDS * 1000);
    const sentAt = await bench.sentAt(sender);
    const [reader] = await bench.counters(receiver);
    const seen = new Map(reader?.seen ?? []);
    const before = row.delays.length;
    let sent = 0;
    let missed = 0;
    sentAt.forEach((at, counter) => {
      if (at === null || at < windowStart || at > windowStart + SECONDS * 1000 - 500) return;
      sent++;
      const shownAt = seen.get(counter);
      if (shownAt === undefined) missed++;
      else row.delays.push(shownAt - at);
    });
    row.sent += sent;
    row.missed += missed;
    row.codecs = (await codecsOf(receiver)).receive;
    log(`  glass ${c.id}: ${row.delays.length - before} frames, median ${fmt(median(row.delays.slice(before)))} ms, ${missed}/${sent} not presented, ${row.codecs}`);
  } finally {
    await Promise.all([bench.leave(sender), bench.leave(receiver)]).catch(() => undefined);
    await sender.context().close();
    await receiver.context().close();
  }
}

interface CpuSample {
  mainPct: number;
  rendererPct: number;
  browserPct: number;
  decodedFps: number;
  encodedFps: number;
  codecs: string[];
}

/** One CPU round of `c`: a 3-person 720p call, the measured page in a browser of its own. */
async function cpuRound(stack: Stack, c: Condition): Promise<CpuSample> {
  const measured = await launchBrowser(stack);
  const others = await launchBrowser(stack);
  try {
    const room = freshRoom();
    const page = await openBenchPage(measured, stack, 'ngx-trtc');
    const peers = [await openBenchPage(others, stack, 'ngx-trtc'), await openBenchPage(others, stack, 'ngx-trtc')];
    const everyone = [page, ...peers];
    for (const [i, p] of everyone.entries()) {
      await joinAs(p, room, `u${i}-${room}`, c);
      await bench.prepare(p, { width: 1280, height: 720, fps: 15, bitrateKbps: 1500 });
    }
    for (const p of everyone) await bench.publish(p);
    await until(async () => ((await bench.playing(page)) >= 2 ? true : null), 30000, 'two remote videos');
    await sleep(SETTLE_SECONDS * 1000);
    const pageCdp = await page.context().newCDPSession(page);
    await pageCdp.send('Performance.enable');
    const browserCdp = await measured.newBrowserCDPSession();
    const m0 = await perfMetrics(pageCdp);
    const p0 = await processCpu(browserCdp);
    const s0 = await bench.stats(page);
    const t0 = Date.now();
    await sleep(SECONDS * 1000);
    const m1 = await perfMetrics(pageCdp);
    const p1 = await processCpu(browserCdp);
    const s1 = await bench.stats(page);
    const wall = (Date.now() - t0) / 1000;
    const codecs = await codecsOf(page);
    const sample: CpuSample = {
      mainPct: (100 * (m1['TaskDuration'] - m0['TaskDuration'])) / wall,
      rendererPct: (100 * (p1.renderer - p0.renderer)) / wall,
      browserPct: (100 * (p1.total - p0.total)) / wall,
      decodedFps: (s1['framesDecoded'] - s0['framesDecoded']) / wall,
      encodedFps: (s1['framesEncoded'] - s0['framesEncoded']) / wall,
      codecs: [...new Set([...codecs.send, ...codecs.receive])],
    };
    log(
      `  cpu ${c.id}: main ${fmt(sample.mainPct)}%, renderer ${fmt(sample.rendererPct)}%, browser ${fmt(sample.browserPct)}%, ` +
        `decode ${fmt(sample.decodedFps)} fps, encode ${fmt(sample.encodedFps)} fps, ${sample.codecs}`,
    );
    for (const p of everyone) await bench.leave(p).catch(() => undefined);
    return sample;
  } finally {
    await measured.close();
    await others.close();
  }
}

async function main(): Promise<void> {
  const loadStart = load1();
  const stack = await startStack({ label: 'bench-e2ee' });
  const glass = new Map(CONDITIONS.map((c) => [c.id, { delays: [], sent: 0, missed: 0, codecs: [] } as GlassRow]));
  const cpu = new Map(CONDITIONS.map((c) => [c.id, [] as CpuSample[]]));
  const failures: string[] = [];
  try {
    const browser = await launchBrowser(stack);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? CONDITIONS : [...CONDITIONS].reverse();
        for (const c of order) {
          await glassRound(stack, browser, c, glass.get(c.id)!).catch((e: Error) => failures.push(`glass ${c.id} round ${round}: ${e.message}`));
        }
      }
    } finally {
      await browser.close();
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? CONDITIONS : [...CONDITIONS].reverse();
      for (const c of order) {
        await cpuRound(stack, c)
          .then((s) => cpu.get(c.id)!.push(s))
          .catch((e: Error) => failures.push(`cpu ${c.id} round ${round}: ${e.message}`));
      }
    }
  } finally {
    await stack.stop();
  }
  for (const f of failures) log(`  FAILED ${f}`);

  const loadEnd = load1();
  const delay = new Map<string, Summary>(CONDITIONS.map((c) => [c.id, summarize(glass.get(c.id)!.delays)]));
  const cpuMed = (id: Condition['id'], key: keyof Omit<CpuSample, 'codecs'>) => median(cpu.get(id)!.map((s) => s[key]));
  const base = 'vp8';
  const lines = [
    `# E2EE: CPU and glass-to-glass delay (npm run bench:e2ee)`,
    ``,
    `| condition | glass-to-glass median ms | p95 ms | frames | not presented | codec |`,
    `|---|---|---|---|---|---|`,
    ...CONDITIONS.map((c) => {
      const d = delay.get(c.id)!;
      const g = glass.get(c.id)!;
      return `| ${c.label} | ${fmt(d.median)} | ${fmt(d.p95)} | ${d.n} | ${g.sent ? fmt((100 * g.missed) / g.sent) + ' %' : '–'} | ${g.codecs.join(', ') || '–'} |`;
    }),
    ``,
    `E2EE adds ${fmt(delay.get('e2ee')!.median - delay.get(base)!.median)} ms to the median glass-to-glass delay (${ratio(delay.get('e2ee')!.median, delay.get(base)!.median)} of VP8 without it); 640×360 frame counter at 30 fps, ${ROUNDS} interleaved rounds of ${SECONDS} s.`,
    ``,
    `| condition (3-person 720p call, one page) | main thread % of a core | renderer % | whole browser % | decoded fps | encoded fps | rounds |`,
    `|---|---|---|---|---|---|---|`,
    ...CONDITIONS.map(
      (c) =>
        `| ${c.label} | ${fmt(cpuMed(c.id, 'mainPct'))} | ${fmt(cpuMed(c.id, 'rendererPct'))} (${ratio(cpuMed(c.id, 'rendererPct'), cpuMed(base, 'rendererPct'))}) | ` +
        `${fmt(cpuMed(c.id, 'browserPct'))} (${ratio(cpuMed(c.id, 'browserPct'), cpuMed(base, 'browserPct'))}) | ${fmt(cpuMed(c.id, 'decodedFps'))} | ${fmt(cpuMed(c.id, 'encodedFps'))} | ${cpu.get(c.id)!.length} |`,
    ),
    ``,
    `Ratios against "ngx-trtc, VP8" of the same run (the codec E2EE uses, so the difference is the encryption: AES-GCM through WebCrypto in a worker, every frame sent and received). ` +
      `Medians of ${ROUNDS} interleaved rounds of ${SECONDS} s after ${SETTLE_SECONDS} s settling; load average at start ${loadStart}, at end ${loadEnd} (2-core VM shared with other work).` +
      (failures.length ? ` Failed rounds: ${failures.length} (${failures.join('; ')}).` : ''),
  ];
  const markdown = lines.join('\n') + '\n';
  writeFileSync(join(ROOT, 'e2e/bench/E2EE-LAST-RUN.md'), markdown);
  mkdirSync(join(ROOT, '.test-results'), { recursive: true });
  writeFileSync(
    join(ROOT, '.test-results/bench-e2ee.json'),
    JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, loadStart, loadEnd, glass: Object.fromEntries(glass), delay: Object.fromEntries(delay), cpu: Object.fromEntries(cpu), failures }, null, 2),
  );
  console.log(markdown);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
