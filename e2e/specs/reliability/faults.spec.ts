/**
 * Faults in a running call through the real room-server and ion-sfu: the
 * signaling link dropped or gone silent, room-server restarted, ion-sfu
 * killed and restarted, a client vanishing without closing. After each, media
 * must flow again and stream events must stay consistent (no stream-added
 * twice without a stream-removed between, none lost). Recovery times are
 * figures (see docs/RELIABILITY.md), never pass/fail criteria; the one bound
 * checked is the protocol's heartbeat bound, with margin.
 */

import { startBlackholeProxy } from '../../harness/blackhole-proxy.js';
import { recordFigure } from '../../harness/figures.js';
import {
  closePages,
  eventsOf,
  openReliabilityPage,
  startCall,
  streamAddedPerId,
  streamEventProblems,
  waitForEvent,
  waitForMediaFlowing,
} from '../../harness/reliability.js';
import { joinAndPublish, waitForRemoteMedia } from '../../harness/tutorial.js';
import { useStackAndBrowser } from '../../harness/suite.js';

const FIG = 'faults';
/** docs/protocol.md "Liveness": (maxMissed + 1) × intervalMs with the default config. */
const HEARTBEAT_BOUND_MS = (2 + 1) * 5000;
/** Margin on the heartbeat bound for a loaded 2-core machine (event delivery, polling). */
const HEARTBEAT_MARGIN_MS = 5000;

describe('reliability: faults in a call', () => {
  const suite = useStackAndBrowser({ label: 'faults' });

  it('the client signaling WebSocket dropped mid-call: the client re-joins, media flows, no stream event lost or doubled', async () => {
    const [alice, bob] = await startCall(suite.browser, suite.stack, 3101, ['alice', 'bob']);
    const mark = (await eventsOf(alice)).length;
    const t0 = Date.now();
    expect(await alice.evaluate(() => (window as any).e2e.dropSignal())).toBe(1);
    await waitForEvent(alice, 'reconnected', undefined, 60000, mark);
    const flowing = await Promise.all([waitForMediaFlowing(alice), waitForMediaFlowing(bob)]);
    const recoveredMs = Date.now() - t0;
    await Promise.all([waitForRemoteMedia(alice, 1), waitForRemoteMedia(bob, 1)]);

    const aliceEvents = await eventsOf(alice);
    const bobEvents = await eventsOf(bob);
    // The client that lost its link keeps its remote streams: exactly one stream-added each, nothing removed.
    expect(Object.values(streamAddedPerId(aliceEvents))).toEqual([1]);
    expect(aliceEvents.filter((e) => e.type === 'stream-removed')).toEqual([]);
    expect(streamEventProblems(aliceEvents, ['bob'])).toEqual([]);
    // room-server kept alice's place for its reconnect grace: bob saw no leave, no second stream-added.
    expect(streamEventProblems(bobEvents, ['alice'])).toEqual([]);
    expect(bobEvents.filter((e) => e.userId === 'alice' && ['peer-leave', 'stream-removed'].includes(e.type))).toEqual([]);
    expect(Object.values(streamAddedPerId(bobEvents))).toEqual([1]);
    const reconnected = aliceEvents.filter((e: any) => e.type === 'reconnected');
    expect(reconnected.length).toBe(1);
    recordFigure(FIG, 'signalDrop', {
      reconnectedEventMs: (reconnected[0] as any).durationMs,
      mediaFlowingAgainMs: recoveredMs,
      aliceStreamAddedPerId: streamAddedPerId(aliceEvents),
      bobStreamAddedPerId: streamAddedPerId(bobEvents),
      bobSawPeerLeave: bobEvents.some((e) => e.type === 'peer-leave' && e.userId === 'alice'),
      flowingAfterReconnectMs: flowing,
    });
    await closePages([alice, bob]);
  }, 240000);

  it('a silent signaling link (no frames either way, TCP up): the client heartbeat (rtc.ping) detects it and re-joins', async () => {
    const [alice, bob] = await startCall(suite.browser, suite.stack, 3102, ['alice', 'bob']);
    const mark = (await eventsOf(alice)).length;
    const t0 = Date.now();
    expect(await alice.evaluate(() => (window as any).e2e.stallSignal())).toBe(1);
    await waitForEvent(alice, 'state:RECONNECTING', undefined, 60000, mark);
    const detectedMs = Date.now() - t0;
    await waitForEvent(alice, 'reconnected', undefined, 60000, mark);
    await Promise.all([waitForMediaFlowing(alice), waitForMediaFlowing(bob)]);
    const recoveredMs = Date.now() - t0;
    await Promise.all([waitForRemoteMedia(alice, 1), waitForRemoteMedia(bob, 1)]);

    // heartbeat interval (5 s) + rtc.ping timeout (2 × interval = 10 s), with margin.
    expect(detectedMs).toBeLessThan(15000 + HEARTBEAT_MARGIN_MS);
    const aliceEvents = await eventsOf(alice);
    expect(Object.values(streamAddedPerId(aliceEvents))).toEqual([1]);
    expect(streamEventProblems(aliceEvents, ['bob'])).toEqual([]);
    expect(streamEventProblems(await eventsOf(bob), ['alice'])).toEqual([]);
    recordFigure(FIG, 'signalSilent', { detectedMs, mediaFlowingAgainMs: recoveredMs });
    await closePages([alice, bob]);
  }, 240000);

  it('room-server restarted: both clients re-join, re-publish, media flows, stream events balanced', async () => {
    const [alice, bob] = await startCall(suite.browser, suite.stack, 3103, ['alice', 'bob']);
    const marks = await Promise.all([alice, bob].map(async (p) => (await eventsOf(p)).length));
    const t0 = Date.now();
    await suite.stack.restartRoomServer();
    const restartMs = Date.now() - t0;
    await Promise.all([
      waitForEvent(alice, 'reconnected', undefined, 90000, marks[0]),
      waitForEvent(bob, 'reconnected', undefined, 90000, marks[1]),
    ]);
    await Promise.all([waitForMediaFlowing(alice), waitForMediaFlowing(bob)]);
    const recoveredMs = Date.now() - t0;
    await Promise.all([waitForRemoteMedia(alice, 1), waitForRemoteMedia(bob, 1)]);

    const aliceEvents = await eventsOf(alice);
    const bobEvents = await eventsOf(bob);
    expect(streamEventProblems(aliceEvents, ['bob'])).toEqual([]);
    expect(streamEventProblems(bobEvents, ['alice'])).toEqual([]);
    recordFigure(FIG, 'roomServerRestart', {
      roomServerDownAndUpMs: restartMs,
      mediaFlowingAgainMs: recoveredMs,
      reconnectedEventMs: [aliceEvents, bobEvents].map((ev) => (ev.filter((e: any) => e.type === 'reconnected').at(-1) as any)?.durationMs),
      aliceStreamAddedPerId: streamAddedPerId(aliceEvents),
      bobStreamAddedPerId: streamAddedPerId(bobEvents),
    });
    await closePages([alice, bob]);
  }, 300000);

  it('ion-sfu killed (SIGKILL) and restarted 2 s later: clients recover media, stream events balanced', async () => {
    const [alice, bob] = await startCall(suite.browser, suite.stack, 3104, ['alice', 'bob']);
    const marks = await Promise.all([alice, bob].map(async (p) => (await eventsOf(p)).length));
    const t0 = Date.now();
    await suite.stack.stopSfu(true);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await suite.stack.restartSfu();
    const sfuBackMs = Date.now() - t0;
    await Promise.all([
      waitForEvent(alice, 'reconnected', undefined, 90000, marks[0]),
      waitForEvent(bob, 'reconnected', undefined, 90000, marks[1]),
    ]);
    await Promise.all([waitForMediaFlowing(alice), waitForMediaFlowing(bob)]);
    const recoveredMs = Date.now() - t0;
    await Promise.all([waitForRemoteMedia(alice, 1), waitForRemoteMedia(bob, 1)]);

    const aliceEvents = await eventsOf(alice);
    const bobEvents = await eventsOf(bob);
    expect(streamEventProblems(aliceEvents, ['bob'])).toEqual([]);
    expect(streamEventProblems(bobEvents, ['alice'])).toEqual([]);
    recordFigure(FIG, 'sfuKill', {
      sfuDownAndUpMs: sfuBackMs,
      mediaFlowingAgainMs: recoveredMs,
      reconnectedEventMs: [aliceEvents, bobEvents].map((ev) => (ev.filter((e: any) => e.type === 'reconnected').at(-1) as any)?.durationMs),
      aliceStreamAddedPerId: streamAddedPerId(aliceEvents),
      bobStreamAddedPerId: streamAddedPerId(bobEvents),
    });
    await closePages([alice, bob]);
  }, 300000);

  it('a client that vanishes without closing (its link black-holed) is dropped by the heartbeat; the others get peer-leave within the bound', async () => {
    const proxy = await startBlackholeProxy(suite.stack, 9101, Number(new URL(suite.stack.httpUrl).port));
    try {
      const alice = await openReliabilityPage(suite.browser, suite.stack);
      await joinAndPublish(alice, { userId: 'alice', roomId: 3105 });
      const bob = await openReliabilityPage(suite.browser, suite.stack);
      // bob reaches room-server through the relay; his media goes straight to ion-sfu.
      await bob.evaluate((url) => (window as any).TRTC.setServerUrl(url), `ws://127.0.0.1:${proxy.port}/rtc`);
      await joinAndPublish(bob, { userId: 'bob', roomId: 3105 });
      await Promise.all([waitForRemoteMedia(alice, 1), waitForRemoteMedia(bob, 1)]);

      // From now on the relay forwards nothing and refuses new connections, so bob's own
      // re-join attempts cannot reach room-server either (as if his laptop lid closed).
      const t0 = Date.now();
      await proxy.blackhole();
      await waitForEvent(alice, 'peer-leave', 'bob', HEARTBEAT_BOUND_MS + HEARTBEAT_MARGIN_MS + 10000);
      const peerLeaveMs = Date.now() - t0;
      expect(peerLeaveMs).toBeLessThan(HEARTBEAT_BOUND_MS + HEARTBEAT_MARGIN_MS);
      const aliceEvents = await eventsOf(alice);
      expect(aliceEvents.some((e) => e.type === 'stream-removed' && e.userId === 'bob')).toBeTrue();
      const metrics = await suite.stack.runInNetwork(
        `fetch(process.argv[1]).then(async (r) => console.log(await r.text()))`,
        [`${suite.stack.httpUrl}/metrics`],
      );
      expect(metrics).toMatch(/roomserver_leaves_total\{reason="timeout"\} [1-9]/);
      recordFigure(FIG, 'vanishedClient', { peerLeaveMs, boundMs: HEARTBEAT_BOUND_MS });
      await closePages([alice, bob]);
    } finally {
      await proxy.stop();
    }
  }, 240000);
});
