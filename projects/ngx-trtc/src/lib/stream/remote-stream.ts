import { getAudioEngine } from '../media/audio/audio-engine';
import { TrackAudioMeter } from '../media/audio/local-audio-pipeline';
import { PlayOptions } from '../media/playback/stream-player';
import { StreamBase } from './stream-base';
import {
  RemoteStreamControl,
  RemoteStreamFactory,
  RemoteStreamHandle,
  RemoteStreamInfo,
  StreamMediaState,
  StreamType,
} from './stream-contracts';

/**
 * A stream another user publishes (trtc-js-sdk v4 `RemoteStream`). The client
 * creates it through {@link createRemoteStream}; the app plays it, reads its
 * level and mute state.
 */
export class RemoteStream extends StreamBase implements RemoteStreamHandle {
  private _info: RemoteStreamInfo;
  private _mediaStream: MediaStream | null;
  private _meter: TrackAudioMeter | null = null;
  private _audioPlaybackOff = false;
  private _videoPlaybackOff = false;

  constructor(
    info: RemoteStreamInfo,
    mediaStream: MediaStream | null,
    private readonly _control: RemoteStreamControl | null = null,
  ) {
    super(info.streamId, info.userId);
    this._info = { ...info };
    this._mediaStream = mediaStream;
  }

  /** Main (camera) or auxiliary (screen share). */
  getType(): StreamType {
    return this._info.type;
  }

  /** Whether the publisher sends audio. */
  hasAudio(): boolean {
    return this._info.hasAudio;
  }

  /** Whether the publisher sends video. */
  hasVideo(): boolean {
    return this._info.hasVideo;
  }

  /** Whether the publisher sends a simulcast small stream. */
  hasSmall(): boolean {
    return this._info.simulcast;
  }

  /** The publisher's mute state. */
  getMediaState(): StreamMediaState {
    const { hasAudio, hasVideo, audioMuted, videoMuted } = this._info;
    return { hasAudio, hasVideo, audioMuted, videoMuted };
  }

  /** The received MediaStream (null until subscribed). */
  getMediaStream(): MediaStream | null {
    return this._mediaStream;
  }

  getAudioTrack(): MediaStreamTrack | null {
    return this._mediaStream?.getAudioTracks()[0] ?? null;
  }

  getVideoTrack(): MediaStreamTrack | null {
    return this._mediaStream?.getVideoTracks()[0] ?? null;
  }

  /** Smoothed level 0–1 of the received audio, metered locally by the WASM core; 0 while muted. */
  getAudioLevel(): number {
    if (this._info.audioMuted || !this.getAudioTrack()) return 0;
    this._ensureMeter();
    return this._meter?.reading.level ?? 0;
  }

  /** Whether the remote user is speaking (local VAD on the received audio). */
  isSpeaking(): boolean {
    if (this._info.audioMuted) return false;
    this._ensureMeter();
    return !!this._meter?.reading.speaking;
  }

  /** Stops receiving this stream's audio (trtc-js-sdk `RemoteStream.muteAudio`, local only). */
  muteAudio(): boolean {
    return this._setPlayback('audio', false);
  }

  /** Resumes receiving audio. */
  unmuteAudio(): boolean {
    return this._setPlayback('audio', true);
  }

  /** Stops receiving this stream's video (local only). */
  muteVideo(): boolean {
    return this._setPlayback('video', false);
  }

  /** Resumes receiving video. */
  unmuteVideo(): boolean {
    return this._setPlayback('video', true);
  }

  /** Stops playback and metering; the client keeps the subscription. */
  close(): void {
    this.stop();
    this._meter?.dispose();
    this._meter = null;
  }

  // ------------------------------------------------------------ RemoteStreamHandle

  /** Called by the client when the registry changes. */
  updateInfo(info: RemoteStreamInfo): void {
    this._info = { ...info };
    this._userId = info.userId;
  }

  /** Called by the client when the received MediaStream changes. */
  setMediaStream(stream: MediaStream | null): void {
    this._mediaStream = stream;
    this._refreshPlayer();
    if (this._meter) void this._meter.setTrack(this.getAudioTrack(), !this._player);
  }

  /** Called by the client when the stream leaves the room. */
  dispose(): void {
    this._closed = true;
    this.close();
    this._emitter.dispose();
  }

  /** The client's view of the remote mute/track state (for `getRemoteMutedState`). */
  getInfo(): RemoteStreamInfo {
    return { ...this._info };
  }

  protected _playbackTracks(): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } {
    return {
      audio: this._audioPlaybackOff ? null : this.getAudioTrack(),
      video: this._videoPlaybackOff ? null : this.getVideoTrack(),
    };
  }

  protected _defaultPlayOptions(): Required<PlayOptions> {
    return { objectFit: this._info.type === 'auxiliary' ? 'contain' : 'cover', muted: false, mirror: false };
  }

  private _setPlayback(kind: 'audio' | 'video', on: boolean): boolean {
    const track = kind === 'audio' ? this.getAudioTrack() : this.getVideoTrack();
    if (!track) return false;
    if (kind === 'audio') this._audioPlaybackOff = !on;
    else this._videoPlaybackOff = !on;
    track.enabled = on;
    this._control?.setLayer(kind === 'audio' ? { audio: on } : { video: on ? 'high' : 'none' });
    this._refreshPlayer();
    return true;
  }

  private _ensureMeter(): void {
    if (this._meter || this._closed) return;
    const engine = getAudioEngine();
    if (!engine) return;
    this._meter = new TrackAudioMeter(engine);
    void this._meter.setTrack(this.getAudioTrack(), true);
  }
}

/** The factory the client builds remote streams with (see stream-contracts.ts). */
export const createRemoteStream = ((info: RemoteStreamInfo, mediaStream: MediaStream, control: RemoteStreamControl): RemoteStream =>
  new RemoteStream(info, mediaStream, control)) satisfies RemoteStreamFactory;
