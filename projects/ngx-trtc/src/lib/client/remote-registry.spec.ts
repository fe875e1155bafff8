import { FakeClock, FakeRemoteStream, createSyntheticTracks, fakeRemoteStreamFactory } from 'ngx-trtc/testing';

import type { RoomSnapshot, StreamInfo } from '../signal/protocol';
import { RemoteRegistry } from './remote-registry';

describe('RemoteRegistry', () => {
  let clock: FakeClock;
  let events: { type: string; data: unknown }[];
  let layers: object[];
  let inRoom: boolean;

  function registry(autoSubscribe = false): RemoteRegistry<FakeRemoteStream> {
    return new RemoteRegistry<FakeRemoteStream>({
      clock,
      trackWaitMs: 1500,
      remoteStreamFactory: fakeRemoteStreamFactory,
      autoSubscribe,
      emit: (type, data) => events.push({ type, data }),
      canAnnounce: () => inRoom,
      isInRoom: () => inRoom,
      sendLayer: (message) => layers.push(message),
    });
  }

  function info(streamId: string, userId = 'bob', extra: Partial<StreamInfo> = {}): StreamInfo {
    return {
      streamId,
      userId,
      type: 'main',
      hasAudio: true,
      hasVideo: true,
      audioMuted: false,
      videoMuted: false,
      simulcast: false,
      ...extra,
    };
  }

  function snapshot(streams: StreamInfo[], peers = ['bob']): RoomSnapshot {
    return {
      roomId: 1,
      mode: 'rtc',
      role: 'anchor',
      peers: peers.map((userId) => ({ userId, role: 'anchor' })),
      streams,
      heartbeatIntervalMs: 0,
    };
  }

  /** A MediaStream as the SFU would deliver it, under the publisher's msid. */
  function arriving(id: string, tracks: MediaStreamTrack[]): MediaStream {
    const stream = new MediaStream(tracks);
    Object.defineProperty(stream, 'id', { value: id });
    return stream;
  }

  const typesOf = () => events.map((e) => e.type);

  beforeEach(() => {
    clock = new FakeClock();
    events = [];
    layers = [];
    inRoom = true;
  });

  it('announces a stream once the registry knows it and all its tracks arrived, in either order', () => {
    const r = registry();
    r.applySnapshot(snapshot([info('s1')]), false);
    expect(typesOf()).toEqual(['peer-join']);
    r.onTrack(arriving('s1', createSyntheticTracks()));
    expect(typesOf()).toEqual(['peer-join', 'stream-added']);
    expect(r.streams().map((s) => s.getId())).toEqual(['s1']);

    r.onTrack(arriving('s2', createSyntheticTracks()));
    expect(r.streams().length).toBe(1);
    r.onNotification({ method: 'stream-added', params: { stream: info('s2', 'carol') } });
    expect(r.announced().map((a) => a.userId)).toEqual(['bob', 'carol']);
  });

  it('a stream whose video is missing is announced after trackWaitMs with what came', () => {
    const r = registry();
    r.applySnapshot(snapshot([info('s1')]), false);
    r.onTrack(arriving('s1', createSyntheticTracks({ video: false })));
    clock.tick(1499);
    expect(typesOf()).not.toContain('stream-added');
    clock.tick(1);
    expect(typesOf()).toContain('stream-added');
  });

  it('holds media back until subscribe, then maps {audio, video} and the layer onto the data channel', () => {
    const r = registry(false);
    r.applySnapshot(snapshot([info('s1', 'bob', { simulcast: true })]), false);
    r.onTrack(arriving('s1', createSyntheticTracks()));
    expect(layers).toEqual([{ streamId: 's1', video: 'none', audio: false, framerate: 'high' }]);
    const [stream] = r.streams();
    r.subscribe(stream, { video: false }, 'subscribe');
    r.setVideoStreamType(stream, 'small', 'setRemoteVideoStreamType');
    r.subscribe(stream, {}, 'subscribe');
    expect(layers.slice(1)).toEqual([
      { streamId: 's1', video: 'none', audio: true, framerate: 'high' },
      { streamId: 's1', video: 'none', audio: true, framerate: 'high' },
      { streamId: 's1', video: 'low', audio: true, framerate: 'high' },
    ]);
  });

  it('after a reconnect snapshot: reports who and what went away and mutes that changed, and reuses the stream with the new MediaStream', () => {
    const r = registry();
    r.applySnapshot(snapshot([info('s1'), info('s2', 'carol')], ['bob', 'carol']), false);
    r.onTrack(arriving('s1', createSyntheticTracks()));
    r.onTrack(arriving('s2', createSyntheticTracks()));
    const [bobStream, carolStream] = r.streams();
    events = [];

    r.forgetArrived();
    r.applySnapshot(snapshot([info('s1', 'bob', { audioMuted: true })]), true);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['stream-removed', { stream: carolStream }],
      ['peer-leave', { userId: 'carol' }],
      ['mute-audio', { userId: 'bob' }],
    ]);
    expect(carolStream.disposed).toBeTrue();

    const again = arriving('s1', createSyntheticTracks());
    r.onTrack(again);
    expect(typesOf()).not.toContain('stream-added');
    expect(bobStream.mediaStream).toBe(again);
  });

  it('does not announce before join() resolves; clear() disposes every stream and cancels the track wait', () => {
    inRoom = false;
    const r = registry();
    r.applySnapshot(snapshot([info('s1'), info('s2')]), false);
    r.onTrack(arriving('s1', createSyntheticTracks()));
    expect(typesOf()).not.toContain('stream-added');
    inRoom = true;
    r.announceReady();
    r.onTrack(arriving('s2', createSyntheticTracks({ video: false })));
    const [stream] = r.streams();
    r.clear();
    clock.tick(5000);
    expect(stream.disposed).toBeTrue();
    expect(r.streams()).toEqual([]);
    expect(r.peers()).toEqual([]);
    expect(typesOf().filter((t) => t === 'stream-added').length).toBe(1);
  });
});
