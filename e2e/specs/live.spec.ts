/**
 * The seed tutorials' live mode and the mute events: an audience member
 * watches, switches to anchor and publishes; mutes reach the other side.
 */
import type { Page } from 'playwright-core';

import { useStackAndBrowser } from '../harness/suite.js';
import { joinAndPublish, recordedEvents, waitForRemoteMedia } from '../harness/tutorial.js';

describe('live mode and mute events', () => {
  const suite = useStackAndBrowser({ label: 'live' });
  const newPage = () => suite.newParticipant();

  function waitForEvent(page: Page, type: string, userId: string, timeout = 20000) {
    return page.waitForFunction(
      ({ t, u }) => (window as any).e2e.events.some((e: any) => e.type === t && e.userId === u),
      { t: type, u: userId },
      { timeout },
    );
  }

  it('an audience member watches, cannot publish, switches to anchor and is seen', async () => {
    const anchor = await newPage();
    const viewer = await newPage();
    await joinAndPublish(anchor, { userId: 'host', roomId: 'live-show', mode: 'live', role: 'anchor' });
    await joinAndPublish(viewer, { userId: 'fan', roomId: 'live-show', mode: 'live', role: 'audience', publish: false });

    await waitForRemoteMedia(viewer, 1);

    const refused = await viewer.evaluate(async () => {
      const { TRTC, client } = window as any;
      const stream = TRTC.createStream({ userId: 'fan', audio: true, video: true });
      await stream.initialize();
      try {
        await client.publish(stream);
        return 'published';
      } catch (error: any) {
        return error.getCode();
      } finally {
        stream.close();
      }
    });
    expect(refused).toBe(0x1001); // INVALID_OPERATION: an audience member does not publish

    // The tutorial's switchRole flow.
    await viewer.evaluate(async () => {
      const { TRTC, client } = window as any;
      await client.switchRole('anchor');
      const localStream = TRTC.createStream({ userId: 'fan', audio: true, video: true });
      await localStream.initialize();
      localStream.play('local');
      await client.publish(localStream);
    });

    await waitForEvent(anchor, 'stream-added', 'fan');
    await waitForRemoteMedia(anchor, 1);
    const added = (await recordedEvents(anchor)).filter((e) => e.type === 'stream-added');
    expect(added.map((e) => e.userId)).toEqual(['fan']);

    await Promise.all([anchor, viewer].map((p) => p.evaluate(() => (window as any).client.leave())));
    await Promise.all([anchor, viewer].map((p) => p.context().close()));
  }, 150000);

  it('muting and unmuting audio and video reach the other participant as events', async () => {
    const alice = await newPage();
    const bob = await newPage();
    await joinAndPublish(alice, { userId: 'alice', roomId: 2002 });
    await joinAndPublish(bob, { userId: 'bob', roomId: 2002 });
    await waitForRemoteMedia(bob, 1);

    expect(await alice.evaluate(() => (window as any).localStream.muteVideo())).toBeTrue();
    await waitForEvent(bob, 'mute-video', 'alice');
    expect(await alice.evaluate(() => (window as any).localStream.muteAudio())).toBeTrue();
    await waitForEvent(bob, 'mute-audio', 'alice');

    const state = await bob.evaluate(() => (window as any).client.getRemoteMutedState());
    expect(state).toContain(jasmine.objectContaining({ userId: 'alice', audioMuted: true, videoMuted: true }));

    expect(await alice.evaluate(() => (window as any).localStream.unmuteVideo())).toBeTrue();
    await waitForEvent(bob, 'unmute-video', 'alice');
    expect(await alice.evaluate(() => (window as any).localStream.unmuteAudio())).toBeTrue();
    await waitForEvent(bob, 'unmute-audio', 'alice');
    await waitForRemoteMedia(bob, 1);

    await Promise.all([alice, bob].map((p) => p.evaluate(() => (window as any).client.leave())));
    await Promise.all([alice, bob].map((p) => p.context().close()));
  }, 150000);
});
