import type { SfuSignaling } from '../signal/sfu-signaling';
import type { SfuJoinConfig } from '../signal/protocol';
import type { FrameEncryption } from '../media/e2ee/media-encryption';
import type { LayerMessage } from './layer-message';

/** Which of the two peer connections: publisher (uplink) or subscriber (downlink). */
export type PeerConnectionRole = 'publisher' | 'subscriber';

/** A simulcast layer as ion-sfu names it. */
export type SimulcastLayer = 'high' | 'medium' | 'low';

/** Events a transport reports up to the client. */
export interface SfuTransportEventMap {
  /** A remote track arrived, with the MediaStream (publisher's msid) it belongs to. */
  track: { track: MediaStreamTrack; stream: MediaStream };
  /** ICE state of one of the peer connections changed. */
  'ice-state': { role: PeerConnectionRole; state: RTCIceConnectionState };
  /** ion-sfu's audio-level observer: stream ids of the current speakers, loudest first. */
  'audio-levels': string[];
  /** A negotiation failed (the connection is probably unusable). */
  'negotiation-failed': { role: PeerConnectionRole; error: unknown };
}

/** How a stream's video goes on the wire. */
export interface PublishOptions {
  /**
   * Simulcast encodings (rid `f` = high, `h` = medium, `q` = low); absent or
   * empty for a single encoding.
   */
  simulcast?: RTCRtpEncodingParameters[];
  /** Bitrate and frame-rate caps from the stream's profiles. */
  limits?: EncodingLimits;
}

/** Sender caps from a stream's audio/video profile (trtc-js-sdk profile `bitrate`/`frameRate`). */
export interface EncodingLimits {
  videoMaxBitrateKbps?: number;
  audioMaxBitrateKbps?: number;
  maxFramerate?: number;
}

/** One published stream on the publisher connection. */
export interface Publication {
  /** The MediaStream id carried as msid. */
  readonly streamId: string;
  /** Swaps a sender's track without renegotiation (null sends nothing). */
  replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void>;
  /** Adds/removes senders to match these tracks, then renegotiates. */
  setTracks(tracks: MediaStreamTrack[]): Promise<void>;
  /** The senders of this stream. */
  getSenders(): RTCRtpSender[];
  /** Applies new caps to the senders without renegotiation (the top simulcast layer for video). */
  setEncodingLimits(limits: EncodingLimits): Promise<void>;
  /** Removes the senders and renegotiates. */
  unpublish(): Promise<void>;
}

/**
 * The two peer connections to ion-sfu (ion-sdk-js's Client behind an
 * interface, so the client's logic is testable without ICE).
 */
export interface SfuTransport {
  /** Joins the SFU session; resolves once the subscriber's `ion-sfu` data channel is open. */
  join(config: SfuJoinConfig): Promise<void>;
  /** Listens to transport events; returns the removal. */
  on<K extends keyof SfuTransportEventMap>(type: K, handler: (payload: SfuTransportEventMap[K]) => void): () => void;
  /** Sends a stream's tracks with the given msid and negotiates. */
  publish(msid: MediaStream, tracks: MediaStreamTrack[], options?: PublishOptions): Promise<Publication>;
  /** Sends a layer/mute request on ion-sfu's data channel (see {@link LayerMessage}). */
  sendApi(message: LayerMessage): void;
  /** Restarts ICE on the publisher connection (the subscriber is restarted by the SFU). */
  restartIce(): Promise<void>;
  /** getStats of one connection, or null before join / after close. */
  getStats(role: PeerConnectionRole): Promise<RTCStatsReport | null>;
  /** Current ICE state of one connection. */
  iceState(role: PeerConnectionRole): RTCIceConnectionState;
  /** Closes both connections; leaves the signal open. */
  close(): void;
}

/** What else a transport is built with. */
export interface SfuTransportOptions {
  /** End-to-end encryption of every sent and received frame (`createClient({e2ee})`). */
  encryption?: FrameEncryption;
}

/** Creates the transport of one SFU session over a signal. */
export type SfuTransportFactory = (signal: SfuSignaling, config: RTCConfiguration, options?: SfuTransportOptions) => SfuTransport;
