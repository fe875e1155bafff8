/**
 * Call benchmarks through the real stack, ngx-trtc against bare ion-sdk-js in
 * the same run, interleaved so both see the same machine load:
 * - join time and publish → remote first presented frame;
 * - glass-to-glass delay of a frame-counter canvas source;
 * - CPU of one page in a 3-person 720p call, with and without preprocessing.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';

import { launchBrowser } from '../harness/browser.js';
import { openTestPage } from '../harness/pages.js';
import type { Stack } from '../harness/stack.js';
import { median, p95, sleep } from './stats.js';

/** The two clients compared. */
export type Sdk = 'ngx-trtc' | 'bare-ion';
export const SDKS: readonly Sdk[] = ['ngx-trtc', 'bare-ion'];

const PAGE_OF: Record<Sdk, string> = { 'ngx-trtc': 'bench-ngx', 'bare-ion': 'bare-ion' };

let nextRoom = 5000 + Math.floor(Math.random() * 1000) * 100;
/** A room id no earlier measurement used. */
export const freshRoom = (): number => nextRoom++;

/** Opens a benchmark page for `sdk` in a new browser context of `browser`. */
export async function openBenchPage(browser: Browser, stack: Stack, sdk: Sdk): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[${sdk}] ${message.text()}`);
  });
  await openTestPage(page, stack, PAGE_OF[sdk]);
  await page.evaluate((url) => Object.assign(window, { benchSfuUrl: url }), `ws://127.0.0.1:${stack.sfuPort}/ws`);
  return page;
}

/** Page-side calls (the page's `window.bench`). */
export const bench = {
  join: (page: Page, roomId: number, userId: string) =>
    page.evaluate(({ roomId, userId }) => (window as any).bench.join({ roomId, userId }), { roomId, userId }) as Promise<{
      joinMs: number;
    }>,
  prepare: (page: Page, options: { width: number; height: number; fps: number; bitrateKbps: number; counter?: boolean; audio?: boolean }) =>
    page.evaluate((o) => (window as any).bench.prepare(o), options) as Promise<void>,
  publish: (page: Page) =>
    page.evaluate(() => (window as any).bench.publish()) as Promise<{ startedAt: number; publishMs: number }>,
  setEffects: (page: Page, on: boolean) =>
    page.evaluate((on) => (window as any).bench.setEffects?.(on) ?? null, on) as Promise<string | null>,
  firstFrames: (page: Page) =>
    page.evaluate(() => (window as any).bench.firstFrames()) as Promise<Array<{ key: string; at: number | null }>>,
  readCounters: (page: Page) => page.evaluate(() => (window as any).bench.readCounters()) as Promise<void>,
  counters: (page: Page) =>
    page.evaluate(() => (window as any).bench.counters()) as Promise<
      Array<{ key: string; seen: Array<[number, number]>; undecodable: number }>
    >,
  sentAt: (page: Page) => page.evaluate(() => (window as any).bench.sentAt()) as Promise<Array<number | null>>,
  stats: (page: Page) => page.evaluate(() => (window as any).bench.stats()) as Promise<Record<string, number>>,
  playing: (page: Page) => page.evaluate(() => (window as any).bench.playing()) as Promise<number>,
  leave: (page: Page) => page.evaluate(() => (window as any).bench.leave()) as Promise<void>,
};

/** Polls `probe` every 25 ms until it returns non-null; rejects after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | null | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until `page` has presented a first frame of a remote video; returns its epoch time. */
export function firstRemoteFrame(page: Page, timeoutMs = 20000): Promise<number> {
  return until(async () => (await bench.firstFrames(page)).find((f) => f.at !== null)?.at ?? null, timeoutMs, 'a remote frame');
}

/** Distribution summary of a sample. */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

/** Summarizes a sample. */
export function summarize(values: number[]): Summary {
  return { n: values.length, median: median(values), p95: p95(values), min: Math.min(...values), max: Math.max(...values) };
}

// ------------------------------------------------------------------ join / first frame

/** Join and publish → first-frame figures for one SDK. */
export interface JoinResult {
  sdk: Sdk;
  join: Summary;
  firstFrame: Summary;
  publishCall: Summary;
  failures: number;
  /** Joins that took over {@link SLOW_JOIN_MS}. */
  slowJoins: number;
  /** Median of the joins under {@link SLOW_JOIN_MS}. */
  fastJoinMedian: number;
}

/** Joins split into two modes around this (see docs/BENCHMARKS.md, "Join and first frame"). */
export const SLOW_JOIN_MS = 900;

/** The 480p profile both publish with in the join measurement (ngx-trtc's default profile). */
const PROFILE_480P = { width: 640, height: 480, fps: 15, bitrateKbps: 900 };

/**
 * `reps` repetitions per SDK, interleaved: receiver joins, sender joins,
 * sender captures (untimed) and publishes; first frame = receiver's first
 * presented remote frame − sender's publish() call. Each repetition uses a
 * fresh room and fresh clients in pages that stay open; one warm-up round per
 * SDK is discarded.
 */
export async function measureJoin(stack: Stack, browser: Browser, reps: number, log: (line: string) => void): Promise<JoinResult[]> {
  const pages = new Map<Sdk, { sender: Page; receiver: Page }>();
  for (const sdk of SDKS) {
    pages.set(sdk, { sender: await openBenchPage(browser, stack, sdk), receiver: await openBenchPage(browser, stack, sdk) });
  }
  const samples = new Map<Sdk, { join: number[]; firstFrame: number[]; publishCall: number[]; failures: number }>();
  for (const sdk of SDKS) samples.set(sdk, { join: [], firstFrame: [], publishCall: [], failures: 0 });

  for (let rep = -1; rep < reps; rep++) {
    // Alternate which SDK goes first, so neither always runs right after the other.
    const order = rep % 2 === 0 ? SDKS : [...SDKS].reverse();
    for (const sdk of order) {
      const { sender, receiver } = pages.get(sdk)!;
      const s = samples.get(sdk)!;
      const room = freshRoom();
      try {
        const rx = await bench.join(receiver, room, `rx${room}`);
        const tx = await bench.join(sender, room, `tx${room}`);
        await bench.prepare(sender, PROFILE_480P);
        const published = await bench.publish(sender);
        const frameAt = await firstRemoteFrame(receiver);
        if (rep >= 0) {
          s.join.push(rx.joinMs, tx.joinMs);
          s.firstFrame.push(frameAt - published.startedAt);
          s.publishCall.push(published.publishMs);
        }
        log(`  join ${sdk} #${rep}: join ${rx.joinMs.toFixed(0)}/${tx.joinMs.toFixed(0)} ms, first frame ${(frameAt - published.startedAt).toFixed(0)} ms`);
      } catch (error) {
        s.failures++;
        log(`  join ${sdk} #${rep}: FAILED ${(error as Error).message}`);
      } finally {
        await Promise.all([bench.leave(sender), bench.leave(receiver)]).catch(() => undefined);
      }
    }
  }
  for (const { sender, receiver } of pages.values()) {
    await sender.context().close();
    await receiver.context().close();
  }
  return SDKS.map((sdk) => {
    const s = samples.get(sdk)!;
    return {
      sdk,
      join: summarize(s.join),
      firstFrame: summarize(s.firstFrame),
      publishCall: summarize(s.publishCall),
      failures: s.failures,
      slowJoins: s.join.filter((v) => v > SLOW_JOIN_MS).length,
      fastJoinMedian: median(s.join.filter((v) => v <= SLOW_JOIN_MS)),
    };
  });
}

// ------------------------------------------------------------------ glass-to-glass

/** Glass-to-glass figures for one SDK. */
export interface GlassResult {
  sdk: Sdk;
  delay: Summary;
  /** Counters drawn during the window that the receiver never presented. */
  missedPct: number;
  undecodable: number;
}

const PROFILE_COUNTER = { width: 640, height: 360, fps: 30, bitrateKbps: 1200, counter: true };

/**
 * A frame-counter canvas (640×360, 30 fps) is the published video; the
 * receiver reads the counter back on every presented frame. Delay = when the
 * receiver first presented counter k − when the sender drew it. `rounds`
 * alternating rounds of `seconds` per SDK.
 */
export async function measureGlass(
  stack: Stack,
  browser: Browser,
  rounds: number,
  seconds: number,
  log: (line: string) => void,
): Promise<GlassResult[]> {
  const delays = new Map<Sdk, number[]>(SDKS.map((sdk) => [sdk, []]));
  const missed = new Map<Sdk, { sent: number; missed: number; undecodable: number }>(
    SDKS.map((sdk) => [sdk, { sent: 0, missed: 0, undecodable: 0 }]),
  );
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? SDKS : [...SDKS].reverse();
    for (const sdk of order) {
      const sender = await openBenchPage(browser, stack, sdk);
      const receiver = await openBenchPage(browser, stack, sdk);
      const room = freshRoom();
      try {
        await bench.join(receiver, room, `rx${room}`);
        await bench.join(sender, room, `tx${room}`);
        await bench.prepare(sender, PROFILE_COUNTER);
        await bench.publish(sender);
        await firstRemoteFrame(receiver);
        await sleep(2000); // past the first keyframe and the bandwidth ramp-up
        await bench.readCounters(receiver);
        const windowStart = Date.now();
        await sleep(seconds * 1000);
        const sentAt = await bench.sentAt(sender);
        const [reader] = await bench.counters(receiver);
        const seen = new Map(reader?.seen ?? []);
        const ds = delays.get(sdk)!;
        const m = missed.get(sdk)!;
        let roundSent = 0;
        let roundMissed = 0;
        const before = ds.length;
        // Counters drawn inside the window, leaving the last 500 ms for frames in flight.
        sentAt.forEach((at, counter) => {
          if (at === null || at < windowStart || at > windowStart + seconds * 1000 - 500) return;
          roundSent++;
          const shownAt = seen.get(counter);
          if (shownAt === undefined) roundMissed++;
          else ds.push(shownAt - at);
        });
        m.sent += roundSent;
        m.missed += roundMissed;
        m.undecodable += reader?.undecodable ?? 0;
        log(
          `  glass ${sdk} round ${round}: ${ds.length - before} frames, median ${median(ds.slice(before)).toFixed(1)} ms, ` +
            `${roundMissed}/${roundSent} not presented, ${reader?.undecodable ?? 0} undecodable`,
        );
      } catch (error) {
        log(`  glass ${sdk} round ${round}: FAILED ${(error as Error).message}`);
      } finally {
        await Promise.all([bench.leave(sender), bench.leave(receiver)]).catch(() => undefined);
        await sender.context().close();
        await receiver.context().close();
      }
    }
  }
  return SDKS.map((sdk) => {
    const m = missed.get(sdk)!;
    return { sdk, delay: summarize(delays.get(sdk)!), missedPct: m.sent ? (100 * m.missed) / m.sent : NaN, undecodable: m.undecodable };
  });
}

// ------------------------------------------------------------------ CPU

/** One CPU condition measured. */
export interface CpuResult {
  condition: string;
  sdk: Sdk;
  effects: boolean;
  pipeline: string | null;
  /** Main-thread busy time (CDP TaskDuration) as % of one core. */
  mainThreadPct: number;
  /** Script time (CDP ScriptDuration) as % of one core. */
  scriptPct: number;
  /** The page's renderer process CPU (incl. its workers, WebRTC encode/decode threads) as % of one core. */
  rendererPct: number;
  /** Every process of the measured page's browser (renderer, GPU, network, audio, browser) as % of one core. */
  browserPct: number;
  /** Frames per second the page decodes over all its remote videos. */
  decodedFps: number;
  /** Frames per second the page encodes. */
  encodedFps: number;
  rounds: number;
}

const PROFILE_720P = { width: 1280, height: 720, fps: 15, bitrateKbps: 1500 };

export async function perfMetrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m: { name: string; value: number }) => [m.name, m.value]));
}

export async function processCpu(cdp: CDPSession): Promise<{ renderer: number; total: number }> {
  const info = (await cdp.send('SystemInfo.getProcessInfo' as any)) as { processInfo: Array<{ type: string; id: number; cpuTime: number }> };
  let renderer = 0;
  let total = 0;
  for (const p of info.processInfo) {
    total += p.cpuTime;
    if (p.type === 'renderer') renderer += p.cpuTime;
  }
  return { renderer, total };
}

/**
 * A 3-person 720p call (720p, 15 fps, 1500 kbps — TRTC's '720p' profile — with
 * audio): the measured page alone in its own Chromium, the two others in a
 * second one. After `settleSeconds` the measured page's main thread (CDP
 * Performance.getMetrics) and its browser's processes (CDP
 * SystemInfo.getProcessInfo) are read over `seconds`. Conditions run in
 * alternating order for `rounds` rounds; figures are medians over rounds.
 */
export async function measureCpu(
  stack: Stack,
  rounds: number,
  seconds: number,
  settleSeconds: number,
  log: (line: string) => void,
): Promise<CpuResult[]> {
  const conditions = [
    { condition: 'bare ion-sdk-js', sdk: 'bare-ion' as Sdk, effects: false },
    { condition: 'ngx-trtc', sdk: 'ngx-trtc' as Sdk, effects: false },
    { condition: 'ngx-trtc + preprocessing', sdk: 'ngx-trtc' as Sdk, effects: true },
  ];
  const raw = new Map<string, Array<Omit<CpuResult, 'rounds'>>>(conditions.map((c) => [c.condition, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? conditions : [...conditions].reverse();
    for (const c of order) {
      const measured = await launchBrowser(stack);
      const others = await launchBrowser(stack);
      try {
        const room = freshRoom();
        const page = await openBenchPage(measured, stack, c.sdk);
        const peers = [await openBenchPage(others, stack, c.sdk), await openBenchPage(others, stack, c.sdk)];
        const everyone = [page, ...peers];
        for (const [i, p] of everyone.entries()) {
          await bench.join(p, room, `u${i}-${room}`);
          await bench.prepare(p, PROFILE_720P);
        }
        const pipeline = c.effects ? await bench.setEffects(page, true) : null;
        for (const p of everyone) await bench.publish(p);
        await until(async () => ((await bench.playing(page)) >= 2 ? true : null), 30000, 'two remote videos');
        await sleep(settleSeconds * 1000);
        const pageCdp = await page.context().newCDPSession(page);
        await pageCdp.send('Performance.enable');
        const browserCdp = await measured.newBrowserCDPSession();
        const m0 = await perfMetrics(pageCdp);
        const p0 = await processCpu(browserCdp);
        const s0 = await bench.stats(page);
        const t0 = Date.now();
        await sleep(seconds * 1000);
        const m1 = await perfMetrics(pageCdp);
        const p1 = await processCpu(browserCdp);
        const s1 = await bench.stats(page);
        const wall = (Date.now() - t0) / 1000;
        const result = {
          ...c,
          pipeline,
          mainThreadPct: (100 * (m1['TaskDuration'] - m0['TaskDuration'])) / wall,
          scriptPct: (100 * (m1['ScriptDuration'] - m0['ScriptDuration'])) / wall,
          rendererPct: (100 * (p1.renderer - p0.renderer)) / wall,
          browserPct: (100 * (p1.total - p0.total)) / wall,
          decodedFps: (s1['framesDecoded'] - s0['framesDecoded']) / wall,
          encodedFps: (s1['framesEncoded'] - s0['framesEncoded']) / wall,
        };
        raw.get(c.condition)!.push(result);
        log(
          `  cpu ${c.condition} round ${round}: main ${result.mainThreadPct.toFixed(1)}%, renderer ${result.rendererPct.toFixed(1)}%, ` +
            `browser ${result.browserPct.toFixed(1)}%, decode ${result.decodedFps.toFixed(1)} fps, encode ${result.encodedFps.toFixed(1)} fps` +
            (pipeline ? `, pipeline ${pipeline}` : ''),
        );
        for (const p of everyone) await bench.leave(p).catch(() => undefined);
      } catch (error) {
        log(`  cpu ${c.condition} round ${round}: FAILED ${(error as Error).message}`);
      } finally {
        await measured.close();
        await others.close();
      }
    }
  }
  return conditions.map((c) => {
    const rs = raw.get(c.condition)!;
    const med = (key: keyof Omit<CpuResult, 'rounds'>) => median(rs.map((r) => r[key] as number));
    return {
      ...c,
      pipeline: rs.find((r) => r.pipeline)?.pipeline ?? null,
      mainThreadPct: med('mainThreadPct'),
      scriptPct: med('scriptPct'),
      rendererPct: med('rendererPct'),
      browserPct: med('browserPct'),
      decodedFps: med('decodedFps'),
      encodedFps: med('encodedFps'),
      rounds: rs.length,
    };
  });
}
