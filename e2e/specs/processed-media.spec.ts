/**
 * What is published is what the capture pipeline made of the camera: the
 * remote side receives the processed video (effects switched on mid-call,
 * without renegotiation) and sees the sender's audio level move.
 */
import type { Page } from 'playwright-core';

import { useStackAndBrowser } from '../harness/suite.js';
import { joinAndPublish, waitForRemoteMedia } from '../harness/tutorial.js';

/** Mean R, G, B of a region of the first remote video, as decoded by the receiver. */
function sampleRemote(page: Page, region: { x: number; y: number; w: number; h: number }) {
  return page.evaluate((r) => {
    const video = document.querySelector<HTMLVideoElement>('#remotes video')!;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0);
    const x = Math.round(r.x * canvas.width);
    const y = Math.round(r.y * canvas.height);
    const w = Math.max(1, Math.round(r.w * canvas.width));
    const h = Math.max(1, Math.round(r.h * canvas.height));
    const data = ctx.getImageData(x, y, w, h).data;
    let red = 0;
    let green = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      red += data[i];
      green += data[i + 1];
      blue += data[i + 2];
    }
    const n = data.length / 4;
    return { red: red / n, green: green / n, blue: blue / n, luma: (0.299 * red + 0.587 * green + 0.114 * blue) / n };
  }, region);
}

/** Polls until `check` holds for a sample, or fails after `timeoutMs` with the last sample. */
async function waitForSample(
  page: Page,
  region: { x: number; y: number; w: number; h: number },
  check: (s: Awaited<ReturnType<typeof sampleRemote>>) => boolean,
  timeoutMs = 20000,
) {
  const deadline = Date.now() + timeoutMs;
  let last = await sampleRemote(page, region);
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`remote video never matched: last ${JSON.stringify(last)}`);
    await page.waitForTimeout(250);
    last = await sampleRemote(page, region);
  }
  return last;
}

describe('processed media through the SFU', () => {
  const suite = useStackAndBrowser({ label: 'processed' });

  it('the receiver gets the preprocessed video, changed live, and sees the sender\'s audio level move', async () => {
    const alice = await suite.newParticipant();
    const bob = await suite.newParticipant();
    await joinAndPublish(alice, { userId: 'alice', roomId: 3301 });
    await joinAndPublish(bob, { userId: 'bob', roomId: 3301, publish: false });
    await waitForRemoteMedia(bob, 1);

    const corner = { x: 0.02, y: 0.04, w: 0.1, h: 0.1 };
    const raw = { centre: await sampleRemote(bob, { x: 0.4, y: 0.4, w: 0.55, h: 0.55 }) };
    const rawCorner = await sampleRemote(bob, corner);
    // The fake camera is green; a red watermark in the corner and full brightness (+64 luma) are unmistakable.
    expect(rawCorner.red).toBeLessThan(rawCorner.green);

    await alice.evaluate(async () => {
      const canvas = new OffscreenCanvas(96, 96);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = 'rgb(255, 0, 0)';
      ctx.fillRect(0, 0, 96, 96);
      const { localStream } = window as any;
      await localStream.setVideoEffects({
        beauty: { strength: 0.5, brightness: 1 },
        watermark: { image: canvas, x: 0, y: 0, width: 96, height: 96 },
      });
    });
    const red = await waitForSample(bob, corner, (s) => s.red > 150 && s.red > s.green + 60);
    expect(red.red).toBeGreaterThan(red.green);
    // Brighter everywhere else: Y +64 shows as a clear rise of the green channel of the green picture.
    const centre = { x: 0.4, y: 0.4, w: 0.55, h: 0.55 };
    const rawCentre = raw.centre;
    const brighter = await waitForSample(bob, centre, (s) => s.green > rawCentre.green + 15);
    expect(brighter.green).toBeGreaterThan(rawCentre.green + 15);

    // All effects off again: the raw camera, still without renegotiation.
    await alice.evaluate(() => (window as any).localStream.setVideoEffects({}));
    await waitForSample(bob, corner, (s) => s.red < s.green);
    await waitForRemoteMedia(bob, 1);

    // The sender's audio level, as the receiver meters it: up in the fake mic's beeps, down between.
    const levels = await bob.evaluate(async () => {
      const remote = (window as any).remoteStreams[0];
      const seen: number[] = [];
      for (let i = 0; i < 40; i++) {
        seen.push(remote.getAudioLevel());
        await new Promise((r) => setTimeout(r, 50));
      }
      return seen;
    });
    expect(Math.max(...levels)).toBeGreaterThan(0.1);
    expect(Math.min(...levels)).toBeLessThan(0.05);

    await Promise.all([alice, bob].map((p) => p.evaluate(() => (window as any).client.leave())));
    await Promise.all([alice, bob].map((p) => p.context().close()));
  }, 150000);
});
