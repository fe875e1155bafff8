/**
 * A degraded media path: uniform loss (10 %, 30 %), 200 ms added delay,
 * bursty loss (Gilbert–Elliott) and outages of 3 s and 10 s. This kernel has
 * no tc netem, and Chromium's DevTools network emulation
 * (Network.emulateNetworkConditions packetLoss/latency) was checked not to
 * touch WebRTC's UDP here (no loss in inbound-rtp), so one participant's
 * (bob's) media goes through a lossy UDP relay inside the test namespace
 * (e2e/harness/lossy-relay.ts).
 *
 * What is asserted is what a user would notice: the loss shows in the
 * receiver's inbound-rtp stats, video keeps being presented (frames counted
 * with requestVideoFrameCallback — `video.currentTime` advances on a frozen
 * picture too), the picture comes back after an outage within a generous
 * bound, and the app sees the connection states and stream events the
 * library documents. Frame rates, freeze lengths and recovery times are
 * figures for docs/RELIABILITY.md, not pass/fail criteria.
 */
import type { Browser, Page } from 'playwright-core';

import { launchBrowser } from '../../harness/browser.js';
import { recordFigure } from '../../harness/figures.js';
import {
  countersBetween,
  startLossyRelay,
  RELAY_ADDRESS,
  type DirectionCounters,
  type Impairment,
  type LossyRelay,
  type RelayCounters,
} from '../../harness/lossy-relay.js';
import {
  closePages,
  eventsOf,
  eventsSince,
  iceStatesSince,
  inboundBetween,
  inboundSnapshot,
  longestFreezeMs,
  openReliabilityPage,
  presentedFrameDetails,
  presentedFrames,
  streamAddedPerId,
  streamEventProblems,
  waitForFrameAfter,
  waitForMediaFlowing,
  type InboundSnapshot,
} from '../../harness/reliability.js';
import { startStack, type Stack } from '../../harness/stack.js';
import { joinAndPublish, waitForRemoteMedia } from '../../harness/tutorial.js';

const FIG = 'network';
const WINDOW_MS = 10000;
/** Bursty loss: ~8 % of each direction's datagrams, in bursts of 15 on average (~0.15 s of bob's traffic). */
const BURST = { lossRate: 0.08, meanBurstPackets: 15 };
/**
 * After an outage the picture must come back within this (correctness, not
 * speed: a 10 s outage may need a full re-join, whose retry delays and media
 * join timeout — 15 s — this covers on a loaded machine).
 */
const RESUME_BOUND_MS = { short: 15000, long: 30000 };

describe('reliability: packet loss, delay and outages on the media path', () => {
  let stack: Stack;
  let browser: Browser;
  let relay: LossyRelay | undefined;
  let pages: Page[] = [];

  beforeAll(async () => {
    stack = await startStack({ label: 'network' });
    browser = await launchBrowser(stack);
    if (!stack.network.namespace) return;
    relay = await startLossyRelay(stack);
    const alice = await openReliabilityPage(browser, stack);
    await joinAndPublish(alice, { userId: 'alice', roomId: 3201 });
    const bob = await openReliabilityPage(browser, stack);
    await bob.evaluate(({ from, to }) => (window as any).e2e.routeMediaThrough(from, to), {
      from: stack.network.mediaAddress!,
      to: RELAY_ADDRESS,
    });
    await joinAndPublish(bob, { userId: 'bob', roomId: 3201 });
    pages = [alice, bob];
    await Promise.all(pages.map((p) => waitForRemoteMedia(p, 1, 60000)));
  }, 180000);

  afterAll(async () => {
    await closePages(pages);
    await relay?.stop();
    await browser?.close();
    await stack?.stop();
  }, 30000);

  /** Loss seen by the relay in one direction: percent of datagrams, mean run of consecutive drops. */
  function relayLoss(c: DirectionCounters) {
    const dropped = c.droppedRandom + c.droppedBurst + c.droppedOutage;
    return {
      datagrams: c.forwarded + dropped,
      lossPercent: Math.round((1000 * dropped) / Math.max(1, c.forwarded + dropped)) / 10,
      meanLossRunPackets: c.lossRuns > 0 ? Math.round((10 * dropped) / c.lossRuns) / 10 : 0,
    };
  }

  /** What `page` received between two snapshots, as figures. */
  function received(before: InboundSnapshot, after: InboundSnapshot) {
    const { video, audio } = inboundBetween(before, after);
    const lostPercent = (lost: number, got: number) => (got + lost > 0 ? Math.round((1000 * lost) / (got + lost)) / 10 : 0);
    return {
      packetsReceived: video.packetsReceived,
      packetsLost: video.packetsLost,
      lossPercent: lostPercent(video.packetsLost, video.packetsReceived),
      nacks: video.nackCount,
      plis: video.pliCount,
      firs: video.firCount,
      keyFramesDecoded: video.keyFramesDecoded,
      framesReceived: video.framesReceived,
      framesDecoded: video.framesDecoded,
      framesDropped: video.framesDropped,
      /** Chromium's own freeze count: a frame later than max(3 × average, average + 150 ms). */
      freezes: video.freezeCount,
      freezesMs: Math.round(1000 * video.totalFreezesDuration),
      /** Chromium's pauses: 5 s or more without a frame. */
      pauses: video.pauseCount,
      audioLossPercent: lostPercent(audio.packetsLost, audio.packetsReceived),
      audioConcealmentEvents: audio.concealmentEvents,
    };
  }

  /** bob's view of alice's video over WINDOW_MS with `settings` on bob's media path, after 3 s of settling. */
  async function measure(receiver: Page, settings: Impairment) {
    const atStart = await relay!.impair(settings);
    let atEnd: RelayCounters;
    let measured: { from: number; to: number; before: InboundSnapshot; after: InboundSnapshot; stats: any };
    try {
      // Let NACK/FEC and the congestion controller react before measuring.
      await receiver.waitForTimeout(3000);
      const before = await inboundSnapshot(receiver);
      const from = Date.now();
      await receiver.waitForTimeout(WINDOW_MS);
      const to = Date.now();
      const after = await inboundSnapshot(receiver);
      const stats = await receiver.evaluate(async () => (window as any).client.getTransportStats());
      measured = { from, to, before, after, stats };
    } finally {
      atEnd = await relay!.impair({});
    }
    const { from, to, before, after, stats } = measured;
    const frames = await presentedFrames(receiver, from, to);
    const relayed = countersBetween(atStart, atEnd);
    const seconds = (to - from) / 1000;
    const delta = received(before, after);
    return {
      settings,
      ...delta,
      decodedFps: Math.round((10 * delta.framesDecoded) / seconds) / 10,
      presentedFps: Math.round((10 * frames.length) / seconds) / 10,
      longestFreezeMs: longestFreezeMs(frames, from, to),
      /** 1 s slices of the window in which at least one frame was presented. */
      secondsWithFrames: new Set(frames.map((at) => Math.floor((at - from) / 1000))).size,
      publisherRttMs: stats.rtt,
      subscriberRttMs: Object.values(stats.downlinksRTT as Record<string, number>)[0] ?? 0,
      relay: { up: relayLoss(relayed.up), down: relayLoss(relayed.down) },
    };
  }

  function needsNamespace(): boolean {
    if (relay) return false;
    pending('the lossy relay needs the test namespace (root)');
    return true;
  }

  it('through the relay without impairment (baseline)', async () => {
    if (needsNamespace()) return;
    const figures = await measure(pages[1], {});
    recordFigure(FIG, 'baseline', figures);
    expect(figures.decodedFps).toBeGreaterThan(0);
    expect(figures.presentedFps).toBeGreaterThan(0);
  }, 60000);

  for (const loss of [10, 30]) {
    it(`${loss} % packet loss each way: the loss shows in the receiver's stats and video keeps playing`, async () => {
      if (needsNamespace()) return;
      const bob = pages[1];
      const figures = await measure(bob, { loss: loss / 100 });
      recordFigure(FIG, `loss${loss}`, figures);
      // The relay really drops packets: lost packets or NACKs (retransmissions recover some).
      expect(figures.packetsLost + figures.nacks).toBeGreaterThan(0);
      expect(figures.decodedFps).toBeGreaterThan(0);
      expect(figures.secondsWithFrames).toBeGreaterThanOrEqual(WINDOW_MS / 2000);
      await waitForRemoteMedia(bob, 1, 60000);
    }, 90000);
  }

  it('200 ms added delay each way: video keeps playing, and the RTT shows it', async () => {
    if (needsNamespace()) return;
    const bob = pages[1];
    const figures = await measure(bob, { delayMs: 200 });
    recordFigure(FIG, 'delay200', figures);
    expect(figures.decodedFps).toBeGreaterThan(0);
    expect(figures.secondsWithFrames).toBeGreaterThanOrEqual(WINDOW_MS / 2000);
    await waitForRemoteMedia(bob, 1, 60000);
  }, 90000);

  it(`bursty loss (~${BURST.lossRate * 100} % in bursts of ~${BURST.meanBurstPackets} datagrams each way): the loss shows, video keeps decoding, the picture recovers`, async () => {
    if (needsNamespace()) return;
    const bob = pages[1];
    const figures = await measure(bob, { burst: BURST });
    const flowingAgainMs = await waitForMediaFlowing(bob, 30000);
    recordFigure(FIG, 'burst', { ...figures, flowingAgainAfterClearMs: flowingAgainMs });
    // The relay dropped in bursts, not datagram by datagram (a harness check, not the library's).
    expect(figures.relay.down.lossPercent).toBeGreaterThan(0);
    expect(figures.relay.down.meanLossRunPackets).toBeGreaterThan(3);
    // bob's receiver saw it: lost video packets, NACKs, keyframe requests or lost audio.
    expect(figures.packetsLost + figures.nacks + figures.plis + figures.firs + figures.audioLossPercent).toBeGreaterThan(0);
    // Video kept decoding and being shown through the window, not once in a while.
    expect(figures.framesDecoded).toBeGreaterThan(0);
    expect(figures.secondsWithFrames).toBeGreaterThanOrEqual(WINDOW_MS / 2000);
    await waitForRemoteMedia(bob, 1, 60000);
  }, 90000);

  /**
   * Everything on bob's media path dropped for `durationMs`, both ways: the
   * picture freezes on both pages (bob's view of alice, alice's of bob) and
   * comes back; returns what the pages saw.
   */
  async function outage(durationMs: number, resumeBoundMs: number) {
    const [alice, bob] = pages;
    await Promise.all([waitForMediaFlowing(alice, 60000), waitForMediaFlowing(bob, 60000)]);
    const marks = await Promise.all(pages.map(async (p) => (await eventsOf(p)).length));
    const bobBefore = await inboundSnapshot(bob);
    const bobBeforeAt = Date.now();
    const { startedAt, endsAt, ended } = await relay!.outage(durationMs);
    // The relay stops dropping at endsAt exactly; its "ended" line may come later on a loaded machine.
    const { counters } = await ended;
    // The first frame presented after the outage, on each side.
    const [aliceResumedAt, bobResumedAt] = await Promise.all(
      [alice, bob].map((p) => waitForFrameAfter(p, endsAt, resumeBoundMs).catch(() => null)),
    );
    await Promise.all([waitForMediaFlowing(alice, 30000), waitForMediaFlowing(bob, 30000)]);
    const settledAt = Date.now();
    const bobAfter = await inboundSnapshot(bob);
    const [aliceEvents, bobEvents] = await Promise.all(pages.map((p, i) => eventsSince(p, marks[i])));
    const bobIce = await iceStatesSince(bob, startedAt);
    const side = async (page: Page, resumedAt: number | null) => {
      const frames = await presentedFrames(page, startedAt - 5000, settledAt);
      const lastBefore = frames.filter((at) => at < endsAt).at(-1) ?? null;
      const endedTrackFrames = (await presentedFrameDetails(page, startedAt, settledAt)).filter((f) => !f.isTrackLive);
      return {
        /** Frames presented in the outage after its first second (the jitter buffer may hold a few). */
        framesDuringOutage: frames.filter((at) => at >= startedAt + 1000 && at < endsAt).length,
        /** Frames Chromium presented when a re-join ended the old track: ms from the outage's start, mean luma (0 = black). */
        endedTrackFrames: endedTrackFrames.map((f) => ({ atMs: f.at - startedAt, meanLuma: f.meanLuma })),
        frozenMs: resumedAt !== null && lastBefore !== null ? resumedAt - lastBefore : null,
        resumedAfterOutageMs: resumedAt !== null ? resumedAt - endsAt : null,
      };
    };
    const relative = (at: number) => at - startedAt;
    return {
      outageMs: durationMs,
      dropped: { up: counters.up.droppedOutage, down: counters.down.droppedOutage },
      alice: await side(alice, aliceResumedAt),
      bob: await side(bob, bobResumedAt),
      /** Over the outage and until media flowed again (connections opened by a re-join count from zero). */
      bobReceived: { overMs: settledAt - bobBeforeAt, ...received(bobBefore, bobAfter) },
      /** bob's connection-state-changed events, ms from the outage's start. */
      bobStates: bobEvents.filter((e) => e.type.startsWith('state:')).map((e) => `${e.type.slice(6)}@${relative(e.at)}`),
      bobReconnected: bobEvents.filter((e: any) => e.type === 'reconnected').map((e: any) => ({ durationMs: e.durationMs, attempts: e.attempts })),
      bobIce: bobIce.map((c) => `${c.role}#${c.pc}:${c.state}@${relative(c.at)}`),
      aliceEvents: aliceEvents.map((e) => `${e.type}${e.userId ? `(${e.userId})` : ''}`),
      bobEvents: bobEvents.filter((e) => !e.type.startsWith('state:')).map((e) => `${e.type}${e.userId ? `(${e.userId})` : ''}`),
      resumed: { alice: aliceResumedAt, bob: bobResumedAt },
      events: { alice: aliceEvents, bob: bobEvents },
    };
  }

  it('a 3 s outage of the media path: the picture freezes and comes back (repair requested), the call stays up with no stream removed', async () => {
    if (needsNamespace()) return;
    const [alice, bob] = pages;
    const result = await outage(3000, RESUME_BOUND_MS.short);
    const { events, resumed, ...figures } = result;
    recordFigure(FIG, 'outage3s', figures);
    expect(figures.dropped.up).toBeGreaterThan(0);
    expect(figures.dropped.down).toBeGreaterThan(0);
    // Frames stopped on both sides, and came back within the bound.
    expect(figures.bob.framesDuringOutage).toBe(0);
    expect(figures.alice.framesDuringOutage).toBe(0);
    expect(resumed.bob).withContext(`bob: no frame within ${RESUME_BOUND_MS.short} ms of the outage's end`).not.toBeNull();
    expect(resumed.alice).withContext(`alice: no frame within ${RESUME_BOUND_MS.short} ms of the outage's end`).not.toBeNull();
    // bob's receiver noticed the gap and asked for a repair: NACKs (retransmission) or a keyframe (PLI/FIR).
    expect(figures.bobReceived.nacks + figures.bobReceived.plis + figures.bobReceived.firs).toBeGreaterThan(0);
    // The connection state stays CONNECTED, or goes RECONNECTING and back.
    expect(connectionStatesAcceptable(figures.bobStates)).withContext(figures.bobStates.join(' ')).toBeTrue();
    // Nothing reaches either app as a departure.
    for (const e of [...events.alice, ...events.bob]) {
      expect(['stream-removed', 'peer-leave']).withContext(`${e.type} (${e.userId})`).not.toContain(e.type);
    }
    await Promise.all([waitForRemoteMedia(alice, 1, 60000), waitForRemoteMedia(bob, 1, 60000)]);
  }, 150000);

  it('a 10 s outage (ICE reports disconnected): the client recovers the media path by itself, video resumes, stream events stay balanced', async () => {
    if (needsNamespace()) return;
    const [alice, bob] = pages;
    const result = await outage(10000, RESUME_BOUND_MS.long);
    const { events, resumed, ...figures } = result;
    recordFigure(FIG, 'outage10s', figures);
    expect(figures.bob.framesDuringOutage).toBe(0);
    expect(figures.alice.framesDuringOutage).toBe(0);
    expect(resumed.bob).withContext(`bob: no frame within ${RESUME_BOUND_MS.long} ms of the outage's end`).not.toBeNull();
    expect(resumed.alice).withContext(`alice: no frame within ${RESUME_BOUND_MS.long} ms of the outage's end`).not.toBeNull();
    // Chromium saw the media path go: some ICE state other than connected/completed.
    expect(figures.bobIce.some((c) => /:(disconnected|failed)@/.test(c))).withContext(figures.bobIce.join(' ')).toBeTrue();
    // The library's documented path: RECONNECTING, then CONNECTED with a `reconnected` event (or no change at all if ICE came back by itself).
    expect(connectionStatesAcceptable(figures.bobStates)).withContext(figures.bobStates.join(' ')).toBeTrue();
    if (figures.bobStates.length > 0) expect(figures.bobReconnected.length).toBe(1);
    // Stream events stay consistent. A re-join keeps bob's remote streams (one stream-added each, none
    // removed), and room-server's reconnect grace hides it from alice (no departure of bob).
    const [aliceAll, bobAll] = [await eventsOf(alice), await eventsOf(bob)];
    expect(streamEventProblems(aliceAll, ['bob'])).toEqual([]);
    expect(streamEventProblems(bobAll, ['alice'])).toEqual([]);
    expect(Object.values(streamAddedPerId(bobAll))).toEqual([1]);
    expect(Object.values(streamAddedPerId(aliceAll))).toEqual([1]);
    for (const e of [...events.alice, ...events.bob]) {
      expect(['stream-removed', 'peer-leave']).withContext(`${e.type} (${e.userId})`).not.toContain(e.type);
    }
    await Promise.all([waitForRemoteMedia(alice, 1, 60000), waitForRemoteMedia(bob, 1, 60000)]);
  }, 180000);
});

/** No state change at all, or RECONNECTING … ending CONNECTED (never DISCONNECTED). */
function connectionStatesAcceptable(states: string[]): boolean {
  if (states.length === 0) return true;
  const names = states.map((s) => s.split('@')[0]);
  return names[0] === 'RECONNECTING' && names.at(-1) === 'CONNECTED' && !names.includes('DISCONNECTED');
}
