import { Component, provideZonelessChangeDetection, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { FakeMediaDevices } from '../../../testing/src/fake-media-devices';
import { createStream } from '../stream/create-stream';
import { LocalStream } from '../stream/local-stream';
import { AudioMeterComponent, MeteredStream } from './audio-meter.component';
import { FrameTicker } from './frame-ticker';
import { VideoViewComponent } from './video-view.component';

function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (check() ? resolve() : Date.now() - start > timeoutMs ? reject(new Error('timed out')) : setTimeout(tick, 20));
    tick();
  });
}

@Component({
  standalone: true,
  imports: [VideoViewComponent, AudioMeterComponent],
  template: `
    <trtc-video-view [stream]="stream()" fit="contain" style="width: 160px; height: 120px" />
    @for (m of meters(); track $index) {
      <trtc-audio-meter [stream]="m" />
    }
  `,
})
class HostComponent {
  readonly stream = signal<LocalStream | null>(null);
  readonly meters = signal<MeteredStream[]>([]);
}

describe('components', () => {
  let stream: LocalStream;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection()] });
    stream = createStream({ audio: true, video: true }, { mediaDevices: new FakeMediaDevices() });
    await stream.initialize();
  });

  afterEach(() => stream.close());

  it('<trtc-video-view> plays the stream, mirrors a local camera, and follows track changes', async () => {
    const fixture = TestBed.createComponent(HostComponent);
    fixture.componentInstance.stream.set(stream);
    await fixture.whenStable();
    const video = fixture.nativeElement.querySelector('trtc-video-view video') as HTMLVideoElement;
    expect((video.srcObject as MediaStream).getVideoTracks()[0]).toBe(stream.getVideoTrack()!);
    expect(video.classList).toContain('trtc-mirrored');
    expect(video.style.objectFit).toBe('contain');
    await waitFor(() => video.videoWidth > 0);

    await stream.setVideoEffects({ mirror: true });
    expect((video.srcObject as MediaStream).getVideoTracks()[0]).toBe(stream.getVideoTrack()!);
    await fixture.whenStable();
    // The published picture is already flipped: the preview must not flip it back.
    expect(video.classList).not.toContain('trtc-mirrored');
    await stream.setVideoEffects({});
    await fixture.whenStable();
    expect(video.classList).toContain('trtc-mirrored');

    fixture.componentInstance.stream.set(null);
    await fixture.whenStable();
    expect(video.srcObject).toBeNull();
  });

  it('<trtc-audio-meter> shows the level and twenty meters share one animation loop', async () => {
    const fixture = TestBed.createComponent(HostComponent);
    const ticker = TestBed.inject(FrameTicker);
    let level = 0.5;
    const fake: MeteredStream = { getAudioLevel: () => level, isSpeaking: () => level > 0.3 };
    fixture.componentInstance.meters.set(Array.from({ length: 20 }, () => fake));
    await fixture.whenStable();
    expect(ticker.size).toBe(20);
    const rafSpy = spyOn(window, 'requestAnimationFrame').and.callThrough();
    await new Promise((r) => setTimeout(r, 200));
    const bar = fixture.nativeElement.querySelector('trtc-audio-meter .trtc-audio-meter__bar') as HTMLElement;
    const host = fixture.nativeElement.querySelector('trtc-audio-meter') as HTMLElement;
    expect(bar.style.transform).toBe('scaleX(0.5)');
    expect(host.classList).toContain('trtc-speaking');
    expect(host.getAttribute('aria-valuenow')).toBe('50');
    // One rAF request per frame for all twenty meters (headless frames are ~60 Hz or throttled).
    expect(rafSpy.calls.count()).toBeLessThan(20);
    level = 0;
    await new Promise((r) => setTimeout(r, 100));
    expect(bar.style.transform).toBe('scaleX(0)');
    fixture.componentInstance.meters.set([]);
    await fixture.whenStable();
    expect(ticker.size).toBe(0);
  });

  it('<trtc-audio-meter> meters a real local stream', async () => {
    const fixture = TestBed.createComponent(HostComponent);
    fixture.componentInstance.meters.set([stream]);
    await fixture.whenStable();
    const host = fixture.nativeElement.querySelector('trtc-audio-meter') as HTMLElement;
    let max = 0;
    const start = Date.now();
    while (Date.now() - start < 1200) {
      max = Math.max(max, Number(host.getAttribute('aria-valuenow') ?? 0));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(max).toBeGreaterThan(30);
  });
});
