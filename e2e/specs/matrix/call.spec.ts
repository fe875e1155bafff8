/**
 * Mixed-browser calls (issue 14): for every ordered pair of browsers
 * (C→C, C→F, F→C, F→F; the first joins and publishes before the second),
 * both participants play the other's video and hear its audio through the
 * real ion-sfu, the video travels as VP8 (the one codec both decode), and
 * mutes reach the other side as events, in both directions.
 */
import { browserPairs, useStackAndBrowsers } from '../../harness/matrix.js';
import { eventsOf, waitForEvent } from '../../harness/reliability.js';
import { joinAndPublish, waitForRemoteMedia } from '../../harness/tutorial.js';
import type { TestPage } from '../../harness/browsers.js';

describe('browser matrix: rtc call and mute events', () => {
  const suite = useStackAndBrowsers({ label: 'matrix-call' });
  let room = 14100;

  async function muteBothWays(from: TestPage, fromId: string, to: TestPage): Promise<void> {
    const mark = (await eventsOf(to)).length;
    expect(await from.evaluate(() => (window as any).localStream.muteVideo())).toBeTrue();
    await waitForEvent(to, 'mute-video', fromId, 20000, mark);
    expect(await from.evaluate(() => (window as any).localStream.muteAudio())).toBeTrue();
    await waitForEvent(to, 'mute-audio', fromId, 20000, mark);
    const state = await to.evaluate(() => (window as any).client.getRemoteMutedState());
    expect(state).toContain(jasmine.objectContaining({ userId: fromId, audioMuted: true, videoMuted: true }));
    expect(await from.evaluate(() => (window as any).localStream.unmuteVideo())).toBeTrue();
    await waitForEvent(to, 'unmute-video', fromId, 20000, mark);
    expect(await from.evaluate(() => (window as any).localStream.unmuteAudio())).toBeTrue();
    await waitForEvent(to, 'unmute-audio', fromId, 20000, mark);
  }

  for (const pair of browserPairs()) {
    it(`${pair.label}: both play each other's video (VP8) and audio, in this join order; mutes arrive both ways`, async () => {
      const roomId = room++;
      const first = await suite.newParticipant(pair.first, 'reliability');
      const second = await suite.newParticipant(pair.second, 'reliability');
      try {
        await joinAndPublish(first, { userId: 'first', roomId });
        await joinAndPublish(second, { userId: 'second', roomId });
        await Promise.all([waitForRemoteMedia(first, 1, 45000), waitForRemoteMedia(second, 1, 45000)]);

        for (const page of [first, second]) {
          const codecs = await page.evaluate(() => (window as any).e2e.codecs());
          expect(codecs).withContext(page.browserName).toEqual({ inbound: ['video/vp8'], outbound: ['video/vp8'] });
        }
        const firstAdded = (await eventsOf(first)).filter((e) => e.type === 'stream-added');
        expect(firstAdded).toEqual([jasmine.objectContaining({ userId: 'second', streamType: 'main' })]);
        for (const page of [first, second]) {
          expect((await eventsOf(page)).filter((e) => e.type === 'state:CONNECTED').length).withContext(page.browserName).toBe(1);
        }

        await muteBothWays(first, 'first', second);
        await muteBothWays(second, 'second', first);
        await Promise.all([waitForRemoteMedia(first, 1), waitForRemoteMedia(second, 1)]);

        await second.evaluate(() => (window as any).client.leave());
        await waitForEvent(first, 'peer-leave', 'second', 15000);
        expect((await eventsOf(first)).some((e) => e.type === 'stream-removed' && e.userId === 'second')).toBeTrue();
        await first.evaluate(() => (window as any).client.leave());
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    }, 180000);
  }
});
