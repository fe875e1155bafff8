/**
 * How many 720p subscribers of one publisher this machine holds through
 * ion-sfu (via room-server, with ngx-trtc clients) before frames drop: a
 * bounded ramp that adds one subscriber page at a time.
 *
 * Everything shares the machine: ion-sfu, room-server, the publisher's
 * encoder and every subscriber's decoder. On a small machine the browsers'
 * decoding, not ion-sfu's forwarding, is what runs out first; the table shows
 * ion-sfu's own CPU at each step so the two can be told apart.
 */
import type { Browser, Page } from 'playwright-core';

import { launchBrowser } from '../harness/browser.js';
import type { Stack } from '../harness/stack.js';
import { bench, freshRoom, openBenchPage } from './call-bench.js';
import { processCpuSeconds } from './machine.js';
import { sleep } from './stats.js';

/** One step of the ramp. */
export interface CapacityStep {
  subscribers: number;
  /** Frames per second the publisher encodes. */
  sentFps: number;
  /** Lowest and median decoded fps over the subscribers. */
  minFps: number;
  medianFps: number;
  /** Frames dropped by all subscribers' decoders / frames received, %. */
  droppedPct: number;
  /** Packets lost / packets expected over all subscribers, %. */
  lossPct: number;
  freezes: number;
  /** ion-sfu's CPU, % of one core. */
  sfuCpuPct: number;
  /** room-server's CPU, % of one core. */
  roomServerCpuPct: number;
  held: boolean;
  note?: string;
}

/** The outcome of the ramp. */
export interface CapacityResult {
  steps: CapacityStep[];
  /** The largest subscriber count that held (0 when even one did not). */
  held: number;
  /** Whether the ramp stopped on a failing step (else it reached `max`). */
  limitFound: boolean;
  max: number;
  browsers: number;
  criteria: string;
}

/** The publisher's profile: TRTC's '720p' (1280×720, 15 fps, 1500 kbps), video only. */
const PROFILE = { width: 1280, height: 720, fps: 15, bitrateKbps: 1500, audio: false };
const MIN_FPS_SHARE = 0.85;
const MAX_DROPPED_PCT = 2;
const MAX_LOSS_PCT = 1;

/**
 * Ramps 1…`max` subscribers spread over `browserCount` Chromium instances;
 * each step settles `settleSeconds`, then measures `seconds`. A step holds when
 * every subscriber decodes ≥ 85 % of the publisher's frame rate, decoders drop
 * ≤ 2 % of frames and packet loss ≤ 1 %. Stops at the first step that does not hold.
 */
export async function measureCapacity(
  stack: Stack,
  max: number,
  browserCount: number,
  seconds: number,
  settleSeconds: number,
  log: (line: string) => void,
): Promise<CapacityResult> {
  const browsers: Browser[] = [];
  const steps: CapacityStep[] = [];
  const room = freshRoom();
  try {
    const publisherBrowser = await launchBrowser(stack);
    browsers.push(publisherBrowser);
    for (let i = 0; i < browserCount; i++) browsers.push(await launchBrowser(stack));
    const publisher = await openBenchPage(publisherBrowser, stack, 'ngx-trtc');
    await bench.join(publisher, room, `pub${room}`);
    await bench.prepare(publisher, PROFILE);
    await bench.publish(publisher);
    const subscribers: Page[] = [];
    for (let n = 1; n <= max; n++) {
      const page = await openBenchPage(browsers[1 + ((n - 1) % browserCount)], stack, 'ngx-trtc');
      subscribers.push(page);
      let note: string | undefined;
      try {
        await bench.join(page, room, `sub${n}-${room}`);
        const deadline = Date.now() + 30000;
        while ((await bench.playing(page)) < 1) {
          if (Date.now() > deadline) throw new Error('no video within 30 s');
          await sleep(200);
        }
      } catch (error) {
        note = `subscriber ${n} did not start: ${(error as Error).message}`;
      }
      await sleep(settleSeconds * 1000);
      const before = await Promise.all(subscribers.map((p) => bench.stats(p)));
      const pub0 = await bench.stats(publisher);
      const sfu0 = processCpuSeconds(stack.sfu.pid);
      const rs0 = processCpuSeconds(stack.roomServer.pid);
      const t0 = Date.now();
      await sleep(seconds * 1000);
      const after = await Promise.all(subscribers.map((p) => bench.stats(p)));
      const pub1 = await bench.stats(publisher);
      const wall = (Date.now() - t0) / 1000;
      const sfuCpuPct = (100 * (processCpuSeconds(stack.sfu.pid) - sfu0)) / wall;
      const roomServerCpuPct = (100 * (processCpuSeconds(stack.roomServer.pid) - rs0)) / wall;
      const fps = after.map((a, i) => (a['framesDecoded'] - before[i]['framesDecoded']) / wall).sort((a, b) => a - b);
      const sum = (key: string) => after.reduce((total, a, i) => total + (a[key] - before[i][key]), 0);
      const received = sum('framesReceived');
      const lost = sum('packetsLost');
      const packets = sum('packetsReceived');
      const sentFps = (pub1['framesEncoded'] - pub0['framesEncoded']) / wall;
      const step: CapacityStep = {
        subscribers: n,
        sentFps,
        minFps: fps[0],
        medianFps: fps[Math.floor(fps.length / 2)],
        droppedPct: received > 0 ? (100 * sum('framesDropped')) / received : NaN,
        lossPct: packets + lost > 0 ? (100 * lost) / (packets + lost) : NaN,
        freezes: sum('freezeCount'),
        sfuCpuPct,
        roomServerCpuPct,
        held: false,
        note,
      };
      step.held =
        !note &&
        step.minFps >= MIN_FPS_SHARE * sentFps &&
        !(step.droppedPct > MAX_DROPPED_PCT) &&
        !(step.lossPct > MAX_LOSS_PCT);
      steps.push(step);
      log(
        `  capacity ${n} subscriber(s): sent ${sentFps.toFixed(1)} fps, min ${step.minFps.toFixed(1)} / median ${step.medianFps.toFixed(1)} fps, ` +
          `dropped ${step.droppedPct.toFixed(2)}%, loss ${step.lossPct.toFixed(2)}%, ion-sfu ${sfuCpuPct.toFixed(1)}% CPU → ${step.held ? 'holds' : 'DROPS'}` +
          (note ? ` (${note})` : ''),
      );
      if (!step.held) break;
    }
  } finally {
    for (const browser of browsers) await browser.close().catch(() => undefined);
  }
  const held = steps.filter((s) => s.held).length === steps.length ? steps.length : steps.findIndex((s) => !s.held);
  return {
    steps,
    held,
    limitFound: steps.some((s) => !s.held),
    max,
    browsers: browserCount,
    criteria:
      `every subscriber decodes ≥ ${MIN_FPS_SHARE * 100} % of the publisher's sent fps, decoders drop ≤ ${MAX_DROPPED_PCT} % ` +
      `of received frames, packet loss ≤ ${MAX_LOSS_PCT} %`,
  };
}
