import { Subscription } from 'rxjs';

import { watchDevices } from '../devices/device-watcher';
import { defaultMediaDevices, MediaDevicesLike } from '../devices/media-devices';
import { ErrorCode, RtcError } from '../errors/rtc-error';
import { AudioEngine, getAudioEngine } from '../media/audio/audio-engine';
import { LocalAudioPipeline } from '../media/audio/local-audio-pipeline';
import { audioConstraints, captureCamera, captureError, captureScreen, videoConstraints } from '../media/capture/capture';
import {
  AudioProfile,
  AudioProfileName,
  DEFAULT_AUDIO_PROFILE,
  DEFAULT_SCREEN_PROFILE,
  DEFAULT_VIDEO_PROFILE,
  resolveAudioProfile,
  resolveScreenProfile,
  resolveVideoProfile,
  ScreenProfileName,
  VideoProfile,
  VideoProfileName,
} from '../media/capture/profiles';
import { PlayOptions } from '../media/playback/stream-player';
import { MAX_GAIN } from '../media/wasm/media-core';
import { hasActiveEffects, normalizeEffects, VideoEffects } from '../media/video/video-effects';
import { createVideoPipeline, VideoPipeline, VideoPipelineOptions, VideoPipelineStats } from '../media/video/video-pipeline';
import { StreamBase } from './stream-base';
import { AudioProcessingOptions, StreamConfig } from './stream-config';
import { PublishableStream, PublisherLink, StreamMediaState, StreamType } from './stream-contracts';

/** What a local stream needs from its environment (DI supplies these; the facade uses defaults). */
export interface LocalStreamDeps {
  mediaDevices: MediaDevicesLike | null;
  /** The audio engine, or null to publish raw audio without levels. Default: the page's engine. */
  audioEngine?: AudioEngine | null;
  /** Options for the video pipeline (tests and the benchmark force the canvas fallback). */
  videoPipeline?: VideoPipelineOptions;
  /** Called after a successful initialize() (StreamService refreshes device labels). */
  onInitialized?: () => void;
  /** Called once on close(). */
  onClosed?: () => void;
}

type LocalState = 'new' | 'initializing' | 'ready' | 'closed';
type ContentHint = 'motion' | 'detail' | 'text' | '';

let nextUserSuffix = 1;

/**
 * A stream captured on this device (trtc-js-sdk v4 `LocalStream`): camera and
 * microphone, a screen, or custom tracks. The microphone goes through the
 * AudioWorklet pipeline (levels, speaking, capture gain) and the camera through
 * the video pipeline while any effect is on; what `getMediaStream()` holds is
 * what gets published.
 */
export class LocalStream extends StreamBase implements PublishableStream {
  private readonly _config: StreamConfig;
  private readonly _deps: LocalStreamDeps;
  private _state: LocalState = 'new';
  /** The published MediaStream; its id is the stream id and never changes. */
  private readonly _outgoing: MediaStream;
  private _rawAudio: MediaStreamTrack | null = null;
  private _rawVideo: MediaStreamTrack | null = null;
  private _ownsAudio = false;
  private _ownsVideo = false;
  private _audioPipeline: LocalAudioPipeline | null = null;
  private _videoPipeline: VideoPipeline | null = null;
  private _videoPipelinePending: Promise<void> | null = null;
  private _effects: VideoEffects = { mirror: false, beauty: null, watermark: null, scale: null };
  private _link: PublisherLink | null = null;
  private _audioMuted = false;
  private _videoMuted = false;
  private _videoProfile: VideoProfile = resolveVideoProfile(DEFAULT_VIDEO_PROFILE);
  private _screenProfile: VideoProfile = resolveScreenProfile(DEFAULT_SCREEN_PROFILE);
  private _audioProfile: AudioProfile = resolveAudioProfile(DEFAULT_AUDIO_PROFILE);
  private _contentHint: ContentHint = '';
  private _captureGain = 1;
  private _noiseSuppression = false;
  private _deviceWatch: Subscription | null = null;
  private readonly _trackCleanups = new Map<MediaStreamTrack, () => void>();
  private _recovering: Partial<Record<'audio' | 'video', Promise<void>>> = {};
  private _engineCleanup: (() => void) | null = null;

  constructor(config: StreamConfig = {}, deps?: Partial<LocalStreamDeps>) {
    const outgoing = new MediaStream();
    super(outgoing.id, config?.userId ?? `local_${nextUserSuffix++}`);
    validateConfig(config);
    this._outgoing = outgoing;
    this._config = { ...config };
    this._deps = { ...deps, mediaDevices: deps && 'mediaDevices' in deps ? (deps.mediaDevices ?? null) : defaultMediaDevices() };
    if (config.effects) this._effects = normalizeEffects(config.effects);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Captures the configured media. Rejects with an RtcError whose `name` is the
   * browser's (`NotAllowedError`, `NotFoundError`, `NotReadableError`,
   * `OverconstrainedError`) and whose code is DEVICE_NOT_FOUND (no device /
   * no such id) or INITIALIZE_FAILED (denied, in use); INVALID_OPERATION when
   * called twice.
   */
  async initialize(): Promise<void> {
    if (this._state !== 'new') {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `initialize() cannot be called on a stream that is ${this._state}`);
    }
    this._state = 'initializing';
    const c = this._config;
    let captured: MediaStream[] = [];
    try {
      let audio: MediaStreamTrack | null = c.audioSource ?? null;
      let video: MediaStreamTrack | null = c.videoSource ?? null;
      if (c.screen) {
        const screen = await captureScreen(this._deps.mediaDevices, this._screenProfile, !!c.screenAudio);
        captured.push(screen);
        video ??= screen.getVideoTracks()[0] ?? null;
        if (!audio && c.screenAudio) audio = screen.getAudioTracks()[0] ?? null;
        if (video) this._ownsVideo = !c.videoSource;
        if (audio && !c.audioSource) this._ownsAudio = true;
        if (!audio && c.audio) {
          const mic = await captureCamera(this._deps.mediaDevices, this._captureOptions(true, false));
          captured.push(mic);
          audio = mic.getAudioTracks()[0] ?? null;
          this._ownsAudio = true;
        }
      } else {
        const wantAudio = !!c.audio && !audio;
        const wantVideo = !!c.video && !video;
        if (wantAudio || wantVideo) {
          const cam = await captureCamera(this._deps.mediaDevices, this._captureOptions(wantAudio, wantVideo));
          captured.push(cam);
          if (wantAudio) {
            audio = cam.getAudioTracks()[0] ?? null;
            this._ownsAudio = !!audio;
          }
          if (wantVideo) {
            video = cam.getVideoTracks()[0] ?? null;
            this._ownsVideo = !!video;
          }
        }
      }
      if (this._state !== 'initializing') throw new RtcError(ErrorCode.API_CALL_ABORTED, 'the stream was closed during initialize()');
      this._rawAudio = audio;
      this._rawVideo = video;
      if (audio) this._watchRawTrack(audio, 'audio');
      if (video) this._watchRawTrack(video, 'video');
      if (video && this._contentHint) video.contentHint = this._contentHint;
      await Promise.all([this._startAudioPipeline(), this._applyEffects()]);
      captured = [];
      this._state = 'ready';
      this._syncOutgoing();
      this._startDeviceWatch();
      this._deps.onInitialized?.();
    } catch (error) {
      for (const s of captured) for (const t of s.getTracks()) t.stop();
      if (this._state === 'initializing') this._state = 'new';
      this._rawAudio = this._rawVideo = null;
      throw error instanceof RtcError ? error : captureError(error, 'media');
    }
  }

  /** Stops capture, pipelines and playback. The stream cannot be used afterwards. */
  close(): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this._closed = true;
    this.stop();
    this._deviceWatch?.unsubscribe();
    this._deviceWatch = null;
    this._engineCleanup?.();
    for (const cleanup of this._trackCleanups.values()) cleanup();
    this._trackCleanups.clear();
    this._audioPipeline?.dispose();
    this._videoPipeline?.dispose();
    this._audioPipeline = this._videoPipeline = null;
    if (this._ownsAudio) this._rawAudio?.stop();
    if (this._ownsVideo) this._rawVideo?.stop();
    for (const t of this._outgoing.getTracks()) this._outgoing.removeTrack(t);
    this._rawAudio = this._rawVideo = null;
    this._deps.onClosed?.();
    this._emitter.dispose();
  }

  /** Plays the local preview (see StreamBase.play); INVALID_OPERATION before initialize(). */
  override async play(target: string | HTMLDivElement | HTMLElement, options: PlayOptions = {}): Promise<void> {
    this._requireReady('play');
    await super.play(target, options);
  }

  // ------------------------------------------------------------ PublishableStream

  /** Main, or auxiliary for a screen share. */
  getType(): StreamType {
    return this._config.screen ? 'auxiliary' : 'main';
  }

  /** The MediaStream that goes on the wire (processed tracks), or null before initialize(). */
  getMediaStream(): MediaStream | null {
    return this._state === 'ready' ? this._outgoing : null;
  }

  /** Track presence and mute state, as the room sees them. */
  getMediaState(): StreamMediaState {
    return {
      hasAudio: this.hasAudio(),
      hasVideo: this.hasVideo(),
      audioMuted: this._audioMuted,
      videoMuted: this._videoMuted,
    };
  }

  /** Called by the client on publish (a link) and unpublish (null). */
  attachPublisher(link: PublisherLink | null): void {
    this._link = link;
  }

  /** Whether a client is publishing this stream. */
  isPublished(): boolean {
    return !!this._link;
  }

  /** Bitrates and frame rate the client should encode with (the profiles in force). */
  getEncodingHints(): { videoBitrateKbps: number; audioBitrateKbps: number; frameRate: number } {
    const video = this._config.screen ? this._screenProfile : this._videoProfile;
    return { videoBitrateKbps: video.bitrate, audioBitrateKbps: this._audioProfile.bitrate, frameRate: video.frameRate };
  }

  // ------------------------------------------------------------------- tracks

  hasAudio(): boolean {
    return !!this._rawAudio;
  }

  hasVideo(): boolean {
    return !!this._rawVideo;
  }

  /** The published audio track (processed while the audio pipeline runs). */
  getAudioTrack(): MediaStreamTrack | null {
    return this._outgoing.getAudioTracks()[0] ?? null;
  }

  /** The published video track (processed while any effect is on). */
  getVideoTrack(): MediaStreamTrack | null {
    return this._outgoing.getVideoTracks()[0] ?? null;
  }

  /** The captured tracks before any processing (ngx-trtc addition). */
  getRawTracks(): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } {
    return { audio: this._rawAudio, video: this._rawVideo };
  }

  /** Adds an audio or video track the stream lacks; renegotiates when published. */
  async addTrack(track: MediaStreamTrack): Promise<void> {
    this._requireReady('addTrack');
    requireTrack(track);
    if (track.kind === 'audio' ? this._rawAudio : this._rawVideo) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `the stream already has a ${track.kind} track; use replaceTrack()`);
    }
    if (track.kind === 'audio') {
      this._rawAudio = track;
      this._ownsAudio = false;
      await this._startAudioPipeline();
    } else {
      this._rawVideo = track;
      this._ownsVideo = false;
      if (this._contentHint) track.contentHint = this._contentHint;
      await this._applyEffects();
    }
    this._watchRawTrack(track, track.kind as 'audio' | 'video');
    this._applyMute();
    await this._syncOutgoing();
  }

  /** Removes a track; renegotiates when published. */
  async removeTrack(track: MediaStreamTrack): Promise<void> {
    this._requireReady('removeTrack');
    requireTrack(track);
    const kind = track.kind as 'audio' | 'video';
    const current = kind === 'audio' ? this._rawAudio : this._rawVideo;
    if (track !== current && track !== this._outgoing.getTracks().find((t) => t.kind === kind)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'the track is not in this stream');
    }
    this._unwatchRawTrack(current);
    if (kind === 'audio') {
      this._audioPipeline?.dispose();
      this._audioPipeline = null;
      this._rawAudio = null;
    } else {
      this._videoPipeline?.dispose();
      this._videoPipeline = null;
      this._rawVideo = null;
    }
    await this._syncOutgoing();
  }

  /** Replaces the audio or video track with another of the same kind, without renegotiation. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    this._requireReady('replaceTrack');
    requireTrack(track);
    const kind = track.kind as 'audio' | 'video';
    const old = kind === 'audio' ? this._rawAudio : this._rawVideo;
    if (!old) throw new RtcError(ErrorCode.INVALID_OPERATION, `the stream has no ${kind} track to replace; use addTrack()`);
    await this._swapRawTrack(kind, track, false);
  }

  // --------------------------------------------------------------------- mute

  /** Mutes the microphone; false when there is no audio track. Remote users get `mute-audio`. */
  muteAudio(): boolean {
    return this._setMuted('audio', true);
  }

  /** Unmutes the microphone; false when there is no audio track. */
  unmuteAudio(): boolean {
    return this._setMuted('audio', false);
  }

  /** Mutes the camera (black frames are sent); false when there is no video track. */
  muteVideo(): boolean {
    return this._setMuted('video', true);
  }

  /** Unmutes the camera; false when there is no video track. */
  unmuteVideo(): boolean {
    return this._setMuted('video', false);
  }

  /** Whether the audio is muted. */
  isAudioMuted(): boolean {
    return this._audioMuted;
  }

  /** Whether the video is muted. */
  isVideoMuted(): boolean {
    return this._videoMuted;
  }

  // ------------------------------------------------------------------- levels

  /** Smoothed level 0–1 of what is published (0 while muted). */
  getAudioLevel(): number {
    if (this._audioMuted || !this._audioPipeline) return 0;
    return this._audioPipeline.reading.level;
  }

  /** Whether the user is speaking now (WASM VAD; ngx-trtc addition). */
  isSpeaking(): boolean {
    return !this._audioMuted && !!this._audioPipeline?.reading.speaking;
  }

  /** The audio level as dBFS (−100 for silence; ngx-trtc addition). */
  getAudioDbfs(): number {
    return this._audioMuted || !this._audioPipeline ? -100 : this._audioPipeline.reading.dbfs;
  }

  /** Capture volume: 100 = as captured, 0 = silent, above 100 amplifies (trtc-js-sdk `setAudioCaptureVolume`). */
  setAudioCaptureVolume(volume = 100): boolean {
    if (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'volume must be a number ≥ 0');
    }
    // The core's limiter is specified up to MAX_GAIN (volume 10000).
    this._captureGain = Math.min(volume / 100, MAX_GAIN);
    this._audioPipeline?.setGain(this._captureGain);
    return !!this._audioPipeline;
  }

  /**
   * ngx-trtc: audio processing before publishing. `noiseSuppression: true`
   * runs RNNoise in the capture worklet, live, without renegotiating; before
   * initialize() the choice is kept and applied once the microphone runs.
   * Rejects with INVALID_PARAMETER on bad options, NOT_SUPPORTED where the
   * pipeline cannot run the denoiser (no AudioWorklet, not 48 kHz).
   */
  async setAudioProcessing(options: AudioProcessingOptions): Promise<void> {
    if (!options || typeof options !== 'object' || (options.noiseSuppression !== undefined && typeof options.noiseSuppression !== 'boolean')) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'setAudioProcessing: expected {noiseSuppression?: boolean}');
    }
    if (this._state === 'closed') throw new RtcError(ErrorCode.INVALID_OPERATION, 'setAudioProcessing: the stream is closed');
    const noiseSuppression = options.noiseSuppression ?? this._noiseSuppression;
    if (this._state === 'ready' && this._rawAudio && !this._audioPipeline && noiseSuppression) {
      throw new RtcError(ErrorCode.NOT_SUPPORTED, 'setAudioProcessing: this browser has no AudioWorklet pipeline for noise suppression');
    }
    await this._audioPipeline?.setNoiseSuppression(noiseSuppression);
    this._noiseSuppression = noiseSuppression;
  }

  /** The audio processing in effect (or to apply at initialize()). */
  getAudioProcessing(): Required<AudioProcessingOptions> {
    return { noiseSuppression: this._noiseSuppression };
  }

  // ----------------------------------------------------------------- profiles

  /** Audio profile; capture settings take effect at initialize() (as in trtc-js-sdk), the bitrate at once. */
  setAudioProfile(profile: AudioProfileName): void {
    this._audioProfile = resolveAudioProfile(profile);
    this._reapplyEncodings();
  }

  /** Camera profile by name or `{width, height, frameRate, bitrate}`; applied live after initialize(). */
  async setVideoProfile(profile: VideoProfileName | Partial<VideoProfile>): Promise<void> {
    const resolved = resolveVideoProfile(profile);
    this._videoProfile = resolved;
    if (this._state === 'ready' && this._rawVideo && this._ownsVideo && !this._config.screen) {
      try {
        await this._rawVideo.applyConstraints({
          width: { ideal: resolved.width },
          height: { ideal: resolved.height },
          frameRate: { ideal: resolved.frameRate },
        });
      } catch (error) {
        throw new RtcError(ErrorCode.INVALID_PARAMETER, 'the camera cannot take this profile', { cause: error });
      }
    }
    this._reapplyEncodings();
  }

  /** Screen-share profile; capture settings take effect at initialize(), the bitrate at once. */
  setScreenProfile(profile: ScreenProfileName | Partial<VideoProfile>): void {
    this._screenProfile = resolveScreenProfile(profile);
    this._reapplyEncodings();
  }

  /** While published, the sender's caps follow the profiles (no renegotiation). */
  private _reapplyEncodings(): void {
    this._link?.updateEncodings?.().catch((error) => {
      // The caps are advisory; the stream keeps flowing at the old bitrate.
      this._emitter.emit('error', new RtcError(ErrorCode.INVALID_OPERATION, 'could not apply the new bitrate', { cause: error }));
    });
  }

  /** The camera (or screen) profile in force. */
  getVideoProfile(): VideoProfile {
    return { ...(this._config.screen ? this._screenProfile : this._videoProfile) };
  }

  /** The audio profile in force. */
  getAudioProfile(): AudioProfile {
    return { ...this._audioProfile };
  }

  /** Tells the encoder what the video is: `motion`, `detail` or `text`. */
  setVideoContentHint(hint: ContentHint): void {
    if (!['motion', 'detail', 'text', ''].includes(hint)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, "hint must be 'motion', 'detail' or 'text'");
    }
    this._contentHint = hint;
    for (const t of [this._rawVideo, this.getVideoTrack()]) if (t) t.contentHint = hint;
  }

  // ------------------------------------------------------------------ devices

  /**
   * Switches the microphone (`'audio'`) or camera (`'video'`) to another device,
   * in place while published. A failure rejects with a capture RtcError
   * (DEVICE_NOT_FOUND for an unknown id) and the stream keeps the device it had.
   */
  async switchDevice(type: 'audio' | 'video', deviceId: string): Promise<void> {
    if (type !== 'audio' && type !== 'video') throw new RtcError(ErrorCode.INVALID_PARAMETER, "type must be 'audio' or 'video'");
    if (typeof deviceId !== 'string' || !deviceId) throw new RtcError(ErrorCode.INVALID_PARAMETER, 'deviceId must be a non-empty string');
    this._requireReady('switchDevice');
    if (this._config.screen && type === 'video') throw new RtcError(ErrorCode.INVALID_OPERATION, 'a screen share has no camera to switch');
    const current = type === 'audio' ? this._rawAudio : this._rawVideo;
    const owns = type === 'audio' ? this._ownsAudio : this._ownsVideo;
    if (!current || !owns) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `the stream has no captured ${type === 'audio' ? 'microphone' : 'camera'}`);
    }
    if (current.getSettings().deviceId === deviceId && current.readyState === 'live') return;
    await this._switchTo(type, deviceId, 'switch');
  }

  // ------------------------------------------------------------------ effects

  /**
   * Sets the video effects (ngx-trtc addition), live: while any is on the camera
   * goes through the pipeline; with all off the raw camera track is published.
   * Turning the pipeline on or off swaps the sender's track (no renegotiation);
   * changing effects while on only sends new parameters to the worker.
   */
  async setVideoEffects(effects: VideoEffects): Promise<void> {
    this._effects = normalizeEffects(effects);
    if (this._state !== 'ready') return;
    await this._applyEffects();
    await this._syncOutgoing();
  }

  /** The effects in force. */
  getVideoEffects(): VideoEffects {
    return { ...this._effects };
  }

  /** The video pipeline's counters, or null while no effect is on. */
  async getVideoPipelineStats(): Promise<VideoPipelineStats | null> {
    return this._videoPipeline ? this._videoPipeline.stats() : null;
  }

  /** Which video pipeline runs: `breakout-box`, `canvas`, or null (raw track). */
  getVideoPipelineKind(): 'breakout-box' | 'canvas' | null {
    return this._videoPipeline?.kind ?? null;
  }

  // ---------------------------------------------------------------- internals

  protected _playbackTracks(): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } {
    return { audio: this.getAudioTrack(), video: this.getVideoTrack() };
  }

  protected _defaultPlayOptions(): Required<PlayOptions> {
    return { objectFit: this._config.screen ? 'contain' : 'cover', muted: true, mirror: this.isPreviewMirrored() };
  }

  /**
   * Whether a preview of this stream should be CSS-mirrored: a camera preview
   * looks like a mirror (unless `mirror: false`), and when the mirror effect
   * already flips the published picture the preview must not flip it back.
   */
  isPreviewMirrored(): boolean {
    const wantsMirror = !this._config.screen && this._config.mirror !== false;
    const published = !!this._videoPipeline && !!this._effects.mirror;
    return wantsMirror !== published;
  }

  private _captureOptions(audio: boolean, video: boolean) {
    const c = this._config;
    return {
      audio,
      video,
      microphoneId: c.microphoneId,
      cameraId: c.cameraId,
      facingMode: c.facingMode,
      audioProfile: this._audioProfile,
      videoProfile: this._videoProfile,
    };
  }

  private _requireReady(what: string): void {
    if (this._state !== 'ready') {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `${what}() needs an initialized stream (it is ${this._state})`);
    }
  }

  private _setMuted(kind: 'audio' | 'video', muted: boolean): boolean {
    if (this._state !== 'ready' || !(kind === 'audio' ? this._rawAudio : this._rawVideo)) return false;
    if (kind === 'audio') this._audioMuted = muted;
    else this._videoMuted = muted;
    this._applyMute();
    this._link?.updateState(kind === 'audio' ? { audioMuted: muted } : { videoMuted: muted });
    return true;
  }

  private _applyMute(): void {
    for (const t of [this._rawAudio, this._audioPipeline?.outputTrack]) if (t) t.enabled = !this._audioMuted;
    for (const t of [this._rawVideo, this._videoPipeline?.outputTrack]) if (t) t.enabled = !this._videoMuted;
  }

  private async _startAudioPipeline(): Promise<void> {
    const raw = this._rawAudio;
    if (!raw || this._audioPipeline) return;
    const engine = this._deps.audioEngine === undefined ? getAudioEngine() : this._deps.audioEngine;
    if (!engine) return;
    try {
      this._audioPipeline = await LocalAudioPipeline.create(engine, raw, this._audioProfile.channelCount, this._captureGain);
      if (this._noiseSuppression) {
        await this._audioPipeline.setNoiseSuppression(true).catch((error: unknown) => {
          // Chosen before initialize(): the call still runs, without the denoiser; say why.
          console.warn('[ngx-trtc] noise suppression unavailable', error);
          this._noiseSuppression = false;
        });
      }
    } catch (error) {
      // Without the worklet the raw microphone is published; only levels and gain are lost.
      console.warn('[ngx-trtc] audio pipeline unavailable; publishing the raw microphone', error);
      return;
    }
    if (!this._engineCleanup) {
      // While the AudioContext waits for a user gesture the pipeline outputs silence: publish
      // the raw track until it runs, then swap.
      const onState = () => void this._syncOutgoing();
      engine.context.addEventListener('statechange', onState);
      this._engineCleanup = () => engine.context.removeEventListener('statechange', onState);
    }
  }

  /** Creates, updates or disposes the video pipeline to match the effects. */
  private async _applyEffects(): Promise<void> {
    await this._videoPipelinePending;
    const raw = this._rawVideo;
    const wanted = !!raw && hasActiveEffects(this._effects);
    if (wanted && this._videoPipeline) {
      this._videoPipeline.setEffects(this._effects);
      return;
    }
    if (wanted && raw) {
      this._videoPipelinePending = (async () => {
        const pipeline = await createVideoPipeline(raw, this._effects, {
          frameRate: this.getVideoProfile().frameRate,
          ...this._deps.videoPipeline,
        });
        if (this._state === 'closed' || this._rawVideo !== raw) {
          pipeline.dispose();
          return;
        }
        if (this._contentHint) pipeline.outputTrack.contentHint = this._contentHint;
        pipeline.outputTrack.enabled = !this._videoMuted;
        this._videoPipeline = pipeline;
      })();
      try {
        await this._videoPipelinePending;
      } finally {
        this._videoPipelinePending = null;
      }
      return;
    }
    if (!wanted && this._videoPipeline) {
      const old = this._videoPipeline;
      this._videoPipeline = null;
      // Switch the sender back to the raw track before the processed one stops.
      await this._syncOutgoing();
      old.dispose();
    }
  }

  /** The tracks that should be on the wire now. */
  private _wantedTracks(): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } {
    const audio = this._audioPipeline?.isLive ? this._audioPipeline.outputTrack : this._rawAudio;
    const video = this._videoPipeline?.outputTrack ?? this._rawVideo;
    return { audio, video };
  }

  /** Makes the outgoing MediaStream hold the wanted tracks and tells the sender and the player. */
  private async _syncOutgoing(): Promise<void> {
    if (this._state !== 'ready') return;
    const wanted = this._wantedTracks();
    const work: Promise<void>[] = [];
    let renegotiate = false;
    let changed = false;
    for (const kind of ['audio', 'video'] as const) {
      const current = this._outgoing.getTracks().find((t) => t.kind === kind) ?? null;
      const next = wanted[kind];
      if (current === next) continue;
      changed = true;
      if (current) this._outgoing.removeTrack(current);
      if (next) this._outgoing.addTrack(next);
      if (!this._link) continue;
      if (current && next) work.push(this._link.replaceTrack(kind, next));
      else renegotiate = true;
    }
    if (!changed) return;
    this._refreshPlayer();
    if (this._link && renegotiate) {
      work.push(this._link.renegotiate());
      this._link.updateState({ hasAudio: this.hasAudio(), hasVideo: this.hasVideo() });
    }
    await Promise.all(work);
  }

  /** Puts a new raw track in place of the old one, through the pipelines. */
  private async _swapRawTrack(kind: 'audio' | 'video', track: MediaStreamTrack, owned: boolean): Promise<void> {
    const old = kind === 'audio' ? this._rawAudio : this._rawVideo;
    const ownedOld = kind === 'audio' ? this._ownsAudio : this._ownsVideo;
    this._unwatchRawTrack(old);
    if (kind === 'audio') {
      this._rawAudio = track;
      this._ownsAudio = owned;
      if (this._audioPipeline) this._audioPipeline.setInput(track);
      else await this._startAudioPipeline();
    } else {
      this._rawVideo = track;
      this._ownsVideo = owned;
      if (this._contentHint) track.contentHint = this._contentHint;
      if (this._videoPipeline) this._videoPipeline.setInput(track);
      else await this._applyEffects();
    }
    this._watchRawTrack(track, kind);
    this._applyMute();
    await this._syncOutgoing();
    if (old && old !== track && ownedOld) old.stop();
  }

  private async _switchTo(kind: 'audio' | 'video', deviceId: string, reason: 'switch' | 'unplugged'): Promise<void> {
    const old = kind === 'audio' ? this._rawAudio : this._rawVideo;
    const devices = this._deps.mediaDevices;
    if (!devices) throw new RtcError(ErrorCode.NOT_SUPPORTED, 'getUserMedia is unavailable');
    // Cameras often cannot be opened twice: release the old one first. An id the
    // browser does not list cannot open, so refuse it while the old camera still runs.
    if (kind === 'video' && old) {
      if (reason === 'switch' && !(await isListed(devices, 'videoinput', deviceId))) {
        throw captureError(new DOMException(`no camera with id ${deviceId}`, 'OverconstrainedError'), 'camera');
      }
      this._unwatchRawTrack(old);
      old.stop();
    }
    let stream: MediaStream;
    try {
      stream = await devices.getUserMedia(
        kind === 'audio'
          ? { audio: audioConstraints(this._audioProfile, deviceId), video: false }
          : { audio: false, video: videoConstraints(this._videoProfile, deviceId) },
      );
    } catch (error) {
      if (kind === 'video' && old && reason === 'switch') await this._reopenCamera(old.getSettings().deviceId);
      throw captureError(error, kind === 'audio' ? 'microphone' : 'camera');
    }
    const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    if (this._state !== 'ready') {
      track.stop();
      throw new RtcError(ErrorCode.API_CALL_ABORTED, 'the stream was closed during switchDevice()');
    }
    await this._swapRawTrack(kind, track, true);
    this._emitter.emit('device-changed', {
      kind,
      deviceId: track.getSettings().deviceId ?? deviceId,
      label: track.label,
      reason,
    });
  }

  /** After a failed camera switch, puts the previous camera back (it was released to free the device). */
  private async _reopenCamera(deviceId: string | undefined): Promise<void> {
    try {
      const stream = await this._deps.mediaDevices!.getUserMedia({
        audio: false,
        video: videoConstraints(this._videoProfile, deviceId),
      });
      if (this._state === 'ready') await this._swapRawTrack('video', stream.getVideoTracks()[0], true);
      else stream.getTracks().forEach((t) => t.stop());
    } catch (error) {
      // The switch error is what the caller needs; say that the old camera is gone too.
      this._emitter.emit('error', new RtcError(ErrorCode.DEVICE_AUTO_RECOVER_FAILED, 'the previous camera could not be reopened', { cause: error }));
    }
  }

  private _watchRawTrack(track: MediaStreamTrack, kind: 'audio' | 'video'): void {
    const onEnded = () => this._onRawTrackEnded(track, kind);
    track.addEventListener('ended', onEnded);
    this._trackCleanups.set(track, () => track.removeEventListener('ended', onEnded));
  }

  private _unwatchRawTrack(track: MediaStreamTrack | null): void {
    if (!track) return;
    this._trackCleanups.get(track)?.();
    this._trackCleanups.delete(track);
  }

  private _onRawTrackEnded(track: MediaStreamTrack, kind: 'audio' | 'video'): void {
    if (this._state !== 'ready') return;
    if (this._config.screen && kind === 'video') {
      this._emitter.emit('screen-sharing-stopped', undefined);
      return;
    }
    const owns = kind === 'audio' ? this._ownsAudio : this._ownsVideo;
    if (owns) void this._recover(kind, track.getSettings().deviceId ?? '');
  }

  /** The device in use went away: fall back to another of the same kind and say so. */
  private _recover(kind: 'audio' | 'video', lostDeviceId: string): Promise<void> {
    this._recovering[kind] ??= (async () => {
      try {
        const devices = (await this._deps.mediaDevices?.enumerateDevices()) ?? [];
        const candidates = devices.filter(
          (d) => d.kind === (kind === 'audio' ? 'audioinput' : 'videoinput') && d.deviceId !== lostDeviceId,
        );
        const next = candidates.find((d) => d.deviceId !== 'default' && d.deviceId !== 'communications') ?? candidates[0];
        if (!next) throw new RtcError(ErrorCode.DEVICE_NOT_FOUND, `no other ${kind === 'audio' ? 'microphone' : 'camera'} to fall back to`);
        await this._switchTo(kind, next.deviceId, 'unplugged');
      } catch (error) {
        if (this._state !== 'ready') return;
        this._emitter.emit(
          'error',
          new RtcError(ErrorCode.DEVICE_AUTO_RECOVER_FAILED, `the ${kind} device was lost and no other could be opened`, {
            cause: error,
          }),
        );
      } finally {
        delete this._recovering[kind];
      }
    })();
    return this._recovering[kind]!;
  }

  private _startDeviceWatch(): void {
    if (!this._ownsAudio && !this._ownsVideo) return;
    if (this._config.screen && !this._ownsAudio) return;
    this._deviceWatch = watchDevices(this._deps.mediaDevices).subscribe((change) => {
      if (change.type !== 'remove') return;
      for (const kind of ['audio', 'video'] as const) {
        const track = kind === 'audio' ? this._rawAudio : this._rawVideo;
        const owns = kind === 'audio' ? this._ownsAudio : this._ownsVideo;
        if (!track || !owns || change.kind !== `${kind}input`) continue;
        if (track.getSettings().deviceId === change.device.deviceId) void this._recover(kind, change.device.deviceId);
      }
    });
  }
}

/**
 * Whether `enumerateDevices()` lists `deviceId` among the `kind` devices. True
 * when it cannot tell (ids hidden, listing failed): getUserMedia then decides.
 */
async function isListed(devices: MediaDevicesLike, kind: MediaDeviceKind, deviceId: string): Promise<boolean> {
  let listed: MediaDeviceInfo[];
  try {
    listed = (await devices.enumerateDevices()).filter((d) => d.kind === kind);
  } catch {
    // Not knowing is no reason to refuse: the capture itself gives the definitive answer.
    return true;
  }
  return !listed.some((d) => d.deviceId) || listed.some((d) => d.deviceId === deviceId);
}

function requireTrack(track: unknown): asserts track is MediaStreamTrack {
  if (typeof MediaStreamTrack === 'undefined' || !(track instanceof MediaStreamTrack)) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'a MediaStreamTrack is required');
  }
}

function validateConfig(config: StreamConfig): void {
  if (!config || typeof config !== 'object') throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createStream() needs a config object');
  const c = config;
  if (c.audioSource !== undefined && !(c.audioSource instanceof MediaStreamTrack && c.audioSource.kind === 'audio')) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'audioSource must be an audio MediaStreamTrack');
  }
  if (c.videoSource !== undefined && !(c.videoSource instanceof MediaStreamTrack && c.videoSource.kind === 'video')) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'videoSource must be a video MediaStreamTrack');
  }
  if (!c.audio && !c.video && !c.screen && !c.audioSource && !c.videoSource) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createStream() needs audio, video, screen or a custom source');
  }
  if (c.screen && c.video) throw new RtcError(ErrorCode.INVALID_PARAMETER, 'screen and video cannot both be true; use two streams');
  if (c.facingMode !== undefined && c.facingMode !== 'user' && c.facingMode !== 'environment') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, "facingMode must be 'user' or 'environment'");
  }
}
