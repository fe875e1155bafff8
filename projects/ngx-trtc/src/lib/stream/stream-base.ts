import { Observable } from 'rxjs';

import { ErrorCode, RtcError } from '../errors/rtc-error';
import { getAudioEngine } from '../media/audio/audio-engine';
import { PlayOptions, resolveContainer, StreamPlayer } from '../media/playback/stream-player';
import { StreamType } from './stream-contracts';
import { StreamEmitter, StreamEvent, StreamEventMap, StreamEventName } from './stream-events';

const OBJECT_FITS = ['contain', 'cover', 'fill'];

/**
 * What local and remote streams share (trtc-js-sdk v4's `Stream`): identity,
 * events, and playback in a page element.
 */
export abstract class StreamBase {
  protected readonly _emitter = new StreamEmitter();
  protected _player: StreamPlayer | null = null;
  protected _closed = false;
  private _volume = 1;
  private _sinkId = '';
  /** The `mirror` play() was given, or undefined to follow the stream's default. */
  private _explicitMirror: boolean | undefined;

  /** Every stream event, as an Observable (completes on close). */
  readonly events$: Observable<StreamEvent> = this._emitter.events$;

  protected constructor(
    protected readonly _id: string,
    protected _userId: string,
  ) {}

  /** Listens to a stream event (`player-state-changed`, `screen-sharing-stopped`, `error`, …). */
  on<K extends StreamEventName>(event: K, handler: (payload: StreamEventMap[K]) => void): void {
    this._emitter.on(event, handler);
  }

  /** Removes a listener; `off(event)` removes all of an event, `off('*')` all. */
  off<K extends StreamEventName>(event: K | '*', handler?: (payload: StreamEventMap[K]) => void): void {
    this._emitter.off(event, handler);
  }

  /** Listens to the next occurrence of an event only. */
  once<K extends StreamEventName>(event: K, handler: (payload: StreamEventMap[K]) => void): void {
    this._emitter.once(event, handler);
  }

  /** The stream id. */
  getId(): string {
    return this._id;
  }

  /** The id of the user the stream belongs to. */
  getUserId(): string {
    return this._userId;
  }

  /** Main (camera) or auxiliary (screen share). */
  abstract getType(): StreamType;
  /** Whether the stream has an audio track. */
  abstract hasAudio(): boolean;
  /** Whether the stream has a video track. */
  abstract hasVideo(): boolean;
  /** The audio track (the processed one for a local stream with a pipeline). */
  abstract getAudioTrack(): MediaStreamTrack | null;
  /** The video track (the processed one when effects are on). */
  abstract getVideoTrack(): MediaStreamTrack | null;
  /** Smoothed audio level 0–1. */
  abstract getAudioLevel(): number;

  protected abstract _playbackTracks(): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  protected abstract _defaultPlayOptions(): Required<PlayOptions>;

  /**
   * Plays the stream in an element (its id or the element). Rejects with
   * PLAY_NOT_ALLOWED when the browser blocks autoplay (also emitted as `error`);
   * call `resume()` from a user gesture then.
   */
  async play(target: string | HTMLDivElement | HTMLElement, options: PlayOptions = {}): Promise<void> {
    if (this._closed) throw new RtcError(ErrorCode.INVALID_OPERATION, 'the stream is closed');
    const container = resolveContainer(target);
    if (options.objectFit !== undefined && !OBJECT_FITS.includes(options.objectFit)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, `objectFit must be one of ${OBJECT_FITS.join(', ')}`);
    }
    this._player?.stop();
    this._explicitMirror = options.mirror;
    const defaults = this._defaultPlayOptions();
    const player = new StreamPlayer(
      this._id,
      container,
      {
        objectFit: options.objectFit ?? defaults.objectFit,
        muted: options.muted ?? defaults.muted,
        mirror: options.mirror ?? defaults.mirror,
      },
      {
        onState: (event) => this._emitter.emit('player-state-changed', event),
        onError: (error) => this._emitter.emit('error', error),
      },
    );
    this._player = player;
    player.setVolume(this._volume);
    if (this._sinkId) await player.setSinkId(this._sinkId).catch(() => undefined);
    const { audio, video } = this._playbackTracks();
    await player.setTracks(audio, video);
  }

  /** Stops playback and removes the player's elements. */
  stop(): void {
    this._player?.stop();
    this._player = null;
  }

  /** Resumes playback blocked by autoplay; call it from a user gesture. */
  async resume(): Promise<void> {
    await getAudioEngine()?.resume();
    await this._player?.play();
  }

  /** Whether `play()` has been called and `stop()` not since. */
  isPlaying(): boolean {
    return !!this._player;
  }

  /** Routes this stream's audio to a speaker (`TRTC.getSpeakers()` ids). */
  async setAudioOutput(deviceId: string): Promise<void> {
    if (typeof deviceId !== 'string') throw new RtcError(ErrorCode.INVALID_PARAMETER, 'deviceId must be a string');
    this._sinkId = deviceId;
    await this._player?.setSinkId(deviceId);
  }

  /** Playback volume, 0–1. */
  setAudioVolume(volume: number): void {
    if (typeof volume !== 'number' || !(volume >= 0 && volume <= 1)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'volume must be a number in [0, 1]');
    }
    this._volume = volume;
    this._player?.setVolume(volume);
  }

  /** The current video frame as a PNG data URL, or '' when the stream is not playing video. */
  getVideoFrame(): string {
    const video = this._player?.videoElement;
    if (!video || video.videoWidth === 0 || video.videoHeight === 0) return '';
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')?.drawImage(video, 0, 0);
    return canvas.toDataURL('image/png');
  }

  /** The `<video>` element playing this stream, if any (for components and tests). */
  getVideoElement(): HTMLVideoElement | null {
    return this._player?.videoElement ?? null;
  }

  /** Tells views the tracks changed and points the player at them. Errors reach the app as `error` events. */
  protected _refreshPlayer(): void {
    this._emitter.emit('tracks-changed', undefined);
    if (!this._player) return;
    if (this._explicitMirror === undefined) this._player.setMirror(this._defaultPlayOptions().mirror);
    const { audio, video } = this._playbackTracks();
    this._player.setTracks(audio, video).catch(() => undefined);
  }
}
