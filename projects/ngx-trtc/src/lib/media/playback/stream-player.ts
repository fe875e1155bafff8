import { ErrorCode, RtcError } from '../../errors/rtc-error';
import { PlayerStateChangedEvent } from '../../stream/stream-events';

/** Options of `stream.play()`, as in trtc-js-sdk v4. */
export interface PlayOptions {
  /** How the video fills its box. Default `cover` (camera) / `contain` (screen). */
  objectFit?: 'contain' | 'cover' | 'fill';
  /** Mute the audio element. Default true for a local stream (no echo), false for a remote one. */
  muted?: boolean;
  /** Mirror the video element. Default true for a local camera, false otherwise. */
  mirror?: boolean;
}

/** What the player reports to its stream. */
export interface PlayerCallbacks {
  onState(event: PlayerStateChangedEvent): void;
  onError(error: RtcError): void;
}

function isNotAllowed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'NotAllowedError';
}

/**
 * Plays a stream in a `<div id="player_{streamId}">` appended to the container:
 * a muted `<video>` for the picture and an `<audio>` for the sound (as trtc-js-sdk
 * v4 does, so the audio can go to a chosen speaker and the video autoplays).
 * Blocked autoplay rejects with PLAY_NOT_ALLOWED and emits it; `resume()` retries.
 */
export class StreamPlayer {
  readonly root: HTMLDivElement;
  private _video: HTMLVideoElement | null = null;
  private _audio: HTMLAudioElement | null = null;
  private readonly _cleanups: Array<() => void> = [];
  private _trackCleanups: Array<() => void> = [];
  private _volume = 1;
  private _sinkId = '';
  private _stopped = false;

  constructor(
    streamId: string,
    container: HTMLElement,
    private readonly _options: Required<PlayOptions>,
    private readonly _callbacks: PlayerCallbacks,
  ) {
    this.root = container.ownerDocument.createElement('div');
    this.root.id = `player_${streamId}`;
    Object.assign(this.root.style, {
      width: '100%',
      height: '100%',
      position: 'relative',
      overflow: 'hidden',
      backgroundColor: 'black',
    });
    container.appendChild(this.root);
  }

  /** The `<video>` element, when the stream has video. */
  get videoElement(): HTMLVideoElement | null {
    return this._video;
  }

  /** The `<audio>` element, when the stream has audio. */
  get audioElement(): HTMLAudioElement | null {
    return this._audio;
  }

  /** Points the elements at new tracks (device switch, effects on/off, re-subscribe) and plays. */
  async setTracks(audio: MediaStreamTrack | null, video: MediaStreamTrack | null): Promise<void> {
    if (this._stopped) return;
    for (const cleanup of this._trackCleanups) cleanup();
    this._trackCleanups = [];
    if (video) {
      const el = this._video ?? this._createVideo();
      if ((el.srcObject as MediaStream | null)?.getVideoTracks()[0] !== video) el.srcObject = new MediaStream([video]);
      this._watchTrack(video, 'video');
    } else if (this._video) {
      this._removeElement(this._video);
      this._video = null;
    }
    if (audio) {
      const el = this._audio ?? this._createAudio();
      if ((el.srcObject as MediaStream | null)?.getAudioTracks()[0] !== audio) el.srcObject = new MediaStream([audio]);
      this._watchTrack(audio, 'audio');
    } else if (this._audio) {
      this._removeElement(this._audio);
      this._audio = null;
    }
    await this.play();
  }

  /** Plays both elements; rejects with PLAY_NOT_ALLOWED (and emits it) when autoplay is blocked. */
  async play(): Promise<void> {
    const results = await Promise.allSettled(
      [this._video, this._audio].filter((el): el is HTMLMediaElement => !!el).map((el) => el.play()),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed || this._stopped) return;
    const error = isNotAllowed(failed.reason)
      ? new RtcError(ErrorCode.PLAY_NOT_ALLOWED, 'the browser blocked autoplay; call stream.resume() after a user gesture', {
          cause: failed.reason,
        })
      : new RtcError(ErrorCode.UNKNOWN, `playback failed: ${String((failed.reason as Error)?.message ?? failed.reason)}`, {
          cause: failed.reason,
        });
    // An AbortError only means a newer srcObject/play() superseded this one.
    if ((failed.reason as { name?: string })?.name === 'AbortError') return;
    this._callbacks.onError(error);
    throw error;
  }

  /** Mirrors the video element or not (the local preview follows the mirror effect). */
  setMirror(mirror: boolean): void {
    this._options.mirror = mirror;
    if (this._video) this._video.style.transform = mirror ? 'rotateY(180deg)' : '';
  }

  /** Sets the audio element's volume, 0–1. */
  setVolume(volume: number): void {
    this._volume = volume;
    if (this._audio) this._audio.volume = volume;
  }

  /** Routes audio to a speaker (where `setSinkId` exists). */
  async setSinkId(deviceId: string): Promise<void> {
    this._sinkId = deviceId;
    const el = this._audio as (HTMLAudioElement & { setSinkId?(id: string): Promise<void> }) | null;
    if (el?.setSinkId) await el.setSinkId(deviceId);
  }

  /** Removes the elements; emits STOPPED. */
  stop(): void {
    if (this._stopped) return;
    this._stopped = true;
    for (const cleanup of [...this._trackCleanups, ...this._cleanups]) cleanup();
    this._trackCleanups = [];
    for (const [el, type] of [
      [this._video, 'video'],
      [this._audio, 'audio'],
    ] as const) {
      if (!el) continue;
      this._removeElement(el);
      this._callbacks.onState({ type, state: 'STOPPED', reason: 'stop' });
    }
    this._video = null;
    this._audio = null;
    this.root.remove();
  }

  private _createVideo(): HTMLVideoElement {
    const el = this.root.ownerDocument.createElement('video');
    el.autoplay = true;
    el.muted = true;
    el.playsInline = true;
    el.setAttribute('playsinline', '');
    Object.assign(el.style, {
      width: '100%',
      height: '100%',
      position: 'absolute',
      left: '0',
      top: '0',
      objectFit: this._options.objectFit,
      transform: this._options.mirror ? 'rotateY(180deg)' : '',
      backgroundColor: 'black',
    });
    this._listen(el, 'video');
    this.root.appendChild(el);
    this._video = el;
    return el;
  }

  private _createAudio(): HTMLAudioElement {
    const el = this.root.ownerDocument.createElement('audio');
    el.autoplay = true;
    el.muted = this._options.muted;
    el.volume = this._volume;
    this._listen(el, 'audio');
    this.root.appendChild(el);
    this._audio = el;
    if (this._sinkId) void this.setSinkId(this._sinkId).catch(() => undefined);
    return el;
  }

  private _listen(el: HTMLMediaElement, type: 'audio' | 'video'): void {
    const onPlaying = () => this._callbacks.onState({ type, state: 'PLAYING', reason: 'playing' });
    const onPause = () => {
      if (!this._stopped) this._callbacks.onState({ type, state: 'PAUSED', reason: 'pause' });
    };
    el.addEventListener('playing', onPlaying);
    el.addEventListener('pause', onPause);
    this._cleanups.push(() => {
      el.removeEventListener('playing', onPlaying);
      el.removeEventListener('pause', onPause);
    });
  }

  private _watchTrack(track: MediaStreamTrack, type: 'audio' | 'video'): void {
    const onMute = () => this._callbacks.onState({ type, state: 'PAUSED', reason: 'mute' });
    const onUnmute = () => this._callbacks.onState({ type, state: 'PLAYING', reason: 'unmute' });
    const onEnded = () => this._callbacks.onState({ type, state: 'STOPPED', reason: 'ended' });
    track.addEventListener('mute', onMute);
    track.addEventListener('unmute', onUnmute);
    track.addEventListener('ended', onEnded);
    this._trackCleanups.push(() => {
      track.removeEventListener('mute', onMute);
      track.removeEventListener('unmute', onUnmute);
      track.removeEventListener('ended', onEnded);
    });
  }

  private _removeElement(el: HTMLMediaElement): void {
    el.pause();
    el.srcObject = null;
    el.remove();
  }
}

/** Finds the player container: an element id or a div; INVALID_PARAMETER otherwise. */
export function resolveContainer(target: string | HTMLElement): HTMLElement {
  if (typeof target === 'string') {
    const el = typeof document !== 'undefined' ? document.getElementById(target) : null;
    if (!el) throw new RtcError(ErrorCode.INVALID_PARAMETER, `no element with id '${target}' to play in`);
    return el;
  }
  if (typeof HTMLElement !== 'undefined' && target instanceof HTMLElement) return target;
  throw new RtcError(ErrorCode.INVALID_PARAMETER, 'play() needs an element id or an HTMLDivElement');
}
