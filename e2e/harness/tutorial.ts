/**
 * The seed tutorials' flows, run verbatim inside a test page through the TRTC
 * facade (see e2e/pages/tutorial.ts), and waits on what a user would see.
 */
import type { PageLike as Page } from './browsers.js';

/** Options of {@link joinAndPublish}. */
export interface TutorialJoin {
  userId: string;
  roomId: number | string;
  mode?: 'rtc' | 'live' | 'videoCall';
  role?: 'anchor' | 'audience';
  publish?: boolean;
}

/**
 * createClient → join → (createStream → initialize → play → publish), with
 * stream-added → subscribe and stream-subscribed → play into #remotes.
 */
export async function joinAndPublish(page: Page, options: TutorialJoin): Promise<void> {
  await page.evaluate(async ({ userId, roomId, mode, role, publish }) => {
    const w = window as any;
    const { TRTC, e2e } = w;
    const { sdkAppId, userSig } = await e2e.userSig(userId);

    // ---- seed tutorial code, verbatim in shape ----
    const useStringRoomId = typeof roomId === 'string';
    const client = TRTC.createClient({ mode, sdkAppId, userId, userSig, useStringRoomId });
    e2e.record(client, [
      'stream-added', 'stream-removed', 'stream-updated', 'stream-subscribed',
      'peer-join', 'peer-leave', 'mute-audio', 'unmute-audio', 'mute-video', 'unmute-video',
      'client-banned', 'error',
    ]);
    client.on('connection-state-changed', (event: { prevState: string; state: string }) => {
      e2e.events.push({ type: `state:${event.state}`, at: performance.now() });
    });
    client.on('stream-added', (event: any) => {
      const remoteStream = event.stream;
      client.subscribe(remoteStream);
    });
    client.on('stream-subscribed', (event: any) => {
      const remoteStream = event.stream;
      const div = document.createElement('div');
      div.id = `remote_${remoteStream.getId()}`;
      div.setAttribute('data-stream-id', remoteStream.getId());
      div.style.width = '320px';
      div.style.height = '240px';
      document.querySelector('#remotes')!.appendChild(div);
      remoteStream.play(div.id);
      (w.remoteStreams ||= []).push(remoteStream);
    });
    client.on('stream-removed', (event: any) => {
      event.stream.stop();
      document.querySelector(`#remote_${CSS.escape(event.stream.getId())}`)?.remove();
    });
    await client.join({ roomId, role });
    w.client = client;
    if (publish) {
      const localStream = TRTC.createStream({ userId, audio: true, video: true });
      await localStream.initialize();
      localStream.play('local');
      await client.publish(localStream);
      w.localStream = localStream;
    }
    // ---- end of tutorial code ----
  }, { mode: 'rtc', role: 'anchor', publish: true, ...options });
}

/** Waits until `page` plays `count` remote videos whose time advances and receives audio. */
export async function waitForRemoteMedia(page: Page, count: number, timeoutMs = 30000): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const videos = [...document.querySelectorAll<HTMLVideoElement>('#remotes video')];
      return videos.filter((v) => v.videoWidth > 0 && v.currentTime > 0.2).length >= n;
    },
    count,
    { timeout: timeoutMs, polling: 250 },
  );
  const before = await page.evaluate(() => (window as any).e2e.remoteVideos());
  const energyBefore = await page.evaluate(() => (window as any).e2e.inbound());
  await page.waitForTimeout(1500);
  const after = await page.evaluate(() => (window as any).e2e.remoteVideos());
  const energyAfter = await page.evaluate(() => (window as any).e2e.inbound());
  const advancing = after.filter((v: { id: string; time: number }) => {
    const old = before.find((b: { id: string }) => b.id === v.id);
    return old && v.time > old.time + 0.5;
  });
  if (advancing.length < count) {
    throw new Error(`only ${advancing.length}/${count} remote videos advance: ${JSON.stringify(after)}`);
  }
  if (!(energyAfter.audioPackets > energyBefore.audioPackets && energyAfter.audioEnergy > energyBefore.audioEnergy)) {
    throw new Error(`no remote audio arriving: ${JSON.stringify({ energyBefore, energyAfter })}`);
  }
}

/** The events the page's client recorded, in order. */
export function recordedEvents(page: Page): Promise<Array<{ type: string; userId?: string; streamType?: string }>> {
  return page.evaluate(() => (window as any).e2e.events);
}
