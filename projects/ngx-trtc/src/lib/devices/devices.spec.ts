import { FakeMediaDevices } from '../../../testing/src/fake-media-devices';
import { DeviceChange, watchDevices } from './device-watcher';
import {
  checkSystemRequirements,
  getCameras,
  getDevices,
  getMicrophones,
  getSpeakers,
  isScreenShareSupported,
  isSmallStreamSupported,
} from './devices';

describe('devices', () => {
  let devices: FakeMediaDevices;

  beforeEach(() => (devices = new FakeMediaDevices()));

  it('lists cameras, microphones and speakers', async () => {
    expect((await getCameras(devices)).map((d) => d.deviceId)).toEqual(['fake-camera-1', 'fake-camera-2']);
    expect((await getMicrophones(devices)).map((d) => d.deviceId)).toEqual(['fake-mic-1', 'fake-mic-2']);
    expect((await getSpeakers(devices)).map((d) => d.deviceId)).toEqual(['fake-speaker-1']);
    expect((await getDevices(devices)).length).toBe(5);
  });

  it('lists the browser devices by default', async () => {
    const cameras = await getCameras();
    expect(cameras.length).toBeGreaterThan(0);
  });

  it('checks system requirements in trtc-js-sdk shape', async () => {
    const { result, detail } = await checkSystemRequirements();
    expect(result).toBeTrue();
    expect(detail.isWebRTCSupported).toBeTrue();
    expect(detail.isMediaDevicesSupported).toBeTrue();
    expect(detail.isVp8EncodeSupported).toBeTrue();
    expect(detail.isInsertableStreamsSupported).toBeTrue();
    expect(detail.isAudioWorkletSupported).toBeTrue();
    expect(isSmallStreamSupported()).toBeTrue();
    expect(isScreenShareSupported(devices)).toBeTrue();
    expect(isScreenShareSupported(null)).toBeFalse();
  });

  it('emits add and remove per kind, and removes its listener on unsubscribe', async () => {
    const changes: DeviceChange[] = [];
    const sub = watchDevices(devices).subscribe((c) => changes.push(c));
    await new Promise((r) => setTimeout(r));
    const added = devices.addDevice('audioinput', 'USB mic');
    await new Promise((r) => setTimeout(r, 10));
    devices.removeDevice('fake-camera-2');
    await new Promise((r) => setTimeout(r, 10));
    expect(changes.map((c) => [c.type, c.kind, c.device.deviceId])).toEqual([
      ['add', 'audioinput', added.deviceId],
      ['remove', 'videoinput', 'fake-camera-2'],
    ]);
    expect(devices.listenerCount).toBe(1);
    sub.unsubscribe();
    expect(devices.listenerCount).toBe(0);
  });
});

describe('default media devices', () => {
  it('the non-DI facade functions use fakes installed with useAsDefault()', async () => {
    const fake = new FakeMediaDevices();
    const restore = fake.useAsDefault();
    try {
      expect((await getCameras()).map((d) => d.deviceId)).toEqual(['fake-camera-1', 'fake-camera-2']);
    } finally {
      restore();
    }
    expect((await getCameras()).map((d) => d.deviceId)).not.toContain('fake-camera-1');
  });
});
