import TRTC, { createClient, setServerUrl } from './trtc';
import type { Client } from './trtc';
import { ErrorCode, RtcError } from '../errors/rtc-error';
import { getTrtcDefaults, resetTrtcDefaults } from './trtc-defaults';
import type { ClientConfig, JoinOptions, NetworkQuality, RemoteMutedState } from '../client/client-types';
import type { RemoteStream } from '../stream/remote-stream';
import type { LocalStream } from '../stream/local-stream';

/**
 * The seed tutorials' code, as written for trtc-js-sdk v4. It is never run:
 * the spec passes if it type-checks against ngx-trtc's TRTC facade.
 */
async function seedTutorials(sdkAppId: number, userId: string, userSig: string): Promise<void> {
  // Basic video call
  const client = TRTC.createClient({ mode: 'rtc', sdkAppId, userId, userSig });
  client.on('stream-added', (event) => {
    const remoteStream = event.stream;
    console.log('remote stream added: ' + remoteStream.getId() + ' of ' + remoteStream.getUserId());
    client.subscribe(remoteStream, { audio: true, video: true }).catch((e: RtcError) => console.error(e.getCode()));
  });
  client.on('stream-subscribed', (event) => {
    const remoteStream = event.stream;
    remoteStream.play('remote_' + remoteStream.getId());
  });
  client.on('stream-removed', (event) => event.stream.stop());
  client.on('stream-updated', (event) => console.log(event.stream.hasVideo(), event.stream.getType()));
  client.on('peer-join', (event) => console.log(event.userId));
  client.on('peer-leave', (event) => console.log(event.userId));
  client.on('mute-audio', (event) => console.log(event.userId));
  client.on('unmute-video', (event) => console.log(event.userId));
  client.on('connection-state-changed', (event) => console.log(event.prevState, event.state));
  client.on('client-banned', (error) => console.log(error.reason, error.message));
  client.on('network-quality', (event: NetworkQuality) => console.log(event.uplinkNetworkQuality, event.downlinkRTT));
  client.on('audio-volume', (event) => event.result.forEach(({ userId, audioVolume, stream }) => console.log(userId, audioVolume, stream.getUserId())));
  client.on('error', (error) => console.error(error.getCode(), error.message));
  await client.join({ roomId: 8888 });

  const localStream = TRTC.createStream({ userId, audio: true, video: true });
  localStream.setVideoProfile('480p');
  await localStream.initialize();
  localStream.play('local_stream');
  await client.publish(localStream);
  localStream.muteAudio();
  localStream.unmuteAudio();
  await client.unpublish(localStream);

  const screen = TRTC.createStream({ userId: 'share_' + userId, audio: false, screen: true });
  await screen.initialize();
  await client.publish(screen, { isAuxiliary: true });

  const states: RemoteMutedState[] = client.getRemoteMutedState();
  states.forEach((s) => console.log(s.userId, s.audioMuted, s.videoMuted, s.hasSmall));
  const transport = await client.getTransportStats();
  console.log(transport.rtt, transport.downlinksRTT);
  const video = await client.getLocalVideoStats();
  Object.keys(video).forEach((id) => console.log(video[id].bytesSent, video[id].frameWidth));
  const remoteAudio = await client.getRemoteAudioStats();
  Object.keys(remoteAudio).forEach((id) => console.log(remoteAudio[id].packetsLost));
  client.enableAudioVolumeEvaluation(200);
  await client.enableSmallStream();
  client.setSmallStreamProfile({ width: 160, height: 120, bitrate: 100, frameRate: 15 });
  client.setTurnServer({ url: 'turn:turn.example.com:3478', username: 'u', credential: 'p' });
  client.on('stream-added', ({ stream }) => client.setRemoteVideoStreamType(stream, 'small'));
  await client.leave();
  client.destroy();

  // Live streaming
  const live = TRTC.createClient({ mode: 'live', sdkAppId, userId, userSig });
  await live.join({ roomId: 8888, role: 'audience' });
  await live.switchRole('anchor');
  await live.publish(localStream);
  await live.switchRole('audience');
  await live.leave();

  // Environment
  const check = await TRTC.checkSystemRequirements();
  if (!check.result || !check.detail.isH264EncodeSupported || !check.detail.isWebRTCSupported) console.log('unsupported');
  console.log(TRTC.isScreenShareSupported(), TRTC.isSmallStreamSupported(), TRTC.VERSION);
  const cameras = await TRTC.getCameras();
  cameras.forEach((d) => console.log(d.deviceId, d.label));
  const microphones = await TRTC.getMicrophones();
  await localStream.switchDevice('audio', microphones[0].deviceId);
  const speakers = await TRTC.getSpeakers();
  console.log(speakers.length, (await TRTC.getDevices()).length);
  TRTC.Logger.setLogLevel(TRTC.Logger.LogLevel.DEBUG);

  // Typed variables as apps declare them
  const typed: Client = client;
  const config: ClientConfig = { mode: 'videoCall', sdkAppId, userId, userSig, autoSubscribe: false, useStringRoomId: true };
  const options: JoinOptions = { roomId: 'room-1', role: 'anchor', privateMapKey: 'key' };
  const remote: RemoteStream[] = typed.getRemoteStreams();
  const local: LocalStream = localStream;
  console.log(config, options, remote, local);
}

describe('TRTC facade', () => {
  afterEach(() => resetTrtcDefaults());

  it('type-checks the seed tutorials (compile-only)', () => {
    expect(typeof seedTutorials).toBe('function');
  });

  it('exposes the trtc-js-sdk statics', () => {
    expect(TRTC.createClient).toBe(createClient);
    expect(TRTC.Logger.LogLevel.NONE).toBe(5);
    expect(typeof TRTC.VERSION).toBe('string');
    expect(TRTC.isScreenShareSupported()).toBeTrue();
  });

  it('createClient accepts videoCall and uses the configured server URL', () => {
    setServerUrl('ws://rooms.example.test/rtc');
    expect(getTrtcDefaults().serverUrl).toBe('ws://rooms.example.test/rtc');
    const client = TRTC.createClient({ mode: 'videoCall', sdkAppId: 1, userId: 'alice', userSig: 'sig' });
    expect(client.mode).toBe('rtc');
    expect(client.connectionState).toBe('DISCONNECTED');
    client.destroy();
  });

  it('rejects bad input with INVALID_PARAMETER', () => {
    expect(() => setServerUrl('http://nope')).toThrowMatching((e) => (e as RtcError).code === ErrorCode.INVALID_PARAMETER);
    expect(() => TRTC.createClient(undefined as never)).toThrowMatching(
      (e) => (e as RtcError).code === ErrorCode.INVALID_PARAMETER,
    );
  });

  it('checkSystemRequirements reports WebRTC support in Chromium', async () => {
    const result = await TRTC.checkSystemRequirements();
    expect(result.detail.isWebRTCSupported).toBeTrue();
  });
});
