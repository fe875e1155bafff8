/**
 * The seam between the client (client/, transport/) and streams (stream/, media/).
 * The client publishes anything that is a {@link PublishableStream} and builds
 * remote streams through {@link RemoteStreamFactory}; neither side reaches into
 * the other's classes.
 */

/** Main (camera/mic) or auxiliary (screen share) stream, as in trtc-js-sdk. */
export type StreamType = 'main' | 'auxiliary';

/** Mute/track state of a stream as the room sees it. */
export interface StreamMediaState {
  hasAudio: boolean;
  hasVideo: boolean;
  audioMuted: boolean;
  videoMuted: boolean;
}

/** What a stream reports to the room while it is published. */
export type StreamStateChange = Partial<StreamMediaState>;

/** Given by the client to a local stream while it is published. */
export interface PublisherLink {
  /** Mute state or track presence changed: the client tells the room (`stream.update`). */
  updateState(change: StreamStateChange): void;
  /** A track was swapped (device switch, effects on/off): replace the sender's track, no renegotiation. */
  replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void>;
  /** A track was added or removed: renegotiate the publisher connection. */
  renegotiate(): Promise<void>;
  /** The profiles changed: re-apply `getEncodingHints()` to the senders, no renegotiation. */
  updateEncodings?(): Promise<void>;
}

/** What the client needs of a local stream to publish it. */
export interface PublishableStream {
  /** The stream id (trtc-js-sdk `getId()`). */
  getId(): string;
  getUserId(): string;
  /** The MediaStream whose tracks go on the wire (processed tracks when effects are on). */
  getMediaStream(): MediaStream | null;
  /** Current mute/track state. */
  getMediaState(): StreamMediaState;
  /** Main or auxiliary (screen share). */
  getType(): StreamType;
  /** Smoothed audio level 0–1 (from the WASM meter). */
  getAudioLevel(): number;
  /** The client attaches a link when published and `null` when unpublished. */
  attachPublisher(link: PublisherLink | null): void;
  /** Bitrates (kbps) and frame rate of the profiles in force, for the sender's encoding parameters. Optional. */
  getEncodingHints?(): { videoBitrateKbps: number; audioBitrateKbps: number; frameRate: number };
}

/** What the room-server registry says about a remote stream. */
export interface RemoteStreamInfo extends StreamMediaState {
  streamId: string;
  userId: string;
  type: StreamType;
  simulcast: boolean;
}

/** Given by the client to a remote stream: what it may ask of the subscription. */
export interface RemoteStreamControl {
  /** Ask ion-sfu for a simulcast layer, or none (video off), and audio on/off. */
  setLayer(options: { video?: 'high' | 'medium' | 'low' | 'none'; audio?: boolean }): void;
}

/** What the client needs of a remote stream it created. */
export interface RemoteStreamHandle {
  getId(): string;
  getUserId(): string;
  getType(): StreamType;
  getAudioLevel(): number;
  /** The registry changed (mute, tracks). */
  updateInfo(info: RemoteStreamInfo): void;
  /** The received MediaStream changed (re-subscribe, reconnect). */
  setMediaStream(stream: MediaStream | null): void;
  /** The stream left the room: stop playback, release meters. */
  dispose(): void;
}

/** Builds remote streams; provided by the streams side, used by the client. */
export type RemoteStreamFactory = (
  info: RemoteStreamInfo,
  mediaStream: MediaStream,
  control: RemoteStreamControl,
) => RemoteStreamHandle;
