/**
 * Switching cameras mid-call. Chromium's fake capture lists `device-count`
 * cameras, `fake_device_<i>`; the second (index 1) delivers Y16 depth frames,
 * which WebRTC never encodes (framesEncoded stays 0, with or without
 * ngx-trtc), so these tests use `fake_device_0` (I420) and `fake_device_2`
 * (MJPEG). The two draw different corner markers, green and yellow, so the
 * other participant can tell which camera it is watching, as a user would.
 */
import type { Page } from 'playwright-core';

import { useStackAndBrowser } from '../harness/suite.js';
import { joinAndPublish, recordedEvents, waitForRemoteMedia } from '../harness/tutorial.js';
import { leaveAndClose, openAndJoin, waitForTilesPlaying, type AppSession } from '../pages/conference-app.js';

/** The harness's fake devices with three cameras (this later switch wins over the harness's own). */
const THREE_CAMERAS = '--use-fake-device-for-media-stream=fps=30,device-count=3';

/** The two fake cameras the tests switch between. */
type FakeCamera = 'fake_device_0' | 'fake_device_2';

/** Events that would mean the switch re-published the stream instead of replacing the track. */
const REPUBLISH_EVENTS = ['stream-added', 'stream-removed', 'stream-updated', 'peer-join', 'peer-leave'];

/** Polls `read` until `done` holds; on timeout, fails with the last value read. */
async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Which fake camera the first video matching `selector` shows now, told by its
 * four corner markers: pure green on `fake_device_0`, shades of yellow (red ≈
 * green, brightness cycling) on `fake_device_2`. `null` before a frame; the
 * corners' colours when they match neither.
 */
function cameraShown(page: Page, selector: string): Promise<FakeCamera | number[][] | null> {
  return page.evaluate((sel) => {
    const video = document.querySelector<HTMLVideoElement>(sel);
    if (!video || video.videoWidth === 0) return null;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0);
    // The markers are 40×40 at 640×480: sample a box inside each.
    const box = Math.max(1, Math.round(canvas.width * 0.03));
    const corners = [
      [0.031, 0.042],
      [0.969, 0.042],
      [0.031, 0.958],
      [0.969, 0.958],
    ].map(([x, y]) => {
      const data = ctx.getImageData(Math.round(x * canvas.width - box / 2), Math.round(y * canvas.height - box / 2), box, box).data;
      const mean = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) mean[c] += data[i + c] / (data.length / 4);
      return mean.map(Math.round);
    });
    if (corners.every(([r, g]) => g - r > 100)) return 'fake_device_0';
    if (corners.every(([r, g]) => Math.abs(g - r) < 40)) return 'fake_device_2';
    return corners;
  }, selector);
}

/** Waits until the video at `selector` shows `camera`. */
function waitForCamera(page: Page, selector: string, camera: FakeCamera, timeoutMs = 30000): Promise<unknown> {
  return waitUntil(`${selector} to show ${camera}`, () => cameraShown(page, selector), (shown) => shown === camera, timeoutMs);
}

/** Waits until `page` has decoded `count` more remote video frames than it has now (getStats framesDecoded). */
async function waitForFramesDecoded(page: Page, count: number, timeoutMs = 30000): Promise<void> {
  const frames = async () => (await page.evaluate(() => (window as any).e2e.inbound())).videoFrames as number;
  const since = await frames();
  await waitUntil(`${count} more decoded frames than ${since}`, frames, (n) => n >= since + count, timeoutMs);
}

/** Frames the video at `selector` has presented so far (requestVideoFrameCallback), or null if none comes within 2 s. */
function presentedFrames(page: Page, selector: string): Promise<number | null> {
  return page.evaluate(
    (sel) =>
      new Promise<number | null>((resolve) => {
        const video = document.querySelector<HTMLVideoElement>(sel);
        if (!video) return resolve(null);
        video.requestVideoFrameCallback((_now, frame) => resolve(frame.presentedFrames));
        setTimeout(() => resolve(null), 2000);
      }),
    selector,
  );
}

/** Waits until the video at `selector` presents `count` more frames than it has now. */
async function waitForFramesPresented(page: Page, selector: string, count: number, timeoutMs = 30000): Promise<void> {
  const since = (await presentedFrames(page, selector)) ?? 0;
  await waitUntil(
    `${selector} to present ${count} more frames than ${since}`,
    () => presentedFrames(page, selector),
    (n) => n !== null && n >= since + count,
    timeoutMs,
  );
}

describe('camera switching mid-call (fake cameras)', () => {
  const suite = useStackAndBrowser({ label: 'devices', browserArgs: [THREE_CAMERAS] });

  it('switchDevice swaps the published camera in place and refuses an unknown one; the viewer keeps playing', async () => {
    const alice = await suite.newParticipant();
    const bob = await suite.newParticipant();
    const remoteVideo = '#remotes video';

    await joinAndPublish(bob, { userId: 'bob', roomId: 2001, publish: false });
    const cameras: Array<{ deviceId: string; label: string }> = await alice.evaluate(async () => {
      const w = window as any;
      const { TRTC, e2e } = w;
      const cameras = (await TRTC.getCameras()).map((c: MediaDeviceInfo) => ({ deviceId: c.deviceId, label: c.label }));
      const { sdkAppId, userSig } = await e2e.userSig('alice');
      const client = TRTC.createClient({ mode: 'rtc', sdkAppId, userId: 'alice', userSig });
      await client.join({ roomId: 2001 });
      const cameraId = cameras.find((c: { label: string }) => c.label === 'fake_device_0')?.deviceId;
      const localStream = TRTC.createStream({ userId: 'alice', audio: true, video: true, cameraId });
      w.deviceChanges = [];
      localStream.on('device-changed', (event: unknown) => w.deviceChanges.push(event));
      await localStream.initialize();
      localStream.play('local');
      await client.publish(localStream);
      Object.assign(w, { client, localStream });
      return cameras;
    });
    expect(new Set(cameras.map((c) => c.deviceId)).size).withContext(JSON.stringify(cameras)).toBe(3);
    const first = cameras.find((c) => c.label === 'fake_device_0')!;
    const second = cameras.find((c) => c.label === 'fake_device_2')!;
    expect(first && second).withContext(JSON.stringify(cameras)).toBeTruthy();

    await waitForRemoteMedia(bob, 1);
    await waitForCamera(bob, remoteVideo, 'fake_device_0');
    const sendersBefore = await alice.evaluate(() => (window as any).e2e.senders());
    expect(sendersBefore.filter((s: { kind: string }) => s.kind === 'video')).toEqual([
      jasmine.objectContaining({ deviceId: first.deviceId, readyState: 'live' }),
    ]);
    const bobEventsBefore = (await recordedEvents(bob)).length;
    const streamIdsBefore = (await bob.evaluate(() => (window as any).e2e.remoteVideos())).map((v: { id: string }) => v.id);

    // Mid-call: the second camera.
    const switched = await alice.evaluate(async (deviceId) => {
      const w = window as any;
      const oldTrack: MediaStreamTrack = w.localStream.getVideoTrack();
      await w.localStream.switchDevice('video', deviceId);
      const track: MediaStreamTrack = w.localStream.getVideoTrack();
      return {
        published: { id: track.id, deviceId: track.getSettings().deviceId, readyState: track.readyState },
        oldTrackState: oldTrack.readyState,
        senders: w.e2e.senders(),
        captured: w.e2e.captured(),
        deviceChanges: w.deviceChanges,
      };
    }, second.deviceId);
    expect(switched.published).toEqual(jasmine.objectContaining({ deviceId: second.deviceId, readyState: 'live' }));
    // The same single video sender, now sending the new track: replaceTrack, no new transceiver.
    expect(switched.senders.filter((s: { kind: string }) => s.kind === 'video')).toEqual([
      jasmine.objectContaining({ trackId: switched.published.id, deviceId: second.deviceId, readyState: 'live' }),
    ]);
    expect(switched.senders.length).toBe(sendersBefore.length);
    // The first camera is released: no captured video track holds it any more.
    expect(switched.oldTrackState).toBe('ended');
    expect(switched.captured.filter((t: { kind: string; readyState: string }) => t.kind === 'video' && t.readyState === 'live')).toEqual([
      jasmine.objectContaining({ deviceId: second.deviceId }),
    ]);
    expect(switched.deviceChanges).toEqual([
      jasmine.objectContaining({ kind: 'video', deviceId: second.deviceId, label: second.label, reason: 'switch' }),
    ]);

    // Bob sees the other camera in the same player, still decoding, with no re-publish.
    await waitForCamera(bob, remoteVideo, 'fake_device_2');
    await waitForFramesDecoded(bob, 30);
    await waitForRemoteMedia(bob, 1);
    expect((await bob.evaluate(() => (window as any).e2e.remoteVideos())).map((v: { id: string }) => v.id)).toEqual(streamIdsBefore);
    const afterSwitch = (await recordedEvents(bob)).slice(bobEventsBefore);
    expect(afterSwitch.filter((e) => REPUBLISH_EVENTS.includes(e.type))).toEqual([]);

    // An unknown camera: a DEVICE_NOT_FOUND RtcError, and the second camera goes on publishing.
    const failed = await alice.evaluate(async () => {
      const w = window as any;
      let error: { code: number | undefined; message: string } | null = null;
      try {
        await w.localStream.switchDevice('video', 'no-such-camera');
      } catch (e) {
        const rtc = e as { getCode?(): number; message?: string };
        error = { code: rtc.getCode?.(), message: String(rtc.message) };
      }
      const track: MediaStreamTrack = w.localStream.getVideoTrack();
      return {
        error,
        published: { id: track.id, deviceId: track.getSettings().deviceId, readyState: track.readyState },
        senders: w.e2e.senders(),
        captured: w.e2e.captured(),
        deviceChanges: w.deviceChanges.length,
      };
    });
    expect(failed.error).withContext('switchDevice to an unknown camera must reject').not.toBeNull();
    expect(failed.error!.code).withContext(failed.error!.message).toBe(0x1003);
    expect(failed.error!.message).toMatch(/^<DEVICE_NOT_FOUND 0x1003>/);
    // Refused before the camera in use is touched: the same track, nothing captured anew.
    expect(failed.published).toEqual({ id: switched.published.id, deviceId: second.deviceId, readyState: 'live' });
    expect(failed.captured.length).toBe(switched.captured.length);
    expect(failed.senders.filter((s: { kind: string }) => s.kind === 'video')).toEqual([
      jasmine.objectContaining({ trackId: failed.published.id, deviceId: second.deviceId, readyState: 'live' }),
    ]);
    expect(failed.captured.filter((t: { kind: string; readyState: string }) => t.kind === 'video' && t.readyState === 'live')).toEqual([
      jasmine.objectContaining({ deviceId: second.deviceId }),
    ]);
    expect(failed.deviceChanges).toBe(1);

    await waitForFramesDecoded(bob, 30);
    await waitForRemoteMedia(bob, 1);
    expect(await cameraShown(bob, remoteVideo)).toBe('fake_device_2');
    const afterFailure = (await recordedEvents(bob)).slice(bobEventsBefore);
    expect(afterFailure.filter((e) => REPUBLISH_EVENTS.includes(e.type))).toEqual([]);

    await alice.evaluate(() => (window as any).client.leave());
    await bob.evaluate(() => (window as any).client.leave());
    await alice.context().close();
    await bob.context().close();
  }, 180000);

  describe('in the conference app', () => {
    let sessions: AppSession[] = [];

    afterEach(async () => {
      await Promise.all(sessions.map((s) => leaveAndClose(s)));
      sessions = [];
    }, 60000);

    it('choosing the other camera in the room keeps the tile playing for the other participant', async () => {
      const room = '5201';
      const alice = await openAndJoin(suite.browser, suite.stack, { name: 'alice', room });
      sessions.push(alice);
      const bob = await openAndJoin(suite.browser, suite.stack, { name: 'bob', room });
      sessions.push(bob);
      const both = ['alice:main', 'bob:main'];
      const aliceOnBob = '[data-testid=tile][data-user-id=alice] video';
      const aliceSelfView = '[data-testid=tile][data-local=true] video';
      const cameraSelect = alice.page.getByTestId('room-camera-select');

      await Promise.all([waitForTilesPlaying(alice.page, both), waitForTilesPlaying(bob.page, both)]);
      // The lobby opened the default camera, the first.
      await waitForCamera(bob.page, aliceOnBob, 'fake_device_0');
      const labels = await cameraSelect.locator('option').allTextContents();
      expect(labels.map((l) => l.trim())).toEqual(['fake_device_0', 'fake_device_1', 'fake_device_2']);
      // A mark on Bob's tile of Alice: a re-published stream would get a new tile without it.
      await bob.page.locator('[data-testid=tile][data-user-id=alice]').evaluate((tile) => tile.setAttribute('data-e2e-mark', ''));

      await cameraSelect.selectOption({ label: 'fake_device_2' });
      await Promise.all([waitForCamera(bob.page, aliceOnBob, 'fake_device_2'), waitForCamera(alice.page, aliceSelfView, 'fake_device_2')]);
      await waitForFramesPresented(bob.page, aliceOnBob, 30);
      await Promise.all([waitForTilesPlaying(alice.page, both), waitForTilesPlaying(bob.page, both)]);
      expect(await alice.page.getByTestId('room-notice').count()).toBe(0);
      expect(await cameraSelect.locator('option:checked').textContent()).toBe('fake_device_2');
      expect(await bob.page.locator('[data-testid=tile][data-user-id=alice][data-e2e-mark]').count()).toBe(1);

      // And back to the first camera.
      await cameraSelect.selectOption({ label: 'fake_device_0' });
      await Promise.all([waitForCamera(bob.page, aliceOnBob, 'fake_device_0'), waitForCamera(alice.page, aliceSelfView, 'fake_device_0')]);
      await waitForFramesPresented(bob.page, aliceOnBob, 30);
      await waitForTilesPlaying(bob.page, both);
      expect(await alice.page.getByTestId('room-notice').count()).toBe(0);
      expect(await bob.page.locator('[data-testid=tile][data-user-id=alice][data-e2e-mark]').count()).toBe(1);
    }, 240000);
  });
});
