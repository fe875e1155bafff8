/**
 * Helpers of the reliability specs: pages with the reliability probes
 * (e2e/pages/reliability.ts), stream-event bookkeeping across a fault,
 * Chromium's DevTools network emulation, and what a user would notice of a
 * degraded network (inbound video counters, presented frames, ICE states).
 */
import type { Browser, CDPSession, Page } from 'playwright-core';

import type { PageLike } from './browsers.js';
import { openTestPage } from './pages.js';
import type { Stack } from './stack.js';
import { joinAndPublish, waitForRemoteMedia, type TutorialJoin } from './tutorial.js';

/** An event recorded by the reliability page. */
export interface RecordedEvent {
  type: string;
  userId?: string;
  streamType?: string;
  streamId?: string;
  at: number;
}

/** Opens the reliability page in a fresh browser context. */
export async function openReliabilityPage(browser: Browser, stack: Stack): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openTestPage(page, stack, 'reliability');
  return page;
}

/** Two (or more) participants publishing in one room, each seeing the others' media. */
export async function startCall(browser: Browser, stack: Stack, roomId: number | string, userIds: string[], join: Partial<TutorialJoin> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  for (const userId of userIds) {
    const page = await openReliabilityPage(browser, stack);
    await joinAndPublish(page, { userId, roomId, ...join });
    pages.push(page);
  }
  await Promise.all(pages.map((p) => waitForRemoteMedia(p, userIds.length - 1, 60000)));
  return pages;
}

/** The page's recorded events. */
export function eventsOf(page: PageLike): Promise<RecordedEvent[]> {
  return page.evaluate(() => (window as any).e2e.events);
}

/** Resolves when `page` recorded an event matching type (and userId), after index `from`. */
export async function waitForEvent(page: PageLike, type: string, userId?: string, timeout = 60000, from = 0): Promise<void> {
  await page.waitForFunction(
    ({ t, u, f }) => (window as any).e2e.events.slice(f).some((e: any) => e.type === t && (u === undefined || e.userId === u)),
    { t: type, u: userId, f: from },
    { timeout, polling: 100 },
  );
}

/** `stream-added` count per remote stream id. */
export function streamAddedPerId(events: RecordedEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) if (e.type === 'stream-added' && e.streamId) counts[e.streamId] = (counts[e.streamId] ?? 0) + 1;
  return counts;
}

/**
 * Problems in a page's stream events: a second `stream-added` for a stream
 * without a `stream-removed` in between (duplicate), a `stream-removed` of a
 * stream not added (lost add), or a stream still missing at the end.
 */
export function streamEventProblems(events: RecordedEvent[], expectLive: string[]): string[] {
  const live = new Set<string>();
  const problems: string[] = [];
  for (const e of events) {
    if (!e.streamId) continue;
    if (e.type === 'stream-added') {
      if (live.has(e.streamId)) problems.push(`duplicate stream-added ${e.streamId}`);
      live.add(e.streamId);
    } else if (e.type === 'stream-removed') {
      if (!live.delete(e.streamId)) problems.push(`stream-removed of a stream not added ${e.streamId}`);
    }
  }
  const liveUsers = new Set(
    events.filter((e) => e.type === 'stream-added' && e.streamId && live.has(e.streamId)).map((e) => e.userId),
  );
  for (const user of expectLive) if (!liveUsers.has(user)) problems.push(`no live stream of ${user} at the end`);
  return problems;
}

/** Leaves the room on every page and closes their contexts (errors ignored: a fault test may have broken them). */
export async function closePages(pages: Page[]): Promise<void> {
  await Promise.all(
    pages.map(async (page) => {
      await page.evaluate(() => (window as any).client?.leave()).catch(() => undefined);
      await page.context().close().catch(() => undefined);
    }),
  );
}

/** Network conditions for Chromium's DevTools emulation (WebRTC included). */
export interface EmulatedNetwork {
  /** Packet loss, percent. */
  packetLoss?: number;
  /** Added latency, ms. */
  latency?: number;
  offline?: boolean;
}

/** Applies DevTools network emulation to a page; returns the CDP session (detach to end it). */
export async function emulateNetwork(page: Page, conditions: EmulatedNetwork): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: conditions.offline ?? false,
    latency: conditions.latency ?? 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
    packetLoss: conditions.packetLoss ?? 0,
    packetQueueLength: 0,
    packetReordering: false,
  } as any);
  return cdp;
}

/** Ends emulation on a CDP session from {@link emulateNetwork}. */
export async function clearNetworkEmulation(cdp: CDPSession): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
    packetLoss: 0,
  } as any);
  await cdp.detach().catch(() => undefined);
}

/**
 * Video inbound-rtp counters (loss, keyframe requests, freezes and pauses as
 * Chromium counts them). ion-sfu retransmits on the media SSRC, not RTX, so
 * retransmissions count as received packets and duplicates can make
 * `packetsLost` negative.
 */
export interface InboundVideo {
  packetsReceived: number;
  packetsLost: number;
  framesReceived: number;
  framesDecoded: number;
  framesDropped: number;
  keyFramesDecoded: number;
  nackCount: number;
  pliCount: number;
  firCount: number;
  freezeCount: number;
  /** Seconds. */
  totalFreezesDuration: number;
  pauseCount: number;
  /** Seconds. */
  totalPausesDuration: number;
}

/** Audio inbound-rtp counters: loss and concealment (what a listener hears as glitches). */
export interface InboundAudio {
  packetsReceived: number;
  packetsLost: number;
  concealmentEvents: number;
}

/** A page's inbound counters per live peer connection (keyed by the page's connection index). */
export type InboundSnapshot = Record<string, { video: InboundVideo; audio: InboundAudio }>;

/** Reads a page's inbound counters, per peer connection. */
export function inboundSnapshot(page: Page): Promise<InboundSnapshot> {
  return page.evaluate(() => (window as any).e2e.inboundByConnection());
}

/**
 * What a page received between two snapshots, summed over the connections
 * live at the second one; a connection opened in between (a re-join) counts
 * from zero, one closed in between is left out.
 */
export function inboundBetween(before: InboundSnapshot, after: InboundSnapshot): { video: InboundVideo; audio: InboundAudio } {
  const sum = <T extends object>(kind: 'video' | 'audio'): T => {
    const total: Record<string, number> = {};
    for (const [pc, counters] of Object.entries(after)) {
      for (const [name, value] of Object.entries(counters[kind])) {
        total[name] = (total[name] ?? 0) + value - ((before[pc]?.[kind] as unknown as Record<string, number> | undefined)?.[name] ?? 0);
      }
    }
    return total as T;
  };
  return { video: sum<InboundVideo>('video'), audio: sum<InboundAudio>('audio') };
}

/**
 * Wall-clock times (`Date.now()`) of the remote video frames of live tracks
 * the page presented (requestVideoFrameCallback) in [from, to): pictures a
 * user saw, unlike `video.currentTime`, which advances while the picture is frozen.
 */
export function presentedFrames(page: Page, from: number, to = Number.MAX_SAFE_INTEGER): Promise<number[]> {
  return page.evaluate(({ f, t }) => (window as any).e2e.presentedFrames(f, t), { f: from, t: to });
}

/** The longest stretch of [from, to] without a presented frame, in ms (`frames` sorted). */
export function longestFreezeMs(frames: number[], from: number, to: number): number {
  let longest = 0;
  let previous = from;
  for (const at of frames) {
    if (at < from || at > to) continue;
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return Math.max(longest, to - previous);
}

/** A presented frame: when, in which video element (nth watched), its media time, whether its track was live. */
export interface PresentedFrame {
  at: number;
  video: number;
  mediaTime: number;
  /** False for the frame Chromium shows when a video's track ends (not a picture from the sender). */
  isTrackLive: boolean;
  /** Mean luma (0–255) of frames of ended tracks: 0 is black. */
  meanLuma?: number;
}

/** Every frame presented in [from, to), ended tracks' included (unlike {@link presentedFrames}), with details. */
export function presentedFrameDetails(page: Page, from: number, to = Number.MAX_SAFE_INTEGER): Promise<PresentedFrame[]> {
  return page.evaluate(({ f, t }) => (window as any).e2e.presentedFrameDetails(f, t), { f: from, t: to });
}

/** Waits for a remote video frame presented at or after `since` (wall clock); resolves with its time. */
export async function waitForFrameAfter(page: Page, since: number, timeoutMs: number): Promise<number> {
  await page.waitForFunction((s) => (window as any).e2e.presentedFrames(s).length > 0, since, { timeout: timeoutMs, polling: 100 });
  return (await presentedFrames(page, since))[0];
}

/** The page's recorded events from index `from` on, with wall-clock times (`Date.now()` scale). */
export function eventsSince(page: Page, from: number): Promise<RecordedEvent[]> {
  return page.evaluate(
    (f) => (window as any).e2e.events.slice(f).map((e: RecordedEvent) => ({ ...e, at: Math.round(performance.timeOrigin + e.at) })),
    from,
  );
}

/** An ICE connection state change of one of the page's peer connections. */
export interface IceStateChange {
  /** The page's n-th peer connection. */
  pc: number;
  /** `publisher` if its local description is an offer (ion-sdk-js's publisher offers, its subscriber answers). */
  role: 'publisher' | 'subscriber';
  state: RTCIceConnectionState;
  /** Wall clock (`Date.now()`). */
  at: number;
}

/** The page's ICE connection state changes at or after `from` (wall clock). */
export function iceStatesSince(page: Page, from: number): Promise<IceStateChange[]> {
  return page.evaluate((f) => (window as any).e2e.iceStates(f), from);
}

/**
 * Waits until the page decodes remote video and receives audio again: two
 * samples 1 s apart with ≥ `minFrames` more decoded frames and more audio
 * packets. Resolves with the ms waited.
 */
export async function waitForMediaFlowing(page: Page, timeoutMs = 90000, minFrames = 5): Promise<number> {
  const started = Date.now();
  const sample = () => page.evaluate(() => (window as any).e2e.inbound()) as Promise<{ videoFrames: number; audioPackets: number }>;
  let previous = await sample();
  while (Date.now() - started < timeoutMs) {
    await page.waitForTimeout(1000);
    const current = await sample();
    if (current.videoFrames - previous.videoFrames >= minFrames && current.audioPackets > previous.audioPackets) {
      return Date.now() - started;
    }
    previous = current;
  }
  throw new Error(`media did not flow again within ${timeoutMs} ms`);
}
