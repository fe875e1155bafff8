import {
  FakeClock,
  FakeLocalStream,
  FakeRemoteStream,
  FakeRoomServer,
  FakeSfu,
  fakeRemoteStreamFactory,
  settle,
} from 'ngx-trtc/testing';

import { ErrorCode, RtcError } from '../errors/rtc-error';
import { RoomClient } from './client';
import { DEFAULT_CLIENT_TIMEOUTS } from './client-options';
import { ClientConfig, ConnectionState } from './client-types';
import { RetryPolicy, createDefaultRetryPolicy } from './retry-policy';

type TestClient = RoomClient<FakeRemoteStream>;

/** 2030-01-01T00:00:00Z, Unix seconds: the end of the bans in these tests. */
const BAN_END = 1_893_456_000;

describe('RoomClient', () => {
  let server: FakeRoomServer;
  let sfu: FakeSfu;
  let clock: FakeClock;
  let clients: TestClient[];
  let retryPolicy: RetryPolicy;

  function createClient(userId: string, config: Partial<ClientConfig> = {}): TestClient {
    const client = new RoomClient<FakeRemoteStream>(
      { sdkAppId: 1400000001, userId, userSig: 'sig', mode: 'rtc', ...config },
      {
        serverUrl: 'ws://fake/rtc',
        webSocketFactory: server.webSocketFactory,
        transportFactory: sfu.transportFactory,
        remoteStreamFactory: fakeRemoteStreamFactory,
        clock,
        retryPolicy,
        timeouts: { ...DEFAULT_CLIENT_TIMEOUTS },
        rtcConfiguration: {},
      },
    );
    clients.push(client);
    return client;
  }

  function joinsOf(userId: string) {
    return server.requestsOf('room.join').filter((r) => (r.params as { userId: string }).userId === userId);
  }

  function record<T>(client: TestClient, event: Parameters<TestClient['on']>[0]): T[] {
    const list: T[] = [];
    client.on(event, (payload: unknown) => list.push(payload as T));
    return list;
  }

  function states(client: TestClient): ConnectionState[] {
    const list: ConnectionState[] = [];
    client.on('connection-state-changed', ({ state }) => list.push(state));
    return list;
  }

  async function rejection(promise: Promise<unknown>): Promise<RtcError> {
    const error = await promise.then(
      () => fail('expected a rejection'),
      (e) => e,
    );
    expect(error).toBeInstanceOf(RtcError);
    return error as RtcError;
  }

  function thrown(fn: () => unknown): RtcError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(RtcError);
      return e as RtcError;
    }
    fail('expected a throw');
    throw new Error('unreachable');
  }

  beforeEach(() => {
    server = new FakeRoomServer({ heartbeatIntervalMs: 5000 });
    sfu = new FakeSfu();
    clock = new FakeClock();
    clients = [];
    retryPolicy = createDefaultRetryPolicy({ random: () => 0 });
  });

  afterEach(async () => {
    for (const client of clients) client.destroy();
    await settle();
  });

  describe('createClient', () => {
    it('rejects bad configs with INVALID_PARAMETER', () => {
      expect(thrown(() => createClient('a', { sdkAppId: 0 })).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect(thrown(() => createClient('bad user!')).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect(thrown(() => createClient('a', { userSig: '' })).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect(thrown(() => createClient('a', { mode: 'meeting' as never })).code).toBe(ErrorCode.INVALID_PARAMETER);
    });

    it("accepts 'videoCall' as 'rtc'", async () => {
      const client = createClient('alice', { mode: 'videoCall' });
      expect(client.mode).toBe('rtc');
      await client.join({ roomId: 1 });
      expect((server.requestsOf('room.join')[0].params as { mode: string }).mode).toBe('rtc');
    });
  });

  describe('join', () => {
    it('goes CONNECTING → CONNECTED and joins room-server, then the SFU', async () => {
      const client = createClient('alice');
      const seen = states(client);
      await client.join({ roomId: 1234 });
      expect(seen).toEqual(['CONNECTING', 'CONNECTED']);
      expect(client.connectionState).toBe('CONNECTED');
      expect(server.requests.map((r) => r.method)).toEqual(['room.join', 'join']);
      expect(server.requestsOf('room.join')[0].params).toEqual({
        sdkAppId: 1400000001,
        userId: 'alice',
        userSig: 'sig',
        roomId: 1234,
        mode: 'rtc',
      });
      expect(sfu.current!.joinConfig).toEqual({});
    });

    it('rejects bad options with INVALID_PARAMETER without connecting', async () => {
      const client = createClient('alice');
      expect((await rejection(client.join({ roomId: 0 }))).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect((await rejection(client.join({ roomId: 1.5 }))).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect((await rejection(client.join({ roomId: 'abc' }))).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect((await rejection(client.join({ roomId: 1, role: 'king' as never }))).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect((await rejection(client.join(undefined as never))).code).toBe(ErrorCode.INVALID_PARAMETER);
      expect(server.connections.length).toBe(0);
    });

    it('takes string room ids with useStringRoomId', async () => {
      const client = createClient('alice', { useStringRoomId: true });
      await client.join({ roomId: 'team-42' });
      expect((server.requestsOf('room.join')[0].params as { roomId: unknown }).roomId).toBe('team-42');
    });

    it('rejects a second join with INVALID_OPERATION', async () => {
      const client = createClient('alice');
      await client.join({ roomId: 1 });
      expect((await rejection(client.join({ roomId: 1 }))).code).toBe(ErrorCode.INVALID_OPERATION);
    });

    it('rejects with JOIN_ROOM_FAILED and the room-server code when the UserSig is refused', async () => {
      const client = createClient('alice', { userSig: 'expired' });
      const seen = states(client);
      const error = await rejection(client.join({ roomId: 1 }));
      expect(error.getCode()).toBe(ErrorCode.JOIN_ROOM_FAILED);
      expect(error.getExtraCode()).toBe(4012);
      expect(seen).toEqual(['CONNECTING', 'DISCONNECTED']);
      // The client can join again afterwards.
      expect(client.connectionState).toBe('DISCONNECTED');
    });

    it('rejects with SIGNAL_CHANNEL_SETUP_FAILED when room-server cannot be reached', async () => {
      server.refuseConnections = true;
      const client = createClient('alice');
      const error = await rejection(client.join({ roomId: 1 }));
      expect(error.code).toBe(ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED);
      expect(client.connectionState).toBe('DISCONNECTED');
    });

    it('rejects with API_CALL_TIMEOUT when room-server does not answer room.join', async () => {
      server.unansweredMethods.add('room.join');
      const client = createClient('alice');
      const joining = rejection(client.join({ roomId: 1 }));
      await clock.advance(DEFAULT_CLIENT_TIMEOUTS.requestMs);
      expect((await joining).code).toBe(ErrorCode.API_CALL_TIMEOUT);
      expect(client.connectionState).toBe('DISCONNECTED');
    });

    it('rejects with API_CALL_TIMEOUT when ICE never connects (ion-sdk-js would hang)', async () => {
      sfu.behaviour.iceNeverConnects = true;
      const client = createClient('alice');
      const joining = rejection(client.join({ roomId: 1 }));
      await clock.advance(DEFAULT_CLIENT_TIMEOUTS.mediaJoinMs);
      const error = await joining;
      expect(error.code).toBe(ErrorCode.API_CALL_TIMEOUT);
      expect(error.message).toContain('ICE');
      expect(sfu.transports[0].closed).toBeTrue();
      expect(server.members.length).toBe(0);
    });

    it('leave() during join aborts it', async () => {
      server.unansweredMethods.add('room.join');
      const client = createClient('alice');
      const joining = rejection(client.join({ roomId: 1 }));
      await settle();
      await client.leave();
      expect((await joining).code).toBe(ErrorCode.API_CALL_ABORTED);
      expect(client.connectionState).toBe('DISCONNECTED');
    });
  });

  describe('room events', () => {
    it('reports peers already in the room and those who join and leave', async () => {
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const alice = createClient('alice');
      const joins = record<{ userId: string }>(alice, 'peer-join');
      const leaves = record<{ userId: string }>(alice, 'peer-leave');
      await alice.join({ roomId: 1 });
      expect(joins).toEqual([{ userId: 'bob' }]);
      const carol = createClient('carol');
      await carol.join({ roomId: 1 });
      await settle();
      expect(joins.map((j) => j.userId)).toEqual(['bob', 'carol']);
      await bob.leave();
      await settle();
      expect(leaves).toEqual([{ userId: 'bob' }]);
      expect(alice.getPeers().map((p) => p.userId)).toEqual(['carol']);
    });

    it('emits stream-added once, after the tracks arrived, with userId and type; then stream-subscribed', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const added = record<{ stream: FakeRemoteStream }>(alice, 'stream-added');
      const subscribed = record<{ stream: FakeRemoteStream }>(alice, 'stream-subscribed');
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const camera = new FakeLocalStream('bob');
      await bob.publish(camera);
      await settle();
      expect(added.length).toBe(1);
      const remote = added[0].stream;
      expect(remote.getUserId()).toBe('bob');
      expect(remote.getType()).toBe('main');
      expect(remote.getId()).toBe(camera.mediaStream.id);
      expect(remote.mediaStream!.getAudioTracks().length).toBe(1);
      expect(remote.mediaStream!.getVideoTracks().length).toBe(1);
      expect(subscribed.map((s) => s.stream)).toEqual([remote]);
      expect(alice.getRemoteStreams()).toEqual([remote]);
      camera.close();
    });

    it('announces streams published before joining', async () => {
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const screen = new FakeLocalStream('bob', { audio: false, type: 'auxiliary' });
      await bob.publish(screen);
      const alice = createClient('alice');
      const added = record<{ stream: FakeRemoteStream }>(alice, 'stream-added');
      await alice.join({ roomId: 1 });
      await settle();
      expect(added.length).toBe(1);
      expect(added[0].stream.getType()).toBe('auxiliary');
      screen.close();
    });

    it('relays mute/unmute and stream-removed', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const mutes = record<{ userId: string }>(alice, 'mute-audio');
      const removed = record<{ stream: FakeRemoteStream }>(alice, 'stream-removed');
      const added = record<{ stream: FakeRemoteStream }>(alice, 'stream-added');
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const camera = new FakeLocalStream('bob');
      await bob.publish(camera);
      await settle();
      camera.muteAudio();
      await settle();
      expect(mutes).toEqual([{ userId: 'bob' }]);
      expect(alice.getRemoteMutedState()).toEqual([
        { userId: 'bob', hasAudio: true, hasVideo: true, hasSmall: false, audioMuted: true, videoMuted: false },
      ]);
      expect(added[0].stream.info.audioMuted).toBeTrue();
      await bob.unpublish(camera);
      await settle();
      expect(removed.map((r) => r.stream)).toEqual([added[0].stream]);
      expect(added[0].stream.disposed).toBeTrue();
      expect(camera.link).toBeNull();
      camera.close();
    });

    it('with autoSubscribe false holds media back until subscribe(), which maps {audio, video} onto the data channel', async () => {
      const alice = createClient('alice', { autoSubscribe: false });
      await alice.join({ roomId: 1 });
      const added = record<{ stream: FakeRemoteStream }>(alice, 'stream-added');
      const subscribed = record<{ stream: FakeRemoteStream }>(alice, 'stream-subscribed');
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const camera = new FakeLocalStream('bob');
      await bob.publish(camera);
      await settle();
      const transport = sfu.transports[0];
      const streamId = camera.mediaStream.id;
      expect(subscribed.length).toBe(0);
      expect(transport.apiMessages.at(-1)).toEqual({ streamId, video: 'none', audio: false, framerate: 'high' });
      await alice.subscribe(added[0].stream, { video: false });
      expect(transport.apiMessages.at(-1)).toEqual({ streamId, video: 'none', audio: true, framerate: 'high' });
      expect(subscribed.length).toBe(1);
      await alice.subscribe(added[0].stream);
      expect(transport.apiMessages.at(-1)).toEqual({ streamId, video: 'high', audio: true, framerate: 'high' });
      await alice.unsubscribe(added[0].stream);
      expect(transport.apiMessages.at(-1)).toEqual({ streamId, video: 'none', audio: false, framerate: 'high' });
      camera.close();
    });

    it('a subscribe() inside the stream-added handler gives exactly one stream-subscribed', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const subscribed = record<unknown>(alice, 'stream-subscribed');
      alice.on('stream-added', ({ stream }) => void alice.subscribe(stream));
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const camera = new FakeLocalStream('bob');
      await bob.publish(camera);
      await settle();
      expect(subscribed.length).toBe(1);
      camera.close();
    });

    it('subscribe of an unknown stream → REMOTE_STREAM_NOT_EXIST; before join → INVALID_OPERATION', async () => {
      const alice = createClient('alice');
      const stranger = fakeRemoteStreamFactory(
        { streamId: 'x', userId: 'x', type: 'main', hasAudio: true, hasVideo: true, audioMuted: false, videoMuted: false, simulcast: false },
        new MediaStream(),
        { setLayer: () => undefined },
      );
      expect((await rejection(alice.subscribe(stranger))).code).toBe(ErrorCode.INVALID_OPERATION);
      await alice.join({ roomId: 1 });
      expect((await rejection(alice.subscribe(stranger))).code).toBe(ErrorCode.REMOTE_STREAM_NOT_EXIST);
      expect((await rejection(alice.subscribe(null as never))).code).toBe(ErrorCode.INVALID_PARAMETER);
    });

    it('a second client with the same userId kicks the first: client-banned {reason: kick}, DISCONNECTED, no reconnect', async () => {
      const first = createClient('alice');
      await first.join({ roomId: 1 });
      const banned = record<{ reason: string; message: string }>(first, 'client-banned');
      const seen = states(first);
      const second = createClient('alice');
      await second.join({ roomId: 1 });
      await settle();
      expect(banned.length).toBe(1);
      expect(banned[0].reason).toBe('kick');
      expect(seen).toEqual(['DISCONNECTED']);
      await clock.advance(10_000);
      expect(first.connectionState).toBe('DISCONNECTED');
      expect(second.connectionState).toBe('CONNECTED');
    });

    it('an admin ban: client-banned {reason: banned, message}, DISCONNECTED, no reconnect', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const banned = record<{ reason: string; message: string }>(alice, 'client-banned');
      const errors = record<RtcError>(alice, 'error');
      const bobLeaves = record<{ userId: string }>(bob, 'peer-leave');
      const seen = states(alice);
      server.ban('alice', { expiresAt: BAN_END, reason: 'spam' });
      await settle();
      expect(banned).toEqual([{ reason: 'banned', message: 'banned from this room until 2030-01-01T00:00:00Z: spam' }]);
      expect(seen).toEqual(['DISCONNECTED']);
      expect(bobLeaves).toEqual([{ userId: 'alice' }]);
      await clock.advance(30_000);
      expect(joinsOf('alice').length).toBe(1);
      expect(errors).toEqual([]);
      expect(alice.connectionState).toBe('DISCONNECTED');
      expect(alice.getPeers()).toEqual([]);
    });

    it('join() while banned rejects with CLIENT_BANNED saying until when; after the ban is lifted it joins', async () => {
      server.ban('alice', { expiresAt: BAN_END, reason: 'spam' });
      const alice = createClient('alice');
      const seen = states(alice);
      const banned = record<unknown>(alice, 'client-banned');
      const error = await rejection(alice.join({ roomId: 1 }));
      expect(error.getCode()).toBe(ErrorCode.CLIENT_BANNED);
      expect(error.getExtraCode()).toBe(4032);
      expect(error.message).toBe('<CLIENT_BANNED 0x4040>: join: banned from this room until 2030-01-01T00:00:00Z: spam');
      expect(seen).toEqual(['CONNECTING', 'DISCONNECTED']);
      expect(banned).withContext('the rejection reports it; no event as well').toEqual([]);
      await clock.advance(30_000);
      expect(joinsOf('alice').length).toBe(1);
      server.unban('alice');
      await alice.join({ roomId: 1 });
      expect(alice.connectionState).toBe('CONNECTED');
    });

    it('a 4000 close whose client-banned was lost ends the session the same way, without reconnecting', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const banned = record<{ reason: string }>(alice, 'client-banned');
      const seen = states(alice);
      server.connectionOf('alice')!.socket.serverClose(4000, 'kick');
      await settle();
      expect(banned.map((b) => b.reason)).toEqual(['kick']);
      expect(seen).toEqual(['DISCONNECTED']);
      await clock.advance(30_000);
      expect(joinsOf('alice').length).toBe(1);
    });

    it('emits audio-volume with levels 0–100 of local and remote streams', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const mine = new FakeLocalStream('alice');
      mine.audioLevel = 0.5;
      await alice.publish(mine);
      const theirs = new FakeLocalStream('bob');
      await bob.publish(theirs);
      await settle();
      alice.getRemoteStreams()[0].audioLevel = 0.123;
      const volumes = record<{ result: { userId: string; audioVolume: number }[] }>(alice, 'audio-volume');
      alice.enableAudioVolumeEvaluation(500);
      await clock.advance(500);
      expect(volumes.length).toBe(1);
      expect(volumes[0].result.map(({ userId, audioVolume }) => ({ userId, audioVolume }))).toEqual([
        { userId: 'alice', audioVolume: 50 },
        { userId: 'bob', audioVolume: 12 },
      ]);
      alice.enableAudioVolumeEvaluation(-1);
      await clock.advance(2000);
      expect(volumes.length).toBe(1);
      mine.close();
      theirs.close();
    });

    it('emits network-quality every 2 s from the connections’ stats', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const transport = sfu.current!;
      transport.stats.subscriber = statsReport([
        { id: 'cp', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.03 },
        { id: 'in', type: 'inbound-rtp', kind: 'video', packetsReceived: 1000, packetsLost: 0 },
      ]);
      const qualities = record<{ downlinkNetworkQuality: number; downlinkRTT: number; uplinkNetworkQuality: number }>(
        alice,
        'network-quality',
      );
      await clock.advance(2000);
      expect(qualities.length).toBe(1);
      expect(qualities[0].downlinkNetworkQuality).toBe(1);
      expect(qualities[0].downlinkRTT).toBe(30);
      expect(qualities[0].uplinkNetworkQuality).toBe(0);
      transport.stats.subscriber = statsReport([
        { id: 'cp', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.3 },
        { id: 'in', type: 'inbound-rtp', kind: 'video', packetsReceived: 1800, packetsLost: 200 },
      ]);
      await clock.advance(2000);
      expect(qualities.length).toBe(2);
      // 20 % loss is 'bad' (4) on TRTC's scale, whatever the RTT.
      expect(qualities[1].downlinkNetworkQuality).toBe(4);
    });
  });

  describe('publish', () => {
    it('announces the stream (msid, type, tracks, mute state) before the offer that carries it', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const camera = new FakeLocalStream('alice');
      await alice.publish(camera);
      const methods = server.requests.map((r) => r.method);
      expect(methods.slice(-2)).toEqual(['stream.publish', 'offer']);
      expect(server.requestsOf('stream.publish')[0].params).toEqual({
        streamId: camera.mediaStream.id,
        type: 'main',
        hasAudio: true,
        hasVideo: true,
        audioMuted: false,
        videoMuted: false,
        simulcast: false,
      });
      expect(camera.link).not.toBeNull();
      expect(alice.getLocalStreams()).toEqual([camera]);
      camera.close();
    });

    it('caps the senders with the stream\'s profile bitrates, and re-applies them when the profile changes', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const camera = new FakeLocalStream('alice');
      let hints = { videoBitrateKbps: 900, audioBitrateKbps: 48, frameRate: 15 };
      Object.assign(camera, { getEncodingHints: () => hints });
      await alice.publish(camera);
      const limits = () => sfu.transports[0].encodingLimits.get(camera.mediaStream.id);
      expect(limits()).toEqual({ videoMaxBitrateKbps: 900, audioMaxBitrateKbps: 48, maxFramerate: 15 });

      hints = { videoBitrateKbps: 350, audioBitrateKbps: 48, frameRate: 15 };
      await camera.link!.updateEncodings!();
      expect(limits()).toEqual(jasmine.objectContaining({ videoMaxBitrateKbps: 350 }));
      camera.close();
    });

    it('publishes {isAuxiliary: true} as the auxiliary stream', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const screen = new FakeLocalStream('alice', { audio: false });
      await alice.publish(screen, { isAuxiliary: true });
      expect((server.requestsOf('stream.publish')[0].params as { type: string }).type).toBe('auxiliary');
      screen.close();
    });

    it('refuses wrong state and wrong arguments', async () => {
      const alice = createClient('alice');
      const camera = new FakeLocalStream('alice');
      expect((await rejection(alice.publish(camera))).code).toBe(ErrorCode.INVALID_OPERATION);
      await alice.join({ roomId: 1 });
      expect((await rejection(alice.publish({} as never))).code).toBe(ErrorCode.INVALID_PARAMETER);
      await alice.publish(camera);
      expect((await rejection(alice.publish(camera))).code).toBe(ErrorCode.INVALID_OPERATION);
      const another = new FakeLocalStream('alice');
      expect((await rejection(alice.publish(another))).code).toBe(ErrorCode.INVALID_OPERATION);
      expect((await rejection(alice.unpublish(another))).code).toBe(ErrorCode.INVALID_OPERATION);
      const empty = new FakeLocalStream('alice', { tracks: [] });
      await alice.unpublish(camera);
      expect((await rejection(alice.publish(empty))).code).toBe(ErrorCode.INVALID_OPERATION);
      camera.close();
      another.close();
    });

    it('publishes simulcast (rid q + f) after enableSmallStream, which is refused while published', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      alice.setSmallStreamProfile({ width: 160, height: 120, bitrate: 100, frameRate: 15 });
      await alice.enableSmallStream();
      const camera = new FakeLocalStream('alice');
      const publishSpy = spyOn(sfu.current!, 'publish').and.callThrough();
      await alice.publish(camera);
      const options = publishSpy.calls.mostRecent().args[2]!;
      expect(options.simulcast!.map((e) => e.rid)).toEqual(['q', 'f']);
      expect(options.simulcast![0].maxBitrate).toBe(100_000);
      expect((server.requestsOf('stream.publish')[0].params as { simulcast: boolean }).simulcast).toBeTrue();
      expect((await rejection(alice.disableSmallStream())).code).toBe(ErrorCode.INVALID_OPERATION);
      expect(thrown(() => alice.setSmallStreamProfile({ width: 0 } as never)).code).toBe(ErrorCode.INVALID_PARAMETER);
      camera.close();
    });

    it('setRemoteVideoStreamType picks the low layer of a simulcast stream', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const added = record<{ stream: FakeRemoteStream }>(alice, 'stream-added');
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      await bob.enableSmallStream();
      const camera = new FakeLocalStream('bob');
      await bob.publish(camera);
      await settle();
      await alice.setRemoteVideoStreamType(added[0].stream, 'small');
      expect(sfu.transports[0].apiMessages.at(-1)).toEqual(
        jasmine.objectContaining({ streamId: camera.mediaStream.id, video: 'low', audio: true }),
      );
      expect(alice.getRemoteMutedState()[0].hasSmall).toBeTrue();
      await alice.setRemoteVideoStreamType(added[0].stream, 'big');
      expect(sfu.transports[0].apiMessages.at(-1)).toEqual(jasmine.objectContaining({ video: 'high' }));
      camera.close();
    });
  });

  describe('live mode', () => {
    it('an audience cannot publish; after switchRole(anchor) it can, and the anchor sees the stream', async () => {
      const anchor = createClient('host', { mode: 'live' });
      await anchor.join({ roomId: 9, role: 'anchor' });
      const added = record<{ stream: FakeRemoteStream }>(anchor, 'stream-added');
      const viewer = createClient('viewer', { mode: 'live' });
      await viewer.join({ roomId: 9, role: 'audience' });
      expect((joinsOf('viewer')[0].params as { role: string }).role).toBe('audience');
      const camera = new FakeLocalStream('viewer');
      expect((await rejection(viewer.publish(camera))).code).toBe(ErrorCode.INVALID_OPERATION);
      await viewer.switchRole('anchor');
      expect(viewer.role).toBe('anchor');
      await viewer.publish(camera);
      await settle();
      expect(added.map((a) => a.stream.getUserId())).toEqual(['viewer']);
      camera.close();
    });

    it('switchRole(audience) unpublishes first', async () => {
      const host = createClient('host', { mode: 'live' });
      await host.join({ roomId: 9 });
      const camera = new FakeLocalStream('host');
      await host.publish(camera);
      await host.switchRole('audience');
      expect(server.requests.map((r) => r.method).slice(-3)).toEqual(['offer', 'stream.unpublish', 'room.switchRole']);
      expect(camera.link).toBeNull();
      camera.close();
    });

    it('switchRole failures → SWITCH_ROLE_FAILED with the room-server code; rtc mode → INVALID_OPERATION', async () => {
      const viewer = createClient('viewer', { mode: 'live' });
      await viewer.join({ roomId: 9, role: 'audience' });
      server.failNext.set('room.switchRole', { code: 4016, message: 'PRIVILEGE_DENIED' });
      const error = await rejection(viewer.switchRole('anchor'));
      expect(error.code).toBe(ErrorCode.SWITCH_ROLE_FAILED);
      expect(error.extraCode).toBe(4016);
      expect(viewer.role).toBe('audience');
      expect((await rejection(viewer.switchRole('boss' as never))).code).toBe(ErrorCode.INVALID_PARAMETER);
      const rtc = createClient('rtc-user');
      await rtc.join({ roomId: 9 });
      expect((await rejection(rtc.switchRole('audience'))).code).toBe(ErrorCode.INVALID_OPERATION);
    });
  });

  describe('leave and destroy', () => {
    it('leave() tells room-server, closes everything and goes DISCONNECTED', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const camera = new FakeLocalStream('alice');
      await alice.publish(camera);
      const seen = states(alice);
      await alice.leave();
      expect(seen).toEqual(['DISCONNECTED']);
      expect(server.requestsOf('room.leave').length).toBe(1);
      expect(sfu.current).toBeUndefined();
      expect(camera.link).toBeNull();
      expect(clock.pendingTimers).toBe(0);
      await alice.leave(); // harmless when not in a room
      await alice.join({ roomId: 1 });
      expect(alice.connectionState).toBe('CONNECTED');
      camera.close();
    });

    it('after destroy(), calls fail with INVALID_OPERATION', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      alice.destroy();
      await settle();
      expect(server.members.length).toBe(0);
      expect((await rejection(alice.join({ roomId: 1 }))).code).toBe(ErrorCode.INVALID_OPERATION);
      expect(thrown(() => alice.on('peer-join', () => undefined)).code).toBe(ErrorCode.INVALID_OPERATION);
    });

    it('on/off/once with a context, and off("*")', async () => {
      const alice = createClient('alice');
      const context = { calls: 0 };
      function handler(this: typeof context) {
        this.calls++;
      }
      alice.on('connection-state-changed', handler, context);
      let onceCalls = 0;
      alice.once('connection-state-changed', () => onceCalls++);
      await alice.join({ roomId: 1 });
      expect(context.calls).toBe(2);
      expect(onceCalls).toBe(1);
      alice.off('connection-state-changed', handler, context);
      await alice.leave();
      expect(context.calls).toBe(2);
      const all: string[] = [];
      alice.onEvent((e) => all.push(e.type));
      alice.on('connection-state-changed', () => all.push('handler'));
      alice.off('*');
      await alice.join({ roomId: 1 });
      expect(all).toEqual(['connection-state-changed', 'connection-state-changed']);
    });
  });

  describe('reconnection', () => {
    async function callInProgress() {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const bob = createClient('bob');
      await bob.join({ roomId: 1 });
      const camera = new FakeLocalStream('bob');
      await bob.publish(camera);
      await settle();
      return { alice, bob, camera };
    }

    it('a dropped link → RECONNECTING at once, then CONNECTED; streams re-published with the same id, no duplicate stream-added', async () => {
      const { alice, bob, camera } = await callInProgress();
      const aliceAdded = record<{ stream: FakeRemoteStream }>(alice, 'stream-added');
      const bobStates = states(bob);
      const reconnected = record<{ attempts: number }>(bob, 'reconnected');
      const remote = alice.getRemoteStreams()[0];
      server.drop('bob');
      await server.drained();
      expect(bob.connectionState).toBe('RECONNECTING');
      await clock.advance(0);
      await settle();
      expect(bobStates).toEqual(['RECONNECTING', 'CONNECTED']);
      expect(reconnected[0].attempts).toBe(1);
      const publishes = server.requestsOf('stream.publish', 'bob');
      expect(publishes.length).toBe(2);
      expect((publishes[1].params as { streamId: string }).streamId).toBe(camera.mediaStream.id);
      expect(camera.link).not.toBeNull();
      // FakeRoomServer models no reconnect grace: alice saw bob leave and come back, a new stream for her.
      // (The real room-server hides this; e2e/specs/reliability/faults.spec.ts checks that.)
      expect(aliceAdded.length).toBe(1);
      expect(aliceAdded[0].stream).not.toBe(remote);
      camera.close();
    });

    it('the subscriber side reconnects without a duplicate stream-added; the remote stream gets the new MediaStream', async () => {
      const { alice, camera } = await callInProgress();
      const added = record<unknown>(alice, 'stream-added');
      const removed = record<unknown>(alice, 'stream-removed');
      const remote = alice.getRemoteStreams()[0];
      server.drop('alice');
      await server.drained();
      expect(alice.connectionState).toBe('RECONNECTING');
      await clock.advance(0);
      await settle();
      expect(alice.connectionState).toBe('CONNECTED');
      expect(added.length).toBe(0);
      expect(removed.length).toBe(0);
      expect(alice.getRemoteStreams()).toEqual([remote]);
      expect(remote.mediaStreams.length).toBe(2);
      expect(remote.mediaStream).not.toBe(remote.mediaStreams[0]);
      expect(remote.mediaStream!.id).toBe(camera.mediaStream.id);
      // The subscription is restored on the new data channel.
      expect(sfu.current!.apiMessages.at(-1)).toEqual(jasmine.objectContaining({ streamId: remote.getId(), video: 'high' }));
      camera.close();
    });

    it('reports changes that happened while away (peer left, stream removed)', async () => {
      const { alice, bob, camera } = await callInProgress();
      const leaves = record<{ userId: string }>(alice, 'peer-leave');
      const removed = record<unknown>(alice, 'stream-removed');
      server.refuseConnections = true;
      server.drop('alice');
      await clock.advance(0);
      await bob.leave();
      server.refuseConnections = false;
      await clock.advance(300);
      expect(alice.connectionState).toBe('CONNECTED');
      expect(leaves).toEqual([{ userId: 'bob' }]);
      expect(removed.length).toBe(1);
      expect(alice.getRemoteStreams()).toEqual([]);
      camera.close();
    });

    it('retries per the policy and gives up with SIGNAL_CHANNEL_RECONNECTION_FAILED and DISCONNECTED', async () => {
      retryPolicy = createDefaultRetryPolicy({ delaysMs: [0, 300, 1200], maxJitterMs: 0, maxElapsedMs: 3000 });
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const errors = record<RtcError>(alice, 'error');
      const seen = states(alice);
      server.refuseConnections = true;
      server.drop('alice');
      await clock.advance(0);
      await clock.advance(300);
      await clock.advance(1200);
      await clock.advance(1200);
      // Attempts at 0, 300, 1500 and 2700 ms; the next would pass 3000 ms.
      expect(server.connections.length).toBe(1 + 4);
      expect(seen).toEqual(['RECONNECTING', 'DISCONNECTED']);
      expect(errors.length).toBe(1);
      expect(errors[0].code).toBe(ErrorCode.SIGNAL_CHANNEL_RECONNECTION_FAILED);
      expect(clock.pendingTimers).toBe(0);
    });

    it('uses an injected retry policy with attempt and elapsed time', async () => {
      const contexts: { attempt: number; elapsedMs: number; reason: string }[] = [];
      retryPolicy = {
        nextRetryDelayMs: (ctx) => {
          contexts.push({ attempt: ctx.attempt, elapsedMs: ctx.elapsedMs, reason: ctx.reason });
          return ctx.attempt < 2 ? 1000 : null;
        },
      };
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      server.refuseConnections = true;
      server.drop('alice');
      await clock.advance(1000);
      await clock.advance(1000);
      expect(contexts).toEqual([
        { attempt: 0, elapsedMs: 0, reason: 'signal-lost' },
        { attempt: 1, elapsedMs: 1000, reason: 'signal-lost' },
        { attempt: 2, elapsedMs: 2000, reason: 'signal-lost' },
      ]);
      expect(alice.connectionState).toBe('DISCONNECTED');
    });

    it('stops retrying when the UserSig is refused', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const errors = record<RtcError>(alice, 'error');
      server.failNext.set('room.join', { code: 4012, message: 'USERSIG_EXPIRED' });
      server.drop('alice');
      await clock.advance(0);
      await settle();
      expect(alice.connectionState).toBe('DISCONNECTED');
      expect(errors[0].code).toBe(ErrorCode.SIGNAL_CHANNEL_RECONNECTION_FAILED);
      expect(errors[0].extraCode).toBe(4012);
    });

    it('banned while away: the re-join is refused once, then client-banned {reason: banned} and DISCONNECTED, no retry loop', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const errors = record<RtcError>(alice, 'error');
      const banned = record<{ reason: string; message: string }>(alice, 'client-banned');
      const reconnected = record<unknown>(alice, 'reconnected');
      const seen = states(alice);
      server.drop('alice');
      server.ban('alice', { expiresAt: BAN_END });
      await clock.advance(0);
      await settle();
      expect(seen).toEqual(['RECONNECTING', 'DISCONNECTED']);
      expect(banned).toEqual([{ reason: 'banned', message: 'banned from this room until 2030-01-01T00:00:00Z' }]);
      expect(errors).toEqual([]);
      expect(joinsOf('alice').length).toBe(2);
      await clock.advance(60_000);
      expect(joinsOf('alice').length).toBe(2);
      expect(reconnected).toEqual([]);
      expect(clock.pendingTimers).toBe(0);
    });

    it('leave() while reconnecting stops the retries', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      server.refuseConnections = true;
      server.drop('alice');
      await clock.advance(0);
      expect(alice.connectionState).toBe('RECONNECTING');
      await alice.leave();
      const connections = server.connections.length;
      await clock.advance(20_000);
      expect(server.connections.length).toBe(connections);
      expect(alice.connectionState).toBe('DISCONNECTED');
    });

    it('a heartbeat timeout (silent link) → RECONNECTING', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      server.unansweredMethods.add('rtc.ping');
      await clock.advance(5000);
      expect(server.requestsOf('rtc.ping').length).toBe(1);
      expect(alice.connectionState).toBe('CONNECTED');
      const seen = states(alice);
      await clock.advance(DEFAULT_CLIENT_TIMEOUTS.requestMs);
      expect(seen).toEqual(['RECONNECTING', 'CONNECTED']);
      expect(joinsOf('alice').length).toBe(2);
    });

    it('sfu-error → a new SFU session on the same connection; others see no peer-leave', async () => {
      const { alice, bob, camera } = await callInProgress();
      const mine = new FakeLocalStream('alice');
      await alice.publish(mine);
      await settle();
      const bobLeaves = record<unknown>(bob, 'peer-leave');
      const bobAdded = record<unknown>(bob, 'stream-added');
      const seen = states(alice);
      const remote = alice.getRemoteStreams()[0];
      server.sfuError('alice');
      await settle();
      expect(seen).toEqual(['RECONNECTING', 'CONNECTED']);
      expect(joinsOf('alice').length).toBe(1);
      expect(server.requestsOf('join', 'alice').length).toBe(2);
      expect(server.requestsOf('stream.publish', 'alice').length).toBe(1);
      expect(server.connectionOf('alice')!.sfuStreams.has(mine.mediaStream.id)).toBeTrue();
      expect(bobLeaves.length).toBe(0);
      expect(bobAdded.length).toBe(0);
      expect(remote.mediaStreams.length).toBe(2);
      camera.close();
      mine.close();
    });

    it('publisher ICE disconnected → ICE restart after the grace period; still down → re-join', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const transport = sfu.current!;
      transport.setIceState('publisher', 'disconnected');
      await clock.advance(DEFAULT_CLIENT_TIMEOUTS.iceDisconnectedGraceMs - 1);
      expect(transport.restartIceCalls).toBe(0);
      await clock.advance(1);
      expect(transport.restartIceCalls).toBe(1);
      expect(alice.connectionState).toBe('CONNECTED');
      await clock.advance(DEFAULT_CLIENT_TIMEOUTS.iceRestartMs);
      await settle();
      expect(transport.closed).toBeTrue();
      expect(alice.connectionState).toBe('CONNECTED');
      expect(joinsOf('alice').length).toBe(2);
    });

    it('ICE recovering within the grace period does nothing', async () => {
      const alice = createClient('alice');
      await alice.join({ roomId: 1 });
      const transport = sfu.current!;
      transport.setIceState('publisher', 'disconnected');
      await clock.advance(1000);
      transport.setIceState('publisher', 'connected');
      await clock.advance(20_000);
      expect(transport.restartIceCalls).toBe(0);
      expect(transport.closed).toBeFalse();
    });
  });
});

function statsReport(stats: Record<string, unknown>[]): RTCStatsReport {
  return new Map(stats.map((s) => [s['id'] as string, s])) as unknown as RTCStatsReport;
}
