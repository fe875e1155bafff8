/**
 * A degraded media path: 10 % and 30 % packet loss and 200 ms added delay,
 * applied with Chromium's DevTools network emulation (which covers WebRTC's
 * UDP; this kernel has no tc netem). The loss must show in the receiver's
 * inbound-rtp stats (so the emulation really applies) and video must keep
 * playing. Frame rates and loss figures go to docs/RELIABILITY.md.
 */
import type { Browser, Page } from 'playwright-core';

import { launchBrowser } from '../../harness/browser.js';
import { recordFigure } from '../../harness/figures.js';
import { clearNetworkEmulation, closePages, emulateNetwork, inboundLoss, remoteVideos, startCall, type EmulatedNetwork } from '../../harness/reliability.js';
import { startStack, type Stack } from '../../harness/stack.js';
import { waitForRemoteMedia } from '../../harness/tutorial.js';

const WINDOW_MS = 10000;

describe('reliability: packet loss and delay on the media path', () => {
  let stack: Stack;
  let browser: Browser;
  let pages: Page[] = [];

  beforeAll(async () => {
    stack = await startStack({ label: 'network' });
    browser = await launchBrowser(stack);
    pages = await startCall(browser, stack, 3201, ['alice', 'bob']);
  }, 180000);

  afterAll(async () => {
    await closePages(pages);
    await browser?.close();
    await stack?.stop();
  }, 30000);

  async function measure(receiver: Page, conditions: EmulatedNetwork) {
    const cdp = await emulateNetwork(receiver, conditions);
    try {
      // Let the congestion controller react before measuring.
      await receiver.waitForTimeout(3000);
      const before = await inboundLoss(receiver);
      const videoBefore = await remoteVideos(receiver);
      await receiver.waitForTimeout(WINDOW_MS);
      const after = await inboundLoss(receiver);
      const videoAfter = await remoteVideos(receiver);
      const stats = await receiver.evaluate(async () => (window as any).client.getTransportStats());
      const received = after.packetsReceived - before.packetsReceived;
      const lost = after.packetsLost - before.packetsLost;
      return {
        conditions,
        packetsReceived: received,
        packetsLost: lost,
        nacks: after.nackCount - before.nackCount,
        lossPercent: received + lost > 0 ? Math.round((1000 * lost) / (received + lost)) / 10 : 0,
        decodedFps: Math.round((10 * (after.framesDecoded - before.framesDecoded)) / (WINDOW_MS / 1000)) / 10,
        publisherRttMs: stats.rtt,
        subscriberRttMs: Object.values(stats.downlinksRTT as Record<string, number>)[0] ?? 0,
        playbackAdvancedS: Math.round(10 * ((videoAfter[0]?.time ?? 0) - (videoBefore[0]?.time ?? 0))) / 10,
      };
    } finally {
      await clearNetworkEmulation(cdp);
    }
  }

  it('baseline, for comparison', async () => {
    const [, bob] = pages;
    const figures = await measure(bob, {});
    recordFigure('network', 'baseline', figures);
    expect(figures.decodedFps).toBeGreaterThan(0);
  }, 60000);

  for (const packetLoss of [10, 30]) {
    it(`${packetLoss} % packet loss: the loss shows in the receiver's stats and video keeps playing`, async () => {
      const [, bob] = pages;
      const figures = await measure(bob, { packetLoss });
      recordFigure('network', `loss${packetLoss}`, figures);
      // The emulation really drops packets: lost packets or NACKs (retransmissions recover some).
      expect(figures.packetsLost + figures.nacks).toBeGreaterThan(0);
      expect(figures.decodedFps).toBeGreaterThan(0);
      expect(figures.playbackAdvancedS).toBeGreaterThan(1);
      await waitForRemoteMedia(bob, 1, 60000);
    }, 90000);
  }

  it('200 ms added delay: video keeps playing', async () => {
    const [, bob] = pages;
    const figures = await measure(bob, { latency: 200 });
    recordFigure('network', 'delay200', figures);
    expect(figures.decodedFps).toBeGreaterThan(0);
    expect(figures.playbackAdvancedS).toBeGreaterThan(1);
    await waitForRemoteMedia(bob, 1, 60000);
  }, 90000);
});
