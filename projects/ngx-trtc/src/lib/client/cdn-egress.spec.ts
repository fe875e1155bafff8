import { FakeClock, FakeRemoteStream, FakeRoomServer, FakeSfu, fakeRemoteStreamFactory, settle } from 'ngx-trtc/testing';

import { ErrorCode, RtcError } from '../errors/rtc-error';
import type { EgressView, MixTranscodeConfig } from '../signal/protocol';
import { RoomErrorCode } from '../signal/protocol';
import { RoomClient } from './client';
import { DEFAULT_CLIENT_TIMEOUTS } from './client-options';
import { ClientConfig } from './client-types';
import { createDefaultRetryPolicy } from './retry-policy';

type TestClient = RoomClient<FakeRemoteStream>;

/** trtc-js-sdk's mix / CDN calls through the client: what reaches room-server, what the app gets back and hears. */
describe('RoomClient mix and CDN (egress)', () => {
  let server: FakeRoomServer;
  let sfu: FakeSfu;
  let clock: FakeClock;
  let clients: TestClient[];

  function client(userId: string, config: Partial<ClientConfig> = {}): TestClient {
    const c = new RoomClient<FakeRemoteStream>(
      { sdkAppId: 1400000001, userId, userSig: 'sig', mode: 'rtc', ...config },
      {
        serverUrl: 'ws://fake/rtc',
        webSocketFactory: server.webSocketFactory,
        transportFactory: sfu.transportFactory,
        remoteStreamFactory: fakeRemoteStreamFactory,
        clock,
        retryPolicy: createDefaultRetryPolicy({ random: () => 0 }),
        timeouts: { ...DEFAULT_CLIENT_TIMEOUTS },
        rtcConfiguration: {},
      },
    );
    clients.push(c);
    return c;
  }

  async function errorOf(call: () => Promise<unknown>): Promise<RtcError> {
    try {
      await call();
    } catch (error) {
      if (error instanceof RtcError) return error;
      throw new Error(`expected an RtcError, got ${String(error)}`);
    }
    throw new Error('expected an RtcError, got success');
  }

  const mix: MixTranscodeConfig = {
    videoWidth: 640,
    videoHeight: 360,
    mixUsers: [
      { userId: 'alice', pureAudio: false, width: 320, height: 360, locationX: 0, locationY: 0, zOrder: 1 },
      { userId: 'bob', pureAudio: false, width: 320, height: 360, locationX: 320, locationY: 0, zOrder: 1 },
    ],
  };

  beforeEach(() => {
    server = new FakeRoomServer();
    sfu = new FakeSfu();
    clock = new FakeClock();
    clients = [];
  });

  afterEach(async () => {
    for (const c of clients) c.destroy();
    await settle();
  });

  it('sends the TRTC shapes to room-server and resolves with the egress; the room hears egress-started and egress-stopped', async () => {
    const alice = client('alice');
    const bob = client('bob');
    await alice.join({ roomId: 7 });
    await bob.join({ roomId: 7 });
    const heard: Array<{ type: string; egress: EgressView }> = [];
    for (const type of ['egress-started', 'egress-stopped'] as const) bob.on(type, (e) => heard.push({ type, egress: e.egress }));

    const started = await alice.startMixTranscode(mix);
    expect(started).toEqual(jasmine.objectContaining({ owner: 'alice', status: 'active' }));
    expect(server.requestsOf('egress.startMixTranscode', 'alice')[0]?.params).toEqual(mix);
    const cdn = await alice.startPublishCDNStream({ streamId: 'alice-mix', url: 'rtmp://cdn.example/live/alice-mix' });
    expect(cdn).toEqual(jasmine.objectContaining({ streamId: 'alice-mix', isPublishingCdn: true }));
    expect(server.requestsOf('egress.startPublishCDNStream', 'alice')[0]?.params).toEqual({ streamId: 'alice-mix', url: 'rtmp://cdn.example/live/alice-mix' });
    await settle();
    expect(heard.map((h) => h.type)).toEqual(['egress-started']);

    expect(await alice.stopPublishCDNStream()).toEqual(jasmine.objectContaining({ isPublishingCdn: false }));
    expect(await alice.stopMixTranscode()).toBeNull();
    await settle();
    expect(heard.map((h) => h.type)).toEqual(['egress-started', 'egress-stopped']);
    expect(heard[1]!.egress).toEqual(jasmine.objectContaining({ owner: 'alice', endReason: 'requested' }));
  });

  it('egress-failed reaches the app with the error and whether room-server restarts it', async () => {
    const alice = client('alice');
    await alice.join({ roomId: 7 });
    const failed = jasmine.createSpy('egress-failed');
    alice.on('egress-failed', failed);
    const egress: EgressView = { egressId: 'eg_1', owner: null, streamId: null, status: 'restarting', isRecording: true, isPublishingCdn: false, startedAt: 1, restarts: 1, endReason: null };
    server.notify(server.connectionOf('alice')!, 'egress-failed', { egress, error: 'the worker was killed by SIGKILL', isRestarting: true });
    await settle();
    expect(failed).toHaveBeenCalledOnceWith({ egress, error: 'the worker was killed by SIGKILL', isRestarting: true });
  });

  it('an audience member is refused by room-server: INVALID_OPERATION with ROLE_FORBIDDEN as extraCode', async () => {
    const viewer = client('viewer', { mode: 'live' });
    await viewer.join({ roomId: 7, role: 'audience' });
    const error = await errorOf(() => viewer.startPublishCDNStream({ url: 'rtmp://cdn.example/live/x' }));
    expect(error.getCode()).toBe(ErrorCode.INVALID_OPERATION);
    expect(error.getExtraCode()).toBe(RoomErrorCode.ROLE_FORBIDDEN);
  });

  it('before join: INVALID_OPERATION, and nothing is sent', async () => {
    const alice = client('alice');
    expect((await errorOf(() => alice.startMixTranscode(mix))).getCode()).toBe(ErrorCode.INVALID_OPERATION);
    expect((await errorOf(() => alice.stopPublishCDNStream())).getCode()).toBe(ErrorCode.INVALID_OPERATION);
    expect(server.requestsOf('egress.startMixTranscode')).toEqual([]);
  });

  const badMixes: Array<[string, unknown]> = [
    ['no mixUsers', { videoWidth: 640 }],
    ['empty mixUsers', { mixUsers: [] }],
    ['17 mixUsers', { mixUsers: Array.from({ length: 17 }, (_, i) => ({ userId: `u${i}`, pureAudio: false })) }],
    ['a mixUser without userId', { mixUsers: [{ pureAudio: false }] }],
    ['pureAudio missing', { mixUsers: [{ userId: 'bob' }] }],
    ['zOrder 0', { mixUsers: [{ userId: 'bob', pureAudio: false, zOrder: 0 }] }],
    ['a fractional width', { mixUsers: [{ userId: 'bob', pureAudio: false, width: 10.5 }] }],
    ['videoFramerate 60', { videoFramerate: 60, mixUsers: [{ userId: 'bob', pureAudio: false }] }],
    ['audioSampleRate 22050', { audioSampleRate: 22050, mixUsers: [{ userId: 'bob', pureAudio: false }] }],
    ['mode unknown', { mode: 'auto', mixUsers: [{ userId: 'bob', pureAudio: false }] }],
  ];
  for (const [name, config] of badMixes) {
    it(`startMixTranscode with ${name} → INVALID_PARAMETER before any request`, async () => {
      const alice = client('alice');
      await alice.join({ roomId: 7 });
      expect((await errorOf(() => alice.startMixTranscode(config as MixTranscodeConfig))).getCode()).toBe(ErrorCode.INVALID_PARAMETER);
      expect(server.requestsOf('egress.startMixTranscode')).toEqual([]);
    });
  }

  for (const [name, options] of [['an http URL', { url: 'http://cdn.example/x' }], ['a streamId with a slash', { streamId: 'a/b' }], ['appId negative', { appId: -1 }]] as const) {
    it(`startPublishCDNStream with ${name} → INVALID_PARAMETER`, async () => {
      const alice = client('alice');
      await alice.join({ roomId: 7 });
      expect((await errorOf(() => alice.startPublishCDNStream(options as never))).getCode()).toBe(ErrorCode.INVALID_PARAMETER);
    });
  }
});
