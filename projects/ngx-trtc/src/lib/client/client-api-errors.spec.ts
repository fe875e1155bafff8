import {
  FakeClock,
  FakeLocalStream,
  FakeRemoteStream,
  FakeRoomServer,
  FakeSfu,
  fakeRemoteStreamFactory,
  settle,
} from 'ngx-trtc/testing';

import { ErrorCode, ErrorCodeValue, RtcError } from '../errors/rtc-error';
import { createClient as trtcCreateClient } from '../trtc/trtc';
import { RoomClient } from './client';
import { DEFAULT_CLIENT_TIMEOUTS } from './client-options';
import { ClientConfig } from './client-types';
import { createDefaultRetryPolicy } from './retry-policy';

type TestClient = RoomClient<FakeRemoteStream>;

/**
 * Every public API of the client, called with wrong arguments or in the wrong
 * state, fails with the RtcError code trtc-js-sdk v4 apps branch on — and
 * never with a plain Error, a string, or a hang.
 */
describe('RoomClient API errors', () => {
  let server: FakeRoomServer;
  let sfu: FakeSfu;
  let clock: FakeClock;
  let clients: TestClient[];
  let streams: FakeLocalStream[];

  const refusal = (code: number, message: string) => ({ code, message });

  function client(userId = 'alice', config: Partial<ClientConfig> = {}): TestClient {
    return rawClient({ sdkAppId: 1400000001, userId, userSig: 'sig', mode: 'rtc', ...config });
  }

  function rawClient(config: ClientConfig): TestClient {
    const c = new RoomClient<FakeRemoteStream>(
      config,
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

  function localStream(userId = 'alice', options: ConstructorParameters<typeof FakeLocalStream>[1] = {}): FakeLocalStream {
    const s = new FakeLocalStream(userId, options);
    streams.push(s);
    return s;
  }

  /** The RtcError a call produced, whether it threw synchronously or rejected. */
  async function errorOf(call: () => unknown): Promise<RtcError> {
    let outcome: unknown;
    try {
      await call();
    } catch (error) {
      outcome = error;
    }
    if (!(outcome instanceof RtcError)) {
      throw new Error(`expected an RtcError, got ${outcome === undefined ? 'success' : String(outcome)}`);
    }
    return outcome;
  }

  async function expectCode(call: () => unknown, code: ErrorCodeValue, extraCode?: number): Promise<void> {
    const error = await errorOf(call);
    expect(error.getCode()).withContext(error.message).toBe(code);
    if (extraCode !== undefined) expect(error.getExtraCode()).withContext(error.message).toBe(extraCode);
  }

  /** alice joined; bob publishing, his stream announced to alice. */
  async function callWithRemote(aliceConfig: Partial<ClientConfig> = {}) {
    const alice = client('alice', aliceConfig);
    await alice.join({ roomId: 1 });
    const bob = client('bob');
    await bob.join({ roomId: 1 });
    await bob.publish(localStream('bob'));
    await settle();
    const remote = alice.getRemoteStreams()[0];
    return { alice, bob, remote };
  }

  beforeEach(() => {
    server = new FakeRoomServer({ heartbeatIntervalMs: 5000 });
    sfu = new FakeSfu();
    clock = new FakeClock();
    clients = [];
    streams = [];
  });

  afterEach(async () => {
    for (const c of clients) c.destroy();
    for (const s of streams) s.close();
    await settle();
  });

  describe('createClient', () => {
    const bad: Array<[string, unknown]> = [
      ['no config', undefined],
      ['null config', null],
      ['sdkAppId 0', { sdkAppId: 0 }],
      ['sdkAppId negative', { sdkAppId: -5 }],
      ['sdkAppId fractional', { sdkAppId: 1.5 }],
      ['sdkAppId as a string', { sdkAppId: '1400000001' }],
      ['userId empty', { userId: '' }],
      ['userId with a space', { userId: 'ali ce' }],
      ['userId of 33 chars', { userId: 'a'.repeat(33) }],
      ['userId a number', { userId: 42 }],
      ['userSig empty', { userSig: '' }],
      ['userSig a number', { userSig: 7 }],
      ['mode unknown', { mode: 'meeting' }],
      ['mode missing', { mode: undefined }],
    ];

    for (const [name, over] of bad) {
      it(`${name} → INVALID_PARAMETER (RoomClient and TRTC.createClient)`, async () => {
        const config = over === undefined || over === null ? over : { sdkAppId: 1400000001, userId: 'alice', userSig: 'sig', mode: 'rtc', ...over };
        await expectCode(() => rawClient(config as never), ErrorCode.INVALID_PARAMETER);
        await expectCode(() => trtcCreateClient(config as never), ErrorCode.INVALID_PARAMETER);
      });
    }
  });

  describe('join', () => {
    const badOptions: Array<[string, unknown, Partial<ClientConfig>?]> = [
      ['no options', undefined],
      ['roomId missing', {}],
      ['roomId 0', { roomId: 0 }],
      ['roomId negative', { roomId: -1 }],
      ['roomId fractional', { roomId: 2.5 }],
      ['roomId 4294967295', { roomId: 4294967295 }],
      ['roomId NaN', { roomId: NaN }],
      ['roomId a string without useStringRoomId', { roomId: '42' }],
      ['roomId a number with useStringRoomId', { roomId: 42 }, { useStringRoomId: true }],
      ['string roomId empty', { roomId: '' }, { useStringRoomId: true }],
      ['string roomId of 65 chars', { roomId: 'r'.repeat(65) }, { useStringRoomId: true }],
      ['string roomId with a slash', { roomId: 'a/b' }, { useStringRoomId: true }],
      ['role unknown', { roomId: 1, role: 'king' }],
      ['privateMapKey not a string', { roomId: 1, privateMapKey: 255 }],
    ];
    for (const [name, options, config] of badOptions) {
      it(`${name} → INVALID_PARAMETER, without connecting`, async () => {
        const c = client('alice', config);
        await expectCode(() => c.join(options as never), ErrorCode.INVALID_PARAMETER);
        expect(server.connections.length).toBe(0);
        expect(c.connectionState).toBe('DISCONNECTED');
      });
    }

    it('a second join, while joining or joined → INVALID_OPERATION', async () => {
      const c = client();
      const first = c.join({ roomId: 1 });
      await expectCode(() => c.join({ roomId: 1 }), ErrorCode.INVALID_OPERATION);
      await first;
      await expectCode(() => c.join({ roomId: 2 }), ErrorCode.INVALID_OPERATION);
    });

    const serverRefusals: Array<[string, number]> = [
      ['USERSIG_MALFORMED', 4010],
      ['USERSIG_BAD_SIGNATURE', 4011],
      ['USERSIG_EXPIRED', 4012],
      ['USERSIG_WRONG_APP', 4013],
      ['USERSIG_WRONG_USER', 4014],
      ['PRIVATE_MAP_KEY_INVALID', 4015],
      ['PRIVILEGE_DENIED', 4016],
      ['ROOM_FULL', 4030],
      ['SERVER_FULL', 4031],
      ['INVALID_PARAMS', -32602],
    ];
    for (const [message, code] of serverRefusals) {
      it(`room-server refusing with ${message} → JOIN_ROOM_FAILED, extraCode ${code}, DISCONNECTED, no retry`, async () => {
        server = new FakeRoomServer({ authorize: () => refusal(code, message) });
        const c = client();
        await expectCode(() => c.join({ roomId: 1 }), ErrorCode.JOIN_ROOM_FAILED, code);
        expect(c.connectionState).toBe('DISCONNECTED');
        await clock.advance(10_000);
        expect(server.requestsOf('room.join').length).toBe(1);
      });
    }

    it('room-server unreachable → SIGNAL_CHANNEL_SETUP_FAILED', async () => {
      server.refuseConnections = true;
      await expectCode(() => client().join({ roomId: 1 }), ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED);
    });

    it('the socket never opening → SIGNAL_CHANNEL_SETUP_FAILED after the connect timeout', async () => {
      server.holdConnections = true;
      const c = client();
      const joining = errorOf(() => c.join({ roomId: 1 }));
      await clock.advance(DEFAULT_CLIENT_TIMEOUTS.connectMs);
      expect((await joining).getCode()).toBe(ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED);
    });

    it('room.join never answered → API_CALL_TIMEOUT; leave() during join → API_CALL_ABORTED', async () => {
      server.unansweredMethods.add('room.join');
      const c = client();
      const joining = errorOf(() => c.join({ roomId: 1 }));
      await clock.advance(DEFAULT_CLIENT_TIMEOUTS.requestMs);
      expect((await joining).getCode()).toBe(ErrorCode.API_CALL_TIMEOUT);
      const again = errorOf(() => c.join({ roomId: 1 }));
      await settle();
      await c.leave();
      expect((await again).getCode()).toBe(ErrorCode.API_CALL_ABORTED);
    });
  });

  describe('publish and unpublish', () => {
    for (const [name, arg] of [
      ['undefined', undefined],
      ['null', null],
      ['a plain object', {}],
      ['a number', 42],
      ['a string', 'camera'],
      ['a MediaStream', new MediaStream()],
    ] as Array<[string, unknown]>) {
      it(`publish(${name}) / unpublish(${name}) once joined → INVALID_PARAMETER`, async () => {
        const c = client();
        await c.join({ roomId: 1 });
        await expectCode(() => c.publish(arg as never), ErrorCode.INVALID_PARAMETER);
        await expectCode(() => c.unpublish(arg as never), ErrorCode.INVALID_PARAMETER);
      });
    }

    it('before join, twice, a second main stream, without tracks, not published → INVALID_OPERATION', async () => {
      const c = client();
      const camera = localStream();
      await expectCode(() => c.publish(camera), ErrorCode.INVALID_OPERATION);
      await c.join({ roomId: 1 });
      await expectCode(() => c.unpublish(camera), ErrorCode.INVALID_OPERATION);
      await expectCode(() => c.publish(localStream('alice', { tracks: [] })), ErrorCode.INVALID_OPERATION);
      await c.publish(camera);
      await expectCode(() => c.publish(camera), ErrorCode.INVALID_OPERATION);
      await expectCode(() => c.publish(localStream()), ErrorCode.INVALID_OPERATION);
      const screen = localStream('alice', { audio: false });
      await c.publish(screen, { isAuxiliary: true });
      await expectCode(() => c.publish(localStream('alice', { audio: false }), { isAuxiliary: true }), ErrorCode.INVALID_OPERATION);
    });

    it('an audience member in live mode → INVALID_OPERATION, without asking room-server', async () => {
      const c = client('alice', { mode: 'live' });
      await c.join({ roomId: 1, role: 'audience' });
      await expectCode(() => c.publish(localStream()), ErrorCode.INVALID_OPERATION);
      expect(server.requestsOf('stream.publish').length).toBe(0);
    });

    const publishRefusals: Array<[string, number, ErrorCodeValue]> = [
      ['ROLE_FORBIDDEN', 4020, ErrorCode.INVALID_OPERATION],
      ['PRIVILEGE_DENIED', 4016, ErrorCode.INVALID_OPERATION],
      ['STREAM_CONFLICT', 4023, ErrorCode.UNKNOWN],
    ];
    for (const [message, code, expected] of publishRefusals) {
      it(`room-server refusing stream.publish with ${message} → ${expected === ErrorCode.UNKNOWN ? 'UNKNOWN' : 'INVALID_OPERATION'}, extraCode ${code}; the stream is not left half-published`, async () => {
        const c = client();
        await c.join({ roomId: 1 });
        server.failNext.set('stream.publish', refusal(code, message));
        const camera = localStream();
        await expectCode(() => c.publish(camera), expected, code);
        expect(c.getLocalStreams()).toEqual([]);
        await c.publish(camera);
        expect(c.getLocalStreams()).toEqual([camera]);
      });
    }

    it('while reconnecting → INVALID_OPERATION', async () => {
      const c = client();
      await c.join({ roomId: 1 });
      server.refuseConnections = true;
      server.drop('alice');
      await server.drained();
      expect(c.connectionState).toBe('RECONNECTING');
      await expectCode(() => c.publish(localStream()), ErrorCode.INVALID_OPERATION);
      await expectCode(() => c.subscribe({ getId: () => 'x' } as never), ErrorCode.INVALID_OPERATION);
    });
  });

  describe('subscribe, unsubscribe, setRemoteVideoStreamType', () => {
    it('before join → INVALID_OPERATION', async () => {
      const c = client();
      const stray = { getId: () => 'x' } as never;
      await expectCode(() => c.subscribe(stray), ErrorCode.INVALID_OPERATION);
      await expectCode(() => c.unsubscribe(stray), ErrorCode.INVALID_OPERATION);
    });

    it('not a remote stream → INVALID_PARAMETER', async () => {
      const { alice } = await callWithRemote();
      for (const arg of [undefined, null, {}, 7, 'stream-id']) {
        await expectCode(() => alice.subscribe(arg as never), ErrorCode.INVALID_PARAMETER);
        await expectCode(() => alice.unsubscribe(arg as never), ErrorCode.INVALID_PARAMETER);
        await expectCode(() => alice.setRemoteVideoStreamType(arg as never, 'big'), ErrorCode.INVALID_PARAMETER);
      }
    });

    it('a stream not in the room, or no longer → REMOTE_STREAM_NOT_EXIST', async () => {
      const { alice, bob, remote } = await callWithRemote();
      const stranger = { getId: () => 'not-in-the-room' } as never;
      await expectCode(() => alice.subscribe(stranger), ErrorCode.REMOTE_STREAM_NOT_EXIST);
      await expectCode(() => alice.unsubscribe(stranger), ErrorCode.REMOTE_STREAM_NOT_EXIST);
      await expectCode(() => alice.setRemoteVideoStreamType(stranger, 'big'), ErrorCode.REMOTE_STREAM_NOT_EXIST);
      await bob.leave();
      await settle();
      await server.drained();
      await expectCode(() => alice.subscribe(remote), ErrorCode.REMOTE_STREAM_NOT_EXIST);
    });

    it("a status other than 'big'/'small' → INVALID_PARAMETER; 'small' of a stream without one → INVALID_OPERATION", async () => {
      const { alice, remote } = await callWithRemote();
      for (const status of ['medium', '', undefined, 1]) {
        await expectCode(() => alice.setRemoteVideoStreamType(remote, status as never), ErrorCode.INVALID_PARAMETER);
      }
      await expectCode(() => alice.setRemoteVideoStreamType(remote, 'small'), ErrorCode.INVALID_OPERATION);
    });
  });

  describe('switchRole', () => {
    it("a role other than 'anchor'/'audience' → INVALID_PARAMETER", async () => {
      const c = client('alice', { mode: 'live' });
      await c.join({ roomId: 1 });
      for (const role of ['host', '', undefined, null, 1]) await expectCode(() => c.switchRole(role as never), ErrorCode.INVALID_PARAMETER);
    });

    it('in rtc mode, or before joining → INVALID_OPERATION', async () => {
      const rtc = client('alice');
      await rtc.join({ roomId: 1 });
      await expectCode(() => rtc.switchRole('audience'), ErrorCode.INVALID_OPERATION);
      await expectCode(() => client('bob', { mode: 'live' }).switchRole('anchor'), ErrorCode.INVALID_OPERATION);
    });

    it('room-server refusing → SWITCH_ROLE_FAILED with its code, and the role unchanged', async () => {
      const c = client('alice', { mode: 'live' });
      await c.join({ roomId: 1, role: 'audience' });
      server.failNext.set('room.switchRole', refusal(4016, 'PRIVILEGE_DENIED'));
      await expectCode(() => c.switchRole('anchor'), ErrorCode.SWITCH_ROLE_FAILED, 4016);
      expect(c.role).toBe('audience');
    });
  });

  describe('small stream, TURN, volume', () => {
    it('setSmallStreamProfile with missing, zero, negative or non-number fields → INVALID_PARAMETER', async () => {
      const c = client();
      for (const profile of [undefined, null, {}, { width: 0, height: 120, bitrate: 100, frameRate: 15 }, { width: 160, height: -1, bitrate: 100, frameRate: 15 }, { width: '160', height: 120, bitrate: 100, frameRate: 15 }]) {
        await expectCode(() => c.setSmallStreamProfile(profile as never), ErrorCode.INVALID_PARAMETER);
      }
    });

    it('enableSmallStream / disableSmallStream while the main video is published → INVALID_OPERATION', async () => {
      const c = client();
      await c.join({ roomId: 1 });
      await c.publish(localStream());
      await expectCode(() => c.enableSmallStream(), ErrorCode.INVALID_OPERATION);
      await expectCode(() => c.disableSmallStream(), ErrorCode.INVALID_OPERATION);
    });

    it('setTurnServer without a url → INVALID_PARAMETER', async () => {
      const c = client();
      for (const config of [undefined, null, {}, { url: '' }, [{ url: 'turn:ok' }, { username: 'x' }], { url: 42 }]) {
        await expectCode(() => c.setTurnServer(config as never), ErrorCode.INVALID_PARAMETER);
      }
    });

    it('enableAudioVolumeEvaluation with a non-number interval → INVALID_PARAMETER', async () => {
      const c = client();
      for (const interval of ['2000', NaN, null, {}]) {
        await expectCode(() => c.enableAudioVolumeEvaluation(interval as never), ErrorCode.INVALID_PARAMETER);
      }
    });
  });

  describe('after destroy()', () => {
    it('every API that acts → INVALID_OPERATION', async () => {
      const { alice, remote } = await callWithRemote();
      alice.destroy();
      const camera = localStream();
      const calls: Array<[string, () => unknown]> = [
        ['on', () => alice.on('stream-added', () => undefined)],
        ['join', () => alice.join({ roomId: 1 })],
        ['publish', () => alice.publish(camera)],
        ['unpublish', () => alice.unpublish(camera)],
        ['subscribe', () => alice.subscribe(remote)],
        ['unsubscribe', () => alice.unsubscribe(remote)],
        ['setRemoteVideoStreamType', () => alice.setRemoteVideoStreamType(remote, 'big')],
        ['switchRole', () => alice.switchRole('anchor')],
        ['enableSmallStream', () => alice.enableSmallStream()],
        ['disableSmallStream', () => alice.disableSmallStream()],
        ['setSmallStreamProfile', () => alice.setSmallStreamProfile({ width: 160, height: 120, bitrate: 100, frameRate: 15 })],
        ['setTurnServer', () => alice.setTurnServer({ url: 'turn:127.0.0.1' })],
        ['enableAudioVolumeEvaluation', () => alice.enableAudioVolumeEvaluation(500)],
      ];
      for (const [name, call] of calls) {
        const error = await errorOf(call);
        expect(error.getCode()).withContext(name).toBe(ErrorCode.INVALID_OPERATION);
      }
      // leave() and destroy() stay harmless.
      await alice.leave();
      alice.destroy();
    });
  });

  it('every error is an RtcError whose message names its code (as trtc-js-sdk prints it)', async () => {
    const error = await errorOf(() => client().join({ roomId: 0 }));
    expect(error.message).toMatch(/^<INVALID_PARAMETER 0x1000>: /);
    expect(error.name).toBe('RtcError');
  });
});
