import { FakeMediaDevices } from '../../../testing/src/fake-media-devices';
import { ErrorCode, RtcError } from '../errors/rtc-error';
import { createStream } from './create-stream';
import { LocalStream } from './local-stream';
import { PublisherLink, StreamStateChange } from './stream-contracts';
import { PlayerStateChangedEvent, StreamDeviceChangedEvent } from './stream-events';

/** A PublisherLink that records what the stream asks of the client. */
class RecordingLink implements PublisherLink {
  readonly states: StreamStateChange[] = [];
  readonly replaced: Array<{ kind: 'audio' | 'video'; track: MediaStreamTrack | null }> = [];
  renegotiations = 0;
  encodingUpdates = 0;
  updateState(change: StreamStateChange): void {
    this.states.push(change);
  }
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    this.replaced.push({ kind, track });
  }
  async renegotiate(): Promise<void> {
    this.renegotiations++;
  }
  async updateEncodings(): Promise<void> {
    this.encodingUpdates++;
  }
}

async function expectRtcError(promise: Promise<unknown> | (() => unknown), code: number): Promise<RtcError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(RtcError);
    expect((error as RtcError).getCode()).toBe(code as never);
    return error as RtcError;
  }
  fail(`expected RtcError 0x${code.toString(16)}`);
  throw new Error('unreachable');
}

function waitFor<T>(read: () => T | null | undefined | false, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = read();
      if (value) return resolve(value as T);
      if (Date.now() - start > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('LocalStream', () => {
  let devices: FakeMediaDevices;
  let streams: LocalStream[];
  let host: HTMLDivElement;

  const make = (config: Parameters<typeof createStream>[0]) => {
    const s = createStream(config, { mediaDevices: devices });
    streams.push(s);
    return s;
  };

  beforeEach(() => {
    devices = new FakeMediaDevices();
    streams = [];
    host = document.createElement('div');
    host.id = 'local_host';
    host.style.width = '320px';
    host.style.height = '240px';
    document.body.appendChild(host);
  });

  afterEach(() => {
    for (const s of streams) s.close();
    host.remove();
  });

  describe('createStream and initialize', () => {
    it('captures camera and microphone and publishes one MediaStream whose id is the stream id', async () => {
      const s = make({ userId: 'alice', audio: true, video: true });
      expect(s.getMediaStream()).toBeNull();
      await s.initialize();
      const ms = s.getMediaStream()!;
      expect(ms.id).toBe(s.getId());
      expect(ms.getAudioTracks().length).toBe(1);
      expect(ms.getVideoTracks().length).toBe(1);
      expect(s.getUserId()).toBe('alice');
      expect(s.hasAudio()).toBeTrue();
      expect(s.hasVideo()).toBeTrue();
      expect(s.getType()).toBe('main');
      expect(s.getMediaState()).toEqual({ hasAudio: true, hasVideo: true, audioMuted: false, videoMuted: false });
    });

    it('publishes the raw camera track untouched while no effect is on', async () => {
      const s = make({ audio: false, video: true });
      await s.initialize();
      expect(s.getVideoTrack()).toBe(s.getRawTracks().video);
      expect(s.getVideoPipelineKind()).toBeNull();
    });

    it('publishes the processed microphone track (the AudioWorklet output)', async () => {
      const s = make({ audio: true, video: false });
      await s.initialize();
      expect(s.getAudioTrack()).not.toBe(s.getRawTracks().audio);
      expect(s.getAudioTrack()!.readyState).toBe('live');
    });

    it('rejects a config that asks for nothing with INVALID_PARAMETER', async () => {
      await expectRtcError(() => createStream({}), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(() => createStream({ video: true, screen: true }), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(
        () => createStream({ audioSource: 'x' as unknown as MediaStreamTrack }),
        ErrorCode.INVALID_PARAMETER,
      );
    });

    it('rejects a second initialize() with INVALID_OPERATION', async () => {
      const s = make({ audio: true });
      await s.initialize();
      await expectRtcError(s.initialize(), ErrorCode.INVALID_OPERATION);
    });

    it('maps a denied permission to INITIALIZE_FAILED named NotAllowedError', async () => {
      devices.failNextCapture('NotAllowedError');
      const s = make({ audio: true, video: true });
      const error = await expectRtcError(s.initialize(), ErrorCode.INITIALIZE_FAILED);
      expect(error.name).toBe('NotAllowedError');
      expect(error.message).toContain('denied');
    });

    it('maps a missing device to DEVICE_NOT_FOUND', async () => {
      const noCamera = new FakeMediaDevices([]);
      const s = createStream({ video: true }, { mediaDevices: noCamera });
      streams.push(s);
      const error = await expectRtcError(s.initialize(), ErrorCode.DEVICE_NOT_FOUND);
      expect(error.name).toBe('NotFoundError');
    });

    it('maps an unknown cameraId to DEVICE_NOT_FOUND (OverconstrainedError)', async () => {
      const s = make({ video: true, cameraId: 'no-such-camera' });
      const error = await expectRtcError(s.initialize(), ErrorCode.DEVICE_NOT_FOUND);
      expect(error.name).toBe('OverconstrainedError');
    });

    it('maps a device in use to INITIALIZE_FAILED named NotReadableError, and can retry', async () => {
      devices.failNextCapture('NotReadableError');
      const s = make({ audio: true });
      const error = await expectRtcError(s.initialize(), ErrorCode.INITIALIZE_FAILED);
      expect(error.name).toBe('NotReadableError');
      expect(error.message).toContain('in use');
      await s.initialize();
      expect(s.hasAudio()).toBeTrue();
    });

    it('uses custom audioSource/videoSource tracks instead of capturing', async () => {
      const canvas = document.createElement('canvas');
      canvas.getContext('2d')!.fillRect(0, 0, 10, 10);
      const videoSource = canvas.captureStream(10).getVideoTracks()[0];
      const s = make({ videoSource });
      await s.initialize();
      expect(devices.getUserMediaCalls.length).toBe(0);
      expect(s.getVideoTrack()).toBe(videoSource);
      s.close();
      // The app owns custom tracks: close() leaves them running.
      expect(videoSource.readyState).toBe('live');
      videoSource.stop();
    });

    it('shares a screen as an auxiliary stream and reports screen-sharing-stopped', async () => {
      const s = make({ screen: true });
      await s.initialize();
      expect(s.getType()).toBe('auxiliary');
      let stopped = false;
      s.on('screen-sharing-stopped', () => (stopped = true));
      const track = s.getRawTracks().video!;
      track.stop();
      track.dispatchEvent(new Event('ended'));
      expect(stopped).toBeTrue();
    });

    it('close() stops captured tracks and empties the stream', async () => {
      const s = make({ audio: true, video: true });
      await s.initialize();
      const { audio, video } = s.getRawTracks();
      s.close();
      expect(audio!.readyState).toBe('ended');
      expect(video!.readyState).toBe('ended');
      expect(s.getMediaStream()).toBeNull();
    });
  });

  describe('profiles', () => {
    it('captures at the video profile set before initialize()', async () => {
      const s = make({ video: true });
      s.setVideoProfile('360p');
      await s.initialize();
      const settings = s.getVideoTrack()!.getSettings();
      expect(settings.width).toBe(640);
      expect(settings.height).toBe(360);
    });

    it('applies a new profile live and reports its bitrate to the client', async () => {
      const s = make({ video: true });
      await s.initialize();
      await s.setVideoProfile({ width: 320, height: 240, frameRate: 15, bitrate: 300 });
      const settings = s.getVideoTrack()!.getSettings();
      expect(settings.width).toBe(320);
      expect(settings.height).toBe(240);
      expect(s.getEncodingHints().videoBitrateKbps).toBe(300);
    });

    it('asks the client to re-apply bitrates when a profile changes while published', async () => {
      const s = make({ audio: true, video: true });
      await s.initialize();
      const link = new RecordingLink();
      s.attachPublisher(link);
      await s.setVideoProfile('360p');
      s.setAudioProfile('high');
      expect(link.encodingUpdates).toBe(2);
      expect(s.getEncodingHints()).toEqual(jasmine.objectContaining({ videoBitrateKbps: 800, audioBitrateKbps: 128 }));
      s.attachPublisher(null);
      s.close();
    });

    it('uses trtc-js-sdk defaults: 480p video, standard audio, 1080p screen', () => {
      const s = make({ audio: true, video: true });
      expect(s.getVideoProfile()).toEqual({ width: 640, height: 480, frameRate: 15, bitrate: 900 });
      expect(s.getAudioProfile()).toEqual({ sampleRate: 48000, channelCount: 1, bitrate: 40 });
      const screen = make({ screen: true });
      expect(screen.getVideoProfile()).toEqual({ width: 1920, height: 1080, frameRate: 5, bitrate: 1600 });
      screen.setScreenProfile('720p_2');
      expect(screen.getVideoProfile().frameRate).toBe(30);
      s.setAudioProfile('high-stereo');
      expect(s.getAudioProfile()).toEqual({ sampleRate: 48000, channelCount: 2, bitrate: 192 });
    });

    it('rejects unknown profiles and bad values with INVALID_PARAMETER', async () => {
      const s = make({ audio: true, video: true });
      await expectRtcError(s.setVideoProfile('999p' as never), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(s.setVideoProfile({ width: -1 }), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(() => s.setAudioProfile('loud' as never), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(() => s.setScreenProfile('8K' as never), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(() => s.setVideoContentHint('fast' as never), ErrorCode.INVALID_PARAMETER);
    });

    it('sets the content hint on the published track', async () => {
      const s = make({ video: true });
      await s.initialize();
      s.setVideoContentHint('detail');
      expect(s.getVideoTrack()!.contentHint).toBe('detail');
    });
  });

  describe('mute and publish link', () => {
    it('mute/unmute return booleans, disable tracks and tell the room through the link', async () => {
      const s = make({ audio: true, video: true });
      expect(s.muteAudio()).toBeFalse(); // not initialized
      await s.initialize();
      const link = new RecordingLink();
      s.attachPublisher(link);
      expect(s.muteAudio()).toBeTrue();
      expect(s.getAudioTrack()!.enabled).toBeFalse();
      expect(s.muteVideo()).toBeTrue();
      expect(s.getVideoTrack()!.enabled).toBeFalse();
      expect(s.getMediaState()).toEqual({ hasAudio: true, hasVideo: true, audioMuted: true, videoMuted: true });
      expect(s.getAudioLevel()).toBe(0);
      expect(s.unmuteAudio()).toBeTrue();
      expect(s.unmuteVideo()).toBeTrue();
      expect(s.getVideoTrack()!.enabled).toBeTrue();
      expect(link.states).toEqual([{ audioMuted: true }, { videoMuted: true }, { audioMuted: false }, { videoMuted: false }]);
    });

    it('returns false for muting a kind the stream lacks', async () => {
      const s = make({ audio: true });
      await s.initialize();
      expect(s.muteVideo()).toBeFalse();
    });

    it('addTrack/removeTrack renegotiate; replaceTrack only swaps the sender track', async () => {
      const s = make({ audio: true });
      await s.initialize();
      const link = new RecordingLink();
      s.attachPublisher(link);
      const cam = await devices.getUserMedia({ video: true });
      const track = cam.getVideoTracks()[0];
      await s.addTrack(track);
      expect(s.getVideoTrack()).toBe(track);
      expect(link.renegotiations).toBe(1);
      expect(link.states).toContain({ hasAudio: true, hasVideo: true });
      await expectRtcError(s.addTrack(track), ErrorCode.INVALID_OPERATION);

      const other = (await devices.getUserMedia({ video: { deviceId: { exact: 'fake-camera-2' } } })).getVideoTracks()[0];
      await s.replaceTrack(other);
      expect(link.replaced).toEqual([{ kind: 'video', track: other }]);
      expect(link.renegotiations).toBe(1);

      await s.removeTrack(other);
      expect(s.getVideoTrack()).toBeNull();
      expect(s.hasVideo()).toBeFalse();
      expect(link.renegotiations).toBe(2);
      track.stop();
      other.stop();
    });

    it('rejects track operations in the wrong state or with bad arguments', async () => {
      const s = make({ audio: true });
      await expectRtcError(s.switchDevice('video', 'x'), ErrorCode.INVALID_OPERATION);
      await expectRtcError(s.replaceTrack({} as MediaStreamTrack), ErrorCode.INVALID_OPERATION);
      await expectRtcError(s.play(host), ErrorCode.INVALID_OPERATION);
      await s.initialize();
      await expectRtcError(s.switchDevice('camera' as never, 'x'), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(s.switchDevice('audio', ''), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(s.addTrack({} as MediaStreamTrack), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(() => s.setAudioCaptureVolume(-5), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(() => s.setAudioVolume(3), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(s.play('no-such-element'), ErrorCode.INVALID_PARAMETER);
      await expectRtcError(s.play(host, { objectFit: 'stretch' as never }), ErrorCode.INVALID_PARAMETER);
    });
  });

  describe('devices', () => {
    it('switchDevice swaps the camera, tells the sender, and emits device-changed', async () => {
      const s = make({ video: true, cameraId: 'fake-camera-1' });
      await s.initialize();
      const link = new RecordingLink();
      s.attachPublisher(link);
      const events: StreamDeviceChangedEvent[] = [];
      s.on('device-changed', (e) => events.push(e));
      const old = s.getVideoTrack()!;
      await s.switchDevice('video', 'fake-camera-2');
      expect(old.readyState).toBe('ended');
      expect(s.getVideoTrack()!.getSettings().deviceId).toBe('fake-camera-2');
      expect(link.replaced.map((r) => r.track)).toEqual([s.getVideoTrack()]);
      expect(events).toEqual([{ kind: 'video', deviceId: 'fake-camera-2', label: 'Fake Camera 2', reason: 'switch' }]);
    });

    it('a failed camera switch rejects with the mapped error and puts the old camera back', async () => {
      const s = make({ video: true, cameraId: 'fake-camera-1' });
      await s.initialize();
      devices.failNextCapture('NotReadableError');
      await expectRtcError(s.switchDevice('video', 'fake-camera-2'), ErrorCode.INITIALIZE_FAILED);
      expect(s.getVideoTrack()!.readyState).toBe('live');
      expect(s.getVideoTrack()!.getSettings().deviceId).toBe('fake-camera-1');
    });

    it('refuses a camera id the browser does not list without releasing the camera in use', async () => {
      const s = make({ video: true, cameraId: 'fake-camera-1' });
      await s.initialize();
      const link = new RecordingLink();
      s.attachPublisher(link);
      const published = s.getVideoTrack()!;
      const captures = devices.getUserMediaCalls.length;
      const error = await expectRtcError(s.switchDevice('video', 'no-such-camera'), ErrorCode.DEVICE_NOT_FOUND);
      expect(error.name).toBe('OverconstrainedError');
      expect(s.getVideoTrack()).toBe(published);
      expect(published.readyState).toBe('live');
      expect(devices.getUserMediaCalls.length).toBe(captures);
      expect(link.replaced).toEqual([]);
    });

    it('switching the microphone keeps the published (processed) track: no replaceTrack needed', async () => {
      const s = make({ audio: true, microphoneId: 'fake-mic-1' });
      await s.initialize();
      const link = new RecordingLink();
      s.attachPublisher(link);
      const published = s.getAudioTrack();
      await s.switchDevice('audio', 'fake-mic-2');
      expect(s.getRawTracks().audio!.getSettings().deviceId).toBe('fake-mic-2');
      expect(s.getAudioTrack()).toBe(published);
      expect(link.replaced).toEqual([]);
    });

    it('falls back to another camera when the one in use is unplugged, and says so', async () => {
      const s = make({ video: true, cameraId: 'fake-camera-1' });
      await s.initialize();
      const events: StreamDeviceChangedEvent[] = [];
      s.on('device-changed', (e) => events.push(e));
      devices.removeDevice('fake-camera-1');
      await waitFor(() => events.length > 0);
      expect(events[0]).toEqual(jasmine.objectContaining({ kind: 'video', deviceId: 'fake-camera-2', reason: 'unplugged' }));
      expect(s.getVideoTrack()!.readyState).toBe('live');
    });

    it('emits DEVICE_AUTO_RECOVER_FAILED when no other device is left', async () => {
      const s = make({ audio: true, microphoneId: 'fake-mic-1' });
      await s.initialize();
      devices.removeDevice('fake-mic-2');
      const errors: RtcError[] = [];
      s.on('error', (e) => errors.push(e));
      devices.removeDevice('fake-mic-1');
      await waitFor(() => errors.length > 0);
      expect(errors[0].getCode()).toBe(ErrorCode.DEVICE_AUTO_RECOVER_FAILED);
    });

    it('stops watching devices on close', async () => {
      const s = make({ audio: true });
      await s.initialize();
      expect(devices.listenerCount).toBe(1);
      s.close();
      expect(devices.listenerCount).toBe(0);
    });
  });

  describe('playback', () => {
    it('plays into an element id, reports PLAYING, and stop() removes the player', async () => {
      const s = make({ audio: true, video: true });
      await s.initialize();
      const states: PlayerStateChangedEvent[] = [];
      s.on('player-state-changed', (e) => states.push(e));
      await s.play('local_host');
      const root = host.querySelector(`#player_${s.getId()}`)!;
      expect(root).toBeTruthy();
      const video = root.querySelector('video')!;
      expect(video.style.transform).toContain('rotateY(180deg)'); // local preview mirrors by default
      expect(root.querySelector('audio')!.muted).toBeTrue();
      await waitFor(() => states.some((e) => e.type === 'video' && e.state === 'PLAYING'));
      await waitFor(() => video.videoWidth > 0);
      expect(s.getVideoFrame()).toMatch(/^data:image\/png;base64,/);
      s.stop();
      expect(host.querySelector(`#player_${s.getId()}`)).toBeNull();
      expect(states).toContain({ type: 'video', state: 'STOPPED', reason: 'stop' });
      expect(s.getVideoFrame()).toBe('');
    });

    it('keeps the preview looking like a mirror when the mirror effect flips the published video', async () => {
      const s = make({ video: true });
      await s.initialize();
      await s.play(host);
      const video = () => host.querySelector('video')!;
      expect(video().style.transform).toContain('rotateY(180deg)');
      await s.setVideoEffects({ mirror: true });
      expect(video().style.transform).toBe('');
      await s.setVideoEffects({});
      expect(video().style.transform).toContain('rotateY(180deg)');
    });

    it('honours objectFit and mirror options', async () => {
      const s = make({ video: true });
      await s.initialize();
      await s.play(host, { objectFit: 'contain', mirror: false });
      const video = host.querySelector('video')!;
      expect(video.style.objectFit).toBe('contain');
      expect(video.style.transform).toBe('');
    });

    it('surfaces blocked autoplay as PLAY_NOT_ALLOWED and plays on resume()', async () => {
      const s = make({ audio: true, video: true });
      await s.initialize();
      const original = HTMLMediaElement.prototype.play;
      let blocked = true;
      spyOn(HTMLMediaElement.prototype, 'play').and.callFake(function (this: HTMLMediaElement) {
        if (blocked) return Promise.reject(new DOMException('no gesture', 'NotAllowedError'));
        return original.call(this);
      });
      const errors: RtcError[] = [];
      s.on('error', (e) => errors.push(e));
      await expectRtcError(s.play(host), ErrorCode.PLAY_NOT_ALLOWED);
      expect(errors.map((e) => e.getCode())).toEqual([ErrorCode.PLAY_NOT_ALLOWED]);
      blocked = false;
      await s.resume();
      await waitFor(() => !host.querySelector('video')!.paused);
    });

    it('setAudioVolume and setAudioOutput reach the audio element', async () => {
      const s = make({ audio: true });
      await s.initialize();
      await s.play(host, { muted: false });
      s.setAudioVolume(0.25);
      expect(host.querySelector('audio')!.volume).toBe(0.25);
      await s.setAudioOutput('default');
    });
  });
});
