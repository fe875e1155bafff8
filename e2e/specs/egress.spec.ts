/**
 * Egress end to end: three people in the conference app (Chromium, fake
 * cameras and microphones) through the real ion-sfu; room-server (the built
 * dist/, in the test network) records the call for 20 s through its admin
 * API; the file is read back with ffprobe and ffmpeg as a viewer would see it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

import { frameAt, hasFfmpeg, isColour, meanVolumeDb, probe } from '../../projects/room-server/test/support/media-probe.js';
import { launchBrowser } from '../harness/browser.js';
import { devSdkAppId, startStack, type Stack } from '../harness/stack.js';
import { leaveAndClose, openAndJoin, waitForTilesPlaying, type AppSession } from '../pages/conference-app.js';

const ADMIN_SECRET = 'e2e-admin-secret-0123456789';
/** Magenta behind the tiles: no fake camera frame is this colour, so "a tile is here" is "this is not magenta". */
const BACKGROUND = 0xff00ff;

describe('egress (conference app, ion-sfu, room-server recording)', () => {
  let stack: Stack;
  let browser: Browser;
  let recordings = '';
  let sessions: AppSession[] = [];

  beforeAll(async () => {
    if (!hasFfmpeg()) return;
    recordings = mkdtempSync(join(tmpdir(), 'e2e-egress-'));
    stack = await startStack({ label: 'egress', roomServerEnv: { ROOM_SERVER_ADMIN_SECRET: ADMIN_SECRET, ROOM_SERVER_RECORDINGS_DIR: recordings } });
    browser = await launchBrowser(stack);
  }, 90000);

  afterEach(async () => {
    await Promise.all(sessions.map((s) => leaveAndClose(s)));
    sessions = [];
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (recordings) rmSync(recordings, { recursive: true, force: true });
  }, 30000);

  /** room-server's admin API from inside the test network: status and JSON body. */
  async function admin(path: string, body: object): Promise<{ status: number; body: Record<string, any> }> {
    const script = `fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json', 'x-admin-secret': process.argv[2] }, body: process.argv[3] })
      .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.json() })), (e) => { console.error(e); process.exit(1); })`;
    return JSON.parse((await stack.runInNetwork(script, [`${stack.httpUrl}${path}`, ADMIN_SECRET, JSON.stringify(body)])).trim());
  }

  it('a 3-person call recorded for 20 s: ffprobe reads 20 s (±1 s), 640×360, H.264 + AAC; each participant\'s tile is where the grid puts it, with sound', async () => {
    if (!hasFfmpeg()) return pending('ffmpeg/ffprobe are not installed (Debian: apt-get install ffmpeg)');
    const room = '5900';
    const all = ['ada:main', 'grace:main', 'linus:main'];
    for (const name of ['ada', 'grace', 'linus']) sessions.push(await openAndJoin(browser, stack, { name, room }));
    await Promise.all(sessions.map((s) => waitForTilesPlaying(s.page, all, 90000)));

    const started = await admin('/admin/egress/start', { sdkAppId: devSdkAppId(), roomId: Number(room), width: 640, height: 360, frameRate: 15, backgroundColor: BACKGROUND });
    expect(started.status).withContext(JSON.stringify(started.body)).toBe(200);
    await new Promise((r) => setTimeout(r, 20_000));
    const stopped = await admin('/admin/egress/stop', { egressId: started.body['egress'].egressId });
    expect(stopped.body['egress']).withContext(JSON.stringify(stopped.body)).toEqual(jasmine.objectContaining({ status: 'stopped', restarts: 0 }));
    const file = (stopped.body['egress'].files as string[])[0]!;

    const media = await probe(file);
    expect(Math.abs(media.duration - 20)).withContext(`duration ${media.duration} s`).toBeLessThanOrEqual(1);
    expect(media.video).toEqual({ codec: 'h264', width: 640, height: 360 });
    expect(media.audio).toEqual(jasmine.objectContaining({ codec: 'aac', sampleRate: 48000 }));

    // A 2×2 grid in join order, the last row centred: ada top left, grace top right, linus bottom middle;
    // the two bottom corners are background.
    for (const at of [3, 10, 17]) {
      const frame = await frameAt(file, at, 640, 360);
      const background = frame.yuv(20, 340);
      expect(isColour(frame.yuv(620, 340), background, 6)).withContext(`${at} s: both empty corners show the background`).toBeTrue();
      expect(isColour(background, [106, 202, 222], 14)).withContext(`${at} s: background YUV ${background.join(',')} is magenta`).toBeTrue();
      for (const [who, x, y] of [['ada', 160, 90], ['grace', 480, 90], ['linus', 320, 270]] as const) {
        expect(isColour(frame.yuv(x, y), background, 14)).withContext(`${at} s: ${who}'s tile at (${x}, ${y}) shows a picture, YUV ${frame.yuv(x, y).join(',')}`).toBeFalse();
      }
    }
    // Chromium's fake microphones beep; the mix carries them.
    expect(await meanVolumeDb(file, 2, 16)).toBeGreaterThan(-60);
  }, 240000);
});
