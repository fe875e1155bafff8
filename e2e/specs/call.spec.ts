/**
 * The walking skeleton and the seed tutorial's video call: two Chromium pages
 * join one room through room-server and each plays the other's video and
 * receives its audio, through the real ion-sfu.
 */
import { useStackAndBrowser } from '../harness/suite.js';
import { joinAndPublish, recordedEvents, waitForRemoteMedia } from '../harness/tutorial.js';

describe('video call (rtc mode)', () => {
  const suite = useStackAndBrowser({ label: 'call' });
  const newPage = () => suite.newParticipant();

  it('two participants each play the other\'s video and receive its audio', async () => {
    const alice = await newPage();
    const bob = await newPage();
    await joinAndPublish(alice, { userId: 'alice', roomId: 1001 });
    await joinAndPublish(bob, { userId: 'bob', roomId: 1001 });

    await Promise.all([waitForRemoteMedia(alice, 1), waitForRemoteMedia(bob, 1)]);

    const aliceEvents = await recordedEvents(alice);
    const added = aliceEvents.filter((e) => e.type === 'stream-added');
    expect(added).toEqual([jasmine.objectContaining({ type: 'stream-added', userId: 'bob', streamType: 'main' })]);
    expect(aliceEvents.some((e) => e.type === 'peer-join' && e.userId === 'bob')).toBeTrue();

    await bob.evaluate(() => (window as any).client.leave());
    await alice.waitForFunction(
      () => (window as any).e2e.events.some((e: any) => e.type === 'peer-leave' && e.userId === 'bob'),
      null,
      { timeout: 15000 },
    );
    const after = await recordedEvents(alice);
    expect(after.some((e) => e.type === 'stream-removed' && e.userId === 'bob')).toBeTrue();
    await alice.evaluate(() => (window as any).client.leave());
    await alice.context().close();
    await bob.context().close();
  }, 120000);
});
