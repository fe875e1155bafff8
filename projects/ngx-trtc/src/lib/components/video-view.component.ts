import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';

import { ErrorCode, RtcError } from '../errors/rtc-error';
import { LocalStream } from '../stream/local-stream';
import { StreamBase } from '../stream/stream-base';

/**
 * Shows a local or remote stream: its video in a `<video>` of its own (so one
 * stream can show in several views) and, for a remote stream, its audio.
 * Follows track changes (device switch, effects on/off, re-subscribe).
 *
 * `<trtc-video-view [stream]="s" fit="contain" [mirror]="true" />`. When the
 * browser blocks autoplay, `(autoplayBlocked)` fires with PLAY_NOT_ALLOWED;
 * call `resume()` from a click.
 */
@Component({
  selector: 'trtc-video-view',
  standalone: true,
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<video #video autoplay playsinline muted [style.object-fit]="fit()" [class.trtc-mirrored]="isMirrored()"></video
    ><audio #audio autoplay [muted]="isAudioMuted()"></audio>`,
  styles: `
    :host {
      display: block;
      position: relative;
      overflow: hidden;
      background: #000;
    }
    video {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
    }
    video.trtc-mirrored {
      transform: rotateY(180deg);
    }
  `,
})
export class VideoViewComponent {
  /** The stream to show; nothing while null. */
  readonly stream = input<StreamBase | null>(null);
  /** How the video fills the view. */
  readonly fit = input<'cover' | 'contain' | 'fill'>('cover');
  /** Mirror the picture; by default a local camera is mirrored, everything else not. */
  readonly mirror = input<boolean | undefined>(undefined);
  /** Mute the audio; by default local streams are muted (no echo), remote ones play. */
  readonly muted = input<boolean | undefined>(undefined);
  /** Autoplay was blocked (PLAY_NOT_ALLOWED); call `resume()` from a user gesture. */
  readonly autoplayBlocked = output<RtcError>();

  /** Bumped when the stream's tracks change, so derived state re-reads the stream. */
  private readonly _tracksVersion = signal(0);

  protected readonly isMirrored = computed(() => {
    const stream = this.stream();
    const mirror = this.mirror();
    this._tracksVersion();
    if (mirror !== undefined) return mirror;
    return !!stream && stream instanceof LocalStream && stream.isPreviewMirrored();
  });
  protected readonly isAudioMuted = computed(() => {
    const stream = this.stream();
    const muted = this.muted();
    if (muted !== undefined) return muted;
    return !stream || isLocal(stream);
  });

  private readonly _video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly _audio = viewChild.required<ElementRef<HTMLAudioElement>>('audio');

  constructor() {
    let unsubscribe: (() => void) | null = null;
    effect(() => {
      const stream = this.stream();
      const video = this._video().nativeElement;
      const audio = this._audio().nativeElement;
      unsubscribe?.();
      unsubscribe = null;
      if (!stream) {
        video.srcObject = null;
        audio.srcObject = null;
        return;
      }
      const attach = () => this._attach(stream, video, audio);
      const sub = stream.events$.subscribe((e) => {
        if (e.type !== 'tracks-changed') return;
        attach();
        this._tracksVersion.update((v) => v + 1);
      });
      unsubscribe = () => sub.unsubscribe();
      attach();
    });
    inject(DestroyRef).onDestroy(() => {
      unsubscribe?.();
      this._video().nativeElement.srcObject = null;
      this._audio().nativeElement.srcObject = null;
    });
  }

  /** Retries playback after autoplay was blocked; call from a user gesture. */
  async resume(): Promise<void> {
    await this._play([this._video().nativeElement, this._audio().nativeElement]);
  }

  /** The `<video>` element (tests, snapshots). */
  get videoElement(): HTMLVideoElement {
    return this._video().nativeElement;
  }

  private _attach(stream: StreamBase, video: HTMLVideoElement, audio: HTMLAudioElement): void {
    const videoTrack = stream.getVideoTrack();
    const audioTrack = isLocal(stream) ? null : stream.getAudioTrack();
    setTrack(video, videoTrack);
    setTrack(audio, audioTrack);
    void this._play([video, audio]);
  }

  private async _play(elements: HTMLMediaElement[]): Promise<void> {
    for (const el of elements) {
      if (!el.srcObject) continue;
      try {
        await el.play();
      } catch (error) {
        if ((error as { name?: string })?.name === 'NotAllowedError') {
          this.autoplayBlocked.emit(
            new RtcError(ErrorCode.PLAY_NOT_ALLOWED, 'the browser blocked autoplay; call resume() after a user gesture', {
              cause: error,
            }),
          );
        }
        // AbortError: a newer srcObject superseded this play(); nothing to do.
      }
    }
  }
}

function isLocal(stream: StreamBase): boolean {
  return stream instanceof LocalStream;
}

function setTrack(el: HTMLMediaElement, track: MediaStreamTrack | null): void {
  const current = (el.srcObject as MediaStream | null)?.getTracks()[0] ?? null;
  if (current === track) return;
  el.srcObject = track ? new MediaStream([track]) : null;
}
