import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';

import { MEDIA_DEVICES, MediaDevicesLike, setDefaultMediaDevices } from 'ngx-trtc';

/** Names of getUserMedia failures a test can inject. */
export type FakeCaptureFailure = 'NotAllowedError' | 'NotFoundError' | 'NotReadableError' | 'OverconstrainedError' | 'AbortError';

let nextFakeId = 1;

function deviceInfo(kind: MediaDeviceKind, label: string, deviceId = `fake-${kind}-${nextFakeId++}`): MediaDeviceInfo {
  const info = { deviceId, groupId: `group-${deviceId}`, kind, label };
  return { ...info, toJSON: () => info } as MediaDeviceInfo;
}

function exactId(c: boolean | MediaTrackConstraints | undefined): string | undefined {
  if (!c || typeof c !== 'object' || !c.deviceId) return undefined;
  const id = c.deviceId;
  if (typeof id === 'string') return id;
  if (Array.isArray(id)) return id[0];
  const exact = (id as ConstrainDOMStringParameters).exact ?? (id as ConstrainDOMStringParameters).ideal;
  return Array.isArray(exact) ? exact[0] : exact;
}

/**
 * Controllable media devices for tests: a device list you can plug into and
 * unplug from (firing `devicechange` and ending the unplugged device's tracks),
 * injectable capture failures, and a record of every getUserMedia call.
 * Tracks come from the browser's fake camera/microphone when it has them
 * (Chromium with `--use-fake-device-for-media-stream`), else from a canvas and
 * an oscillator; either way their `getSettings().deviceId` and `label` are the
 * fake device's.
 */
export class FakeMediaDevices implements MediaDevicesLike {
  /** The devices `enumerateDevices()` reports. */
  readonly devices: MediaDeviceInfo[];
  /** Constraints of every getUserMedia call, in order. */
  readonly getUserMediaCalls: MediaStreamConstraints[] = [];
  private readonly _listeners = new Set<() => void>();
  private readonly _failures: FakeCaptureFailure[] = [];
  private readonly _tracksByDevice = new Map<string, Set<MediaStreamTrack>>();

  constructor(devices?: MediaDeviceInfo[]) {
    this.devices = devices ?? [
      deviceInfo('videoinput', 'Fake Camera 1', 'fake-camera-1'),
      deviceInfo('videoinput', 'Fake Camera 2', 'fake-camera-2'),
      deviceInfo('audioinput', 'Fake Microphone 1', 'fake-mic-1'),
      deviceInfo('audioinput', 'Fake Microphone 2', 'fake-mic-2'),
      deviceInfo('audiooutput', 'Fake Speaker 1', 'fake-speaker-1'),
    ];
  }

  /**
   * Makes these fakes what the non-DI facade (`TRTC.createStream`, `TRTC.getCameras`)
   * uses; returns the function that restores the browser's devices.
   */
  useAsDefault(): () => void {
    setDefaultMediaDevices(this);
    return () => setDefaultMediaDevices(null);
  }

  /** The next getUserMedia/getDisplayMedia call rejects with this DOMException name. */
  failNextCapture(name: FakeCaptureFailure): void {
    this._failures.push(name);
  }

  /** Plugs a device in and fires `devicechange`. */
  addDevice(kind: MediaDeviceKind, label = `Fake ${kind}`): MediaDeviceInfo {
    const info = deviceInfo(kind, label);
    this.devices.push(info);
    this._fire();
    return info;
  }

  /** Unplugs a device: its tracks end (with an `ended` event, as a real unplug) and `devicechange` fires. */
  removeDevice(deviceId: string): void {
    const i = this.devices.findIndex((d) => d.deviceId === deviceId);
    if (i >= 0) this.devices.splice(i, 1);
    for (const track of this._tracksByDevice.get(deviceId) ?? []) {
      if (track.readyState === 'live') {
        track.stop();
        track.dispatchEvent(new Event('ended'));
      }
    }
    this._tracksByDevice.delete(deviceId);
    this._fire();
  }

  async enumerateDevices(): Promise<MediaDeviceInfo[]> {
    return [...this.devices];
  }

  async getUserMedia(constraints: MediaStreamConstraints = {}): Promise<MediaStream> {
    this.getUserMediaCalls.push(constraints);
    const failure = this._failures.shift();
    if (failure) throw new DOMException(`fake ${failure}`, failure);
    const pick = (kind: 'audioinput' | 'videoinput', c: boolean | MediaTrackConstraints | undefined) => {
      if (!c) return null;
      const id = exactId(c);
      const list = this.devices.filter((d) => d.kind === kind);
      const device = id ? list.find((d) => d.deviceId === id) : list[0];
      if (!device) {
        throw id
          ? new DOMException(`no ${kind} with id ${id}`, 'OverconstrainedError')
          : new DOMException(`no ${kind}`, 'NotFoundError');
      }
      return device;
    };
    const audioDevice = pick('audioinput', constraints.audio);
    const videoDevice = pick('videoinput', constraints.video);
    const stream = await this._capture(constraints, !!audioDevice, !!videoDevice);
    for (const [track, device] of [
      [stream.getAudioTracks()[0], audioDevice],
      [stream.getVideoTracks()[0], videoDevice],
    ] as const) {
      if (!track || !device) continue;
      this._brand(track, device);
    }
    return stream;
  }

  async getDisplayMedia(options: DisplayMediaStreamOptions = {}): Promise<MediaStream> {
    const failure = this._failures.shift();
    if (failure) throw new DOMException(`fake ${failure}`, failure);
    // A screen is a camera-shaped source here: tests need frames, not a real screen.
    const stream = await this._capture({ video: options.video ?? true, audio: false }, false, true);
    return stream;
  }

  addEventListener(type: 'devicechange', listener: () => void): void {
    if (type === 'devicechange') this._listeners.add(listener);
  }

  removeEventListener(_type: 'devicechange', listener: () => void): void {
    this._listeners.delete(listener);
  }

  /** How many devicechange listeners are attached (leak checks). */
  get listenerCount(): number {
    return this._listeners.size;
  }

  private _fire(): void {
    for (const listener of [...this._listeners]) listener();
  }

  private _brand(track: MediaStreamTrack, device: MediaDeviceInfo): void {
    const settings = track.getSettings.bind(track);
    Object.defineProperty(track, 'getSettings', { value: () => ({ ...settings(), deviceId: device.deviceId }) });
    Object.defineProperty(track, 'label', { value: device.label });
    let set = this._tracksByDevice.get(device.deviceId);
    if (!set) this._tracksByDevice.set(device.deviceId, (set = new Set()));
    set.add(track);
  }

  private async _capture(constraints: MediaStreamConstraints, audio: boolean, video: boolean): Promise<MediaStream> {
    const strip = (c: boolean | MediaTrackConstraints | undefined) => {
      if (!c || typeof c !== 'object') return !!c;
      const { deviceId: _ignored, facingMode: _ignored2, ...rest } = c;
      return rest;
    };
    const browser = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
    if (browser?.getUserMedia) {
      try {
        return await browser.getUserMedia({ audio: audio && strip(constraints.audio), video: video && strip(constraints.video) });
      } catch {
        // No browser fake devices: fall through to synthetic tracks.
      }
    }
    return syntheticStream(audio, video, constraints.video);
  }
}

/** A stream from a canvas (moving bars) and an oscillator, for browsers without fake devices. */
function syntheticStream(audio: boolean, video: boolean, videoConstraints: unknown): MediaStream {
  const tracks: MediaStreamTrack[] = [];
  if (video) {
    const c = (typeof videoConstraints === 'object' ? videoConstraints : {}) as MediaTrackConstraints;
    const ideal = (v: unknown, d: number) => (typeof v === 'number' ? v : ((v as { ideal?: number })?.ideal ?? d));
    const canvas = document.createElement('canvas');
    canvas.width = ideal(c.width, 640);
    canvas.height = ideal(c.height, 480);
    const ctx = canvas.getContext('2d')!;
    let frame = 0;
    const draw = () => {
      ctx.fillStyle = '#204060';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = '#e0e0e0';
      ctx.fillRect((frame++ * 4) % canvas.width, 0, 40, canvas.height);
    };
    draw();
    const timer = setInterval(draw, 33);
    const track = canvas.captureStream(30).getVideoTracks()[0];
    track.addEventListener('ended', () => clearInterval(timer));
    tracks.push(track);
  }
  if (audio) {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const dest = ctx.createMediaStreamDestination();
    osc.connect(dest);
    osc.start();
    tracks.push(dest.stream.getAudioTracks()[0]);
  }
  return new MediaStream(tracks);
}

/**
 * Provides {@link FakeMediaDevices} as `MEDIA_DEVICES` (and as itself, so a test
 * can `inject(FakeMediaDevices)` to plug and unplug).
 */
export function provideFakeMediaDevices(fake: FakeMediaDevices = new FakeMediaDevices()): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: FakeMediaDevices, useValue: fake },
    { provide: MEDIA_DEVICES, useValue: fake },
  ]);
}
