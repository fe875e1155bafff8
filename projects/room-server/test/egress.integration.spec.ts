/**
 * Egress against the real thing: ion-sfu, room-server, @roamhq/wrtc
 * publishers of distinct solid colours, the egress worker process, Debian's
 * ffmpeg, and nginx-rtmp for the RTMP push. What is checked is what a viewer
 * of the recording would see: its duration, its streams, each participant's
 * colour in their tile, the sound.
 */
import { rmSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateUserSig } from '../src/auth/usersig.js';
import { silentLogger } from '../src/log.js';
import { startRoomServer, type RunningRoomServer } from '../src/server.js';
import { findIonSfuBinary, freePort, startIonSfu, type IonSfuProcess } from './support/ion-sfu-process.js';
import { frameAt, hasFfmpeg, isColour, meanVolumeDb, probe } from './support/media-probe.js';
import { findNginxRtmp, writeNginxRtmpPrefix } from './support/nginx-rtmp.js';
import { startLoopbackServer, type LoopbackServer } from './support/server-process.js';
import { SDK_APP_ID, SECRET_KEY } from './support/session-harness.js';
import { WsTestClient, type RpcFrame } from './support/ws-client.js';
import { loadWrtc, WrtcPeer } from './support/wrtc-peer.js';

const binary = findIonSfuBinary();
const wrtc = loadWrtc();
const nginx = findNginxRtmp();
const ADMIN_SECRET = 'egress-admin-secret-0123456789';
const ROOM = 4242;

/** Solid colours (Y, U, V) of the three publishers: red, green, blue. */
const RED: [number, number, number] = [81, 90, 240];
const GREEN: [number, number, number] = [145, 54, 34];
const BLUE: [number, number, number] = [41, 240, 110];
const BLACK: [number, number, number] = [16, 128, 128];

const sig = (userId: string) => generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds: 3600 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function missing(): string | undefined {
  if (!binary) return 'no ion-sfu binary; set ION_SFU_BIN';
  if (!wrtc) return '@roamhq/wrtc is not installed';
  if (!hasFfmpeg()) return 'ffmpeg/ffprobe are not installed (Debian: apt-get install ffmpeg)';
  return undefined;
}

describe('egress (real ion-sfu, wrtc publishers, ffmpeg)', () => {
  let sfu: IonSfuProcess | undefined;
  let server: RunningRoomServer | undefined;
  let rtmp: (LoopbackServer & { port: number }) | undefined;
  let recordings = '';
  const clients: WsTestClient[] = [];
  const peers: WrtcPeer[] = [];

  async function participant(userId: string, colour: [number, number, number] | null, extra: Record<string, unknown> = {}): Promise<{ client: WsTestClient; peer: WrtcPeer }> {
    const client = await WsTestClient.connect(server!.url);
    clients.push(client);
    const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId: ROOM, mode: 'rtc', ...extra });
    if (res.error) throw new Error(JSON.stringify(res.error));
    const peer = new WrtcPeer(wrtc!, client);
    peers.push(peer);
    if (colour) {
      const media = peer.addMedia({ yuv: colour, width: 320, height: 240, toneHz: 440 });
      const published = await client.request('stream.publish', { streamId: media.stream.id, type: 'main', hasAudio: true, hasVideo: true });
      if (published.error) throw new Error(JSON.stringify(published.error));
    }
    const joined = await peer.join();
    if (joined.error) throw new Error(JSON.stringify(joined.error));
    return { client, peer };
  }

  async function admin(path: string, body?: object): Promise<{ status: number; body: Record<string, any> }> {
    const res = await fetch(`http://127.0.0.1:${server!.port}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'x-admin-secret': ADMIN_SECRET, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  async function leave(client: WsTestClient): Promise<void> {
    await client.request('room.leave', {});
    await client.closed;
  }

  beforeAll(async () => {
    if (missing()) return;
    sfu = await startIonSfu(binary!);
    if (nginx) {
      const port = await freePort();
      const prefix = writeNginxRtmpPrefix(nginx.module, port);
      const started = await startLoopbackServer({ name: 'nginx-rtmp', binary: nginx.nginx, args: prefix.args, port, dir: prefix.dir, readyTimeoutMs: 10_000, pollMs: 100, outputLimit: 4000 });
      rtmp = { ...started, port };
    }
  }, 30_000);

  afterAll(async () => {
    await rtmp?.stop();
    await sfu?.stop();
  });

  beforeEach(async () => {
    if (missing()) return;
    recordings = mkdtempSync(join(tmpdir(), 'egress-test-'));
    server = await startRoomServer(
      {
        port: 0,
        sfuUrl: sfu!.url,
        apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }],
        staticDir: null,
        logLevel: 'silent',
        adminSecret: ADMIN_SECRET,
        egress: { recordingsDir: recordings, rtmpUrlPrefixes: rtmp ? [`rtmp://127.0.0.1:${rtmp.port}/live/`] : [], recordCdnStreams: true, maxRestarts: 2 },
      },
      { log: silentLogger },
    );
  });

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    server = undefined;
    if (recordings) rmSync(recordings, { recursive: true, force: true });
  });

  it('records a 3-person call for 20 s: ffprobe reads 20 s (±1 s) at 640×360 with H.264 and AAC, every frame checked shows each tile in its place', async () => {
    const why = missing();
    if (why) return pending(why);
    await participant('alice', RED);
    await participant('bob', GREEN);
    await participant('carol', BLUE);
    await sleep(1500);
    const started = await admin('/admin/egress/start', { sdkAppId: SDK_APP_ID, roomId: ROOM, width: 640, height: 360, frameRate: 15 });
    expect(started.status).withContext(JSON.stringify(started.body)).toBe(200);
    await sleep(20_000);
    const stopped = await admin('/admin/egress/stop', { egressId: started.body['egress'].egressId });
    expect(stopped.body['egress']).toEqual(jasmine.objectContaining({ status: 'stopped', restarts: 0 }));
    const [file] = stopped.body['egress'].files as string[];
    const media = await probe(file!);
    expect(Math.abs(media.duration - 20)).withContext(`duration ${media.duration} s`).toBeLessThanOrEqual(1);
    expect(media.video).toEqual({ codec: 'h264', width: 640, height: 360 });
    expect(media.audio).toEqual(jasmine.objectContaining({ codec: 'aac', sampleRate: 48000 }));
    for (const at of [2, 10, 18]) {
      const frame = await frameAt(file!, at, 640, 360);
      expectColour(frame.yuv(160, 90), RED, `RED at (160, 90), ${at} s`);
      expectColour(frame.yuv(480, 90), GREEN, `GREEN at (480, 90), ${at} s`);
      expectColour(frame.yuv(320, 270), BLUE, `BLUE at (320, 270), ${at} s`);
      expectColour(frame.yuv(600, 300), BLACK, `background at (600, 300), ${at} s`);
    }
    expect(await meanVolumeDb(file!, 5, 10)).toBeGreaterThan(-40);
  }, 90_000);

  it('records a 3-person room in a grid; a participant leaving mid-recording re-lays the picture without breaking the file', async () => {
    const why = missing();
    if (why) return pending(why);
    const alice = await participant('alice', RED);
    await participant('bob', GREEN);
    const carol = await participant('carol', BLUE);
    await sleep(1500); // media flowing through ion-sfu

    const started = await admin('/admin/egress/start', { sdkAppId: SDK_APP_ID, roomId: ROOM, width: 640, height: 360 });
    expect(started.status).withContext(JSON.stringify(started.body)).toBe(200);
    const startedAt = Date.now();
    const egress = started.body['egress'];
    expect(egress.status).toBe('active');
    // Everyone in the room is told; the egress itself is in no participant list.
    const notice = await alice.client.waitFor('egress-started');
    expect(notice.params?.['egress']).toEqual(jasmine.objectContaining({ egressId: egress.egressId, owner: null, isRecording: true, isPublishingCdn: false }));
    expect(alice.client.notifications.some((n) => n.method === 'peer-join' && String(n.params?.['userId']).startsWith('egress'))).toBeFalse();
    const latecomer = await WsTestClient.connect(server!.url);
    clients.push(latecomer);
    const snapshot = await latecomer.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'dave', userSig: sig('dave'), roomId: ROOM, mode: 'rtc' });
    expect((snapshot.result?.['peers'] as Array<{ userId: string }>).map((p) => p.userId).sort()).toEqual(['alice', 'bob', 'carol']);

    await sleep(5000);
    await leave(carol.client);
    await sleep(5000);
    const stopped = await admin('/admin/egress/stop', { egressId: egress.egressId });
    const elapsed = (Date.now() - startedAt) / 1000;
    expect(stopped.status).toBe(200);
    expect(stopped.body['egress'].status).toBe('stopped');
    const stoppedNotice = await alice.client.waitFor('egress-stopped');
    expect(stoppedNotice.params?.['egress']).toEqual(jasmine.objectContaining({ egressId: egress.egressId, endReason: 'requested' }));

    const [file] = stopped.body['egress'].files as string[];
    const media = await probe(file!);
    expect(media.video).toEqual({ codec: 'h264', width: 640, height: 360 });
    expect(media.audio).toEqual(jasmine.objectContaining({ codec: 'aac', sampleRate: 48000 }));
    expect(Math.abs(media.duration - elapsed)).withContext(`duration ${media.duration} s, recorded ${elapsed} s`).toBeLessThan(1);

    // Three tiles (2×2 grid, last row centred) while carol was in the call…
    const early = await frameAt(file!, 3, 640, 360);
    expectColour(early.yuv(160, 90), RED, 'RED at (160, 90)');
    expectColour(early.yuv(480, 90), GREEN, 'GREEN at (480, 90)');
    expectColour(early.yuv(320, 270), BLUE, 'BLUE at (320, 270)');
    expectColour(early.yuv(40, 300), BLACK, 'BLACK at (40, 300)');
    // …two side by side after she left.
    const late = await frameAt(file!, media.duration - 1.5, 640, 360);
    expectColour(late.yuv(160, 180), RED, 'RED at (160, 180)');
    expectColour(late.yuv(480, 180), GREEN, 'GREEN at (480, 180)');
    // The mixed tone is in the sound track.
    expect(await meanVolumeDb(file!, 2, 3)).toBeGreaterThan(-40);
  }, 90_000);

  it('a worker that dies mid-recording is reported and restarted; the file so far stays playable and a new part follows', async () => {
    const why = missing();
    if (why) return pending(why);
    const alice = await participant('alice', RED);
    await participant('bob', GREEN);
    await sleep(1000);
    const started = await admin('/admin/egress/start', { sdkAppId: SDK_APP_ID, roomId: ROOM });
    expect(started.status).toBe(200);
    const egressId = started.body['egress'].egressId as string;
    await sleep(4000);
    const pid = (await admin(`/admin/egress?egressId=${egressId}`)).body['egress'].workerPid as number;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');

    const failed = await alice.client.waitFor('egress-failed', 10_000);
    expect(failed.params).toEqual(jasmine.objectContaining({ isRestarting: true }));
    const restarted = await waitForNotification(alice.client, 'egress-started', (n) => (n.params?.['egress'] as { restarts: number }).restarts === 1, 20_000);
    expect(restarted).toBeDefined();
    // The first part was cut by the kill; fragmented MP4 keeps what was written.
    const info = (await admin(`/admin/egress?egressId=${egressId}`)).body['egress'];
    expect(info.files.length).toBe(2);
    const part1 = await probe(info.files[0]);
    expect(part1.duration).toBeGreaterThan(2);
    expect(part1.video).toEqual(jasmine.objectContaining({ width: 640, height: 360 }));
    expectColour((await frameAt(info.files[0], 1.5, 640, 360)).yuv(160, 180), RED, 'RED at (160, 180)');

    await sleep(3000);
    const stopped = await admin('/admin/egress/stop', { egressId });
    expect(stopped.body['egress']).toEqual(jasmine.objectContaining({ status: 'stopped', restarts: 1 }));
    const part2 = await probe(info.files[1]);
    expect(part2.duration).toBeGreaterThan(2);
    expectColour((await frameAt(info.files[1], 1, 640, 360)).yuv(480, 180), GREEN, 'GREEN at (480, 180)');
  }, 90_000);

  it('client API: an anchor mixes with startMixTranscode and pushes it with startPublishCDNStream; the RTMP stream reads back', async () => {
    const why = missing() ?? (nginx ? undefined : 'nginx with libnginx-mod-rtmp is not installed');
    if (why) return pending(why);
    const alice = await participant('alice', RED);
    await participant('bob', GREEN);
    const viewer = await participant('viewer', null, { mode: 'live', role: 'audience' });
    await sleep(1000);
    const url = `rtmp://127.0.0.1:${rtmp!.port}/live/mix-${Date.now()}`;

    // Audience may not; a URL outside egress.rtmpUrlPrefixes may not.
    expect((await viewer.client.request('egress.startPublishCDNStream', { url })).error?.message).toBe('ROLE_FORBIDDEN');
    expect((await alice.client.request('egress.startPublishCDNStream', { url: 'rtmp://10.0.0.1/live/x' })).error?.message).toBe('PRIVILEGE_DENIED');
    expect((await alice.client.request('egress.startMixTranscode', { mixUsers: [{ userId: 'bob', pureAudio: false }] })).error?.message).toBe('INVALID_PARAMS');

    const mixUsers = [
      { userId: 'alice', pureAudio: false, width: 320, height: 360, locationX: 0, locationY: 0, zOrder: 1 },
      { userId: 'bob', pureAudio: false, width: 320, height: 360, locationX: 320, locationY: 0, zOrder: 1 },
    ];
    const mix = await alice.client.request('egress.startMixTranscode', { videoWidth: 640, videoHeight: 360, videoFramerate: 15, mixUsers }, 30_000);
    expect(mix.error).withContext(JSON.stringify(mix.error)).toBeUndefined();
    const cdn = await alice.client.request('egress.startPublishCDNStream', { streamId: 'alice-mix', url }, 30_000);
    expect(cdn.error).withContext(JSON.stringify(cdn.error)).toBeUndefined();
    expect(cdn.result?.['egress']).toEqual(jasmine.objectContaining({ owner: 'alice', streamId: 'alice-mix', isPublishingCdn: true, isRecording: true }));

    await sleep(3000);
    const live = await probe(url, { timeoutMs: 20_000 });
    expect(live.video).toEqual({ codec: 'h264', width: 640, height: 360 });
    expect(live.audio).toEqual(jasmine.objectContaining({ codec: 'aac' }));

    // Swap the tiles live: the same egress, the same file.
    const swapped = await alice.client.request('egress.startMixTranscode', { videoWidth: 640, videoHeight: 360, videoFramerate: 15, mixUsers: [{ ...mixUsers[0], locationX: 320 }, { ...mixUsers[1], locationX: 0 }] }, 30_000);
    expect((swapped.result?.['egress'] as { egressId: string }).egressId).toBe((cdn.result?.['egress'] as { egressId: string }).egressId);
    await sleep(3000);
    expect((await alice.client.request('egress.stopPublishCDNStream', {})).result?.['egress']).toEqual(jasmine.objectContaining({ isPublishingCdn: false, isRecording: true }));
    const stopped = await alice.client.request('egress.stopMixTranscode', {}, 30_000);
    expect(stopped.result?.['egress']).toBeNull();
    const ended = await alice.client.waitFor('egress-stopped', 20_000);
    const egressId = (ended.params?.['egress'] as { egressId: string }).egressId;
    const [file] = (await admin(`/admin/egress?egressId=${egressId}`)).body['egress'].files as string[];
    expect(existsSync(file!)).toBeTrue();
    const media = await probe(file!);
    const first = await frameAt(file!, 1.5, 640, 360);
    expectColour(first.yuv(160, 180), RED, 'RED at (160, 180)');
    expectColour(first.yuv(480, 180), GREEN, 'GREEN at (480, 180)');
    const after = await frameAt(file!, media.duration - 1, 640, 360);
    expectColour(after.yuv(160, 180), GREEN, 'GREEN at (160, 180)');
    expectColour(after.yuv(480, 180), RED, 'RED at (480, 180)');
  }, 120_000);

  it('a client egress ends when its owner leaves the room', async () => {
    const why = missing() ?? (nginx ? undefined : 'nginx with libnginx-mod-rtmp is not installed');
    if (why) return pending(why);
    const alice = await participant('alice', RED);
    const bob = await participant('bob', GREEN);
    const res = await alice.client.request('egress.startPublishCDNStream', { url: `rtmp://127.0.0.1:${rtmp!.port}/live/own-${Date.now()}` }, 30_000);
    expect(res.result?.['egress']).toEqual(jasmine.objectContaining({ owner: 'alice', streamId: `${SDK_APP_ID}_${ROOM}_alice_main` }));
    await leave(alice.client);
    const ended = await bob.client.waitFor('egress-stopped', 10_000);
    expect(ended.params?.['egress']).toEqual(jasmine.objectContaining({ owner: 'alice', endReason: 'owner-left' }));
  }, 60_000);
});

/** The colour at a pixel is `expected`, within encoding's tolerance. */
function expectColour(actual: [number, number, number], expected: [number, number, number], what: string): void {
  expect(isColour(actual, expected)).withContext(`${what}: got YUV ${actual.join(',')}, want ${expected.join(',')}`).toBeTrue();
}

function waitForNotification(client: WsTestClient, method: string, match: (n: RpcFrame) => boolean, timeoutMs: number): Promise<RpcFrame> {
  const seen = client.notifications.find((n) => n.method === method && match(n));
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no matching ${method} within ${timeoutMs} ms`))), timeoutMs);
    const off = client.onNotification((n) => {
      if (n.method === method && match(n)) {
        clearTimeout(timer);
        off();
        resolve(n);
      }
    });
  });
}
