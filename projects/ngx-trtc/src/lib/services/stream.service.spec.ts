import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { FakeMediaDevices, provideFakeMediaDevices } from '../../../testing/src/fake-media-devices';
import { StreamService } from './stream.service';

describe('StreamService', () => {
  let fake: FakeMediaDevices;

  beforeEach(() => {
    fake = new FakeMediaDevices();
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection(), provideFakeMediaDevices(fake)] });
  });

  it('creates streams on the injected devices and closes them on destroy', async () => {
    const service = TestBed.inject(StreamService);
    const stream = service.createStream({ audio: true, video: true, cameraId: 'fake-camera-2' });
    await stream.initialize();
    expect(fake.getUserMediaCalls.length).toBe(1);
    const track = stream.getRawTracks().video!;
    expect(track.getSettings().deviceId).toBe('fake-camera-2');
    TestBed.resetTestingModule();
    expect(track.readyState).toBe('ended');
  });

  it('keeps device lists as signals and refreshes them on device changes', async () => {
    const service = TestBed.inject(StreamService);
    await service.refreshDevices();
    expect(service.cameras().length).toBe(2);
    expect(service.speakers().length).toBe(1);
    fake.addDevice('videoinput', 'USB camera');
    await new Promise((r) => setTimeout(r, 20));
    expect(service.cameras().map((d) => d.label)).toContain('USB camera');
    expect((await service.getMicrophones()).length).toBe(2);
    expect(service.isScreenShareSupported()).toBeTrue();
  });

  it('reports the device a stream moves to as an active change', async () => {
    const service = TestBed.inject(StreamService);
    await service.refreshDevices();
    const changes: string[] = [];
    const sub = service.deviceChanges$.subscribe((c) => changes.push(`${c.type} ${c.kind} ${c.device.deviceId}`));
    const stream = service.createStream({ video: true, cameraId: 'fake-camera-1' });
    await stream.initialize();
    await stream.switchDevice('video', 'fake-camera-2');
    expect(changes).toEqual(['active videoinput fake-camera-2']);
    sub.unsubscribe();
    stream.close();
  });
});
