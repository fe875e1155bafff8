import type { EgressEvent, EgressFailedEvent } from './cdn-egress';
import type { RtcError } from '../errors/rtc-error';
import type { E2eeOptions, E2eeStateEvent } from '../media/e2ee/media-encryption';
import type { RemoteStreamHandle } from '../stream/stream-contracts';

/** A room role; only meaningful in `live` mode. */
export type Role = 'anchor' | 'audience';

/** Main (camera) or auxiliary (screen share) remote stream. */
export type RemoteStreamType = 'main' | 'auxiliary';

/** The client's connection to the room, as trtc-js-sdk reports it. */
export type ConnectionState = 'DISCONNECTED' | 'CONNECTING' | 'RECONNECTING' | 'CONNECTED';

/** Configuration of `TRTC.createClient`, as in trtc-js-sdk v4, plus ngx-trtc's `serverUrl`. */
export interface ClientConfig {
  sdkAppId: number;
  userId: string;
  userSig: string;
  /** `rtc` (alias `videoCall`) or `live`. */
  mode: 'rtc' | 'live' | 'videoCall';
  /** Whether `roomId` is a string (trtc-js-sdk 4.3+). */
  useStringRoomId?: boolean;
  /** Subscribe every remote stream automatically (default true). */
  autoSubscribe?: boolean;
  /** Accepted for compatibility; autoplay handling belongs to the streams. */
  enableAutoPlayDialog?: boolean;
  /** Accepted for compatibility (Tencent CDN); ignored. */
  streamId?: string;
  /** Accepted for compatibility (Tencent cloud recording); ignored. */
  userDefineRecordId?: string;
  /** Accepted for compatibility; ignored. */
  pureAudioPushMode?: 1 | 2;
  /** Accepted for compatibility; SEI is not supported. */
  enableSEI?: boolean;
  /**
   * ngx-trtc: room-server's WebSocket URL, `ws(s)://host/rtc`. Defaults to
   * `provideTrtc({serverUrl})`, then `TRTC.setServerUrl()`, then `/rtc` on the page's host.
   */
  serverUrl?: string;
  /**
   * ngx-trtc: end-to-end encryption of every published audio and video frame
   * (AES-GCM in a worker, keys only in the browsers); `e2ee-state` events tell
   * how each sender and receiver fares. See the README, "End-to-end encryption".
   */
  e2ee?: E2eeOptions;
}

/** Options of `client.join`. */
export interface JoinOptions {
  roomId: number | string;
  /** `anchor` (default) or `audience`; live mode only. */
  role?: Role;
  /** Room permission key (TLSSigAPIv2 userbuf). */
  privateMapKey?: string;
}

/** Options of `client.publish`. */
export interface PublishOptions {
  /** Publish as the auxiliary (screen share) stream. */
  isAuxiliary?: boolean;
}

/** Options of `client.subscribe`. */
export interface SubscribeOptions {
  audio?: boolean;
  video?: boolean;
}

/** One entry of `client.getRemoteMutedState()`. */
export interface RemoteMutedState {
  userId: string;
  hasAudio: boolean;
  hasVideo: boolean;
  hasSmall: boolean;
  audioMuted: boolean;
  videoMuted: boolean;
}

/** `client.getTransportStats()`. */
export interface TransportStats {
  /** Uplink RTT in ms. */
  rtt: number;
  /** Downlink RTT per remote user, in ms. */
  downlinksRTT: { [userId: string]: number };
}

/** Audio statistics of a published local stream. */
export interface LocalAudioStats {
  bytesSent: number;
  packetsSent: number;
}

/** Video statistics of a published local stream. */
export interface LocalVideoStats {
  bytesSent: number;
  packetsSent: number;
  framesEncoded: number;
  framesSent: number;
  frameWidth: number;
  frameHeight: number;
}

/** Audio statistics of a remote stream. */
export interface RemoteAudioStats {
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
}

/** Video statistics of a remote stream. */
export interface RemoteVideoStats {
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
}

/** Local audio statistics by userId. */
export interface LocalAudioStatsMap {
  [userId: string]: LocalAudioStats;
}
/** Local video statistics by userId. */
export interface LocalVideoStatsMap {
  [userId: string]: LocalVideoStats;
}
/** Remote audio statistics by userId. */
export interface RemoteAudioStatsMap {
  [userId: string]: RemoteAudioStats;
}
/** Remote video statistics by userId. */
export interface RemoteVideoStatsMap {
  [userId: string]: RemoteVideoStats;
}

/** TRTC network quality: 0 unknown, 1 excellent … 5 very bad, 6 disconnected. */
export type NetworkQualityLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Payload of `network-quality`. */
export interface NetworkQuality {
  uplinkNetworkQuality: NetworkQualityLevel;
  downlinkNetworkQuality: NetworkQualityLevel;
  /** ms */
  uplinkRTT: number;
  /** 0–1 */
  uplinkLoss: number;
  /** ms */
  downlinkRTT: number;
  /** 0–1 */
  downlinkLoss: number;
}

/** Small (low simulcast layer) stream parameters. */
export interface SmallStreamProfile {
  width: number;
  height: number;
  /** kbps */
  bitrate: number;
  frameRate: number;
}

/** A TURN server, as trtc-js-sdk takes it (`url`, not `urls`). */
export interface TurnServerConfig {
  url: string;
  username?: string;
  credential?: string;
  credentialType?: 'password';
}

/** Something with an audio level and a user: a local or remote stream. */
export interface AudioVolumeSource {
  getUserId(): string;
  getAudioLevel(): number;
}

/** One entry of `audio-volume`. */
export interface UserAudioVolume<S = AudioVolumeSource> {
  userId: string;
  /** 0–100 */
  audioVolume: number;
  stream: S;
}

/** `{stream}` payload of stream events. */
export interface RemoteStreamInfo<R = RemoteStreamHandle> {
  stream: R;
}

/** `{userId}` payload of peer and mute events. */
export interface RemoteUserInfo {
  userId: string;
}

/** Payload of `connection-state-changed`. */
export interface ConnectionStateChange {
  prevState: ConnectionState;
  state: ConnectionState;
}

/** Payload of `client-banned`. */
export interface ClientBannedInfo {
  reason: 'kick' | 'banned' | 'room-disband';
  message: string;
}

/** Payload of `reconnected` (ngx-trtc): the room is whole again after a lost link. */
export interface ReconnectedInfo {
  /** How many attempts it took. */
  attempts: number;
  /** How long the client was RECONNECTING, in ms. */
  durationMs: number;
}

/**
 * Client events by name, with trtc-js-sdk v4's payloads (`R` is the remote
 * stream type), plus ngx-trtc's `reconnected` and `active-speakers`.
 */
export interface ClientEventMap<R = RemoteStreamHandle, S = AudioVolumeSource> {
  'stream-added': RemoteStreamInfo<R>;
  'stream-removed': RemoteStreamInfo<R>;
  'stream-updated': RemoteStreamInfo<R>;
  'stream-subscribed': RemoteStreamInfo<R>;
  'connection-state-changed': ConnectionStateChange;
  'peer-join': RemoteUserInfo;
  'peer-leave': RemoteUserInfo;
  'mute-audio': RemoteUserInfo;
  'mute-video': RemoteUserInfo;
  'unmute-audio': RemoteUserInfo;
  'unmute-video': RemoteUserInfo;
  'client-banned': ClientBannedInfo;
  'network-quality': NetworkQuality;
  'audio-volume': { result: UserAudioVolume<S>[] };
  error: RtcError;
  /** ngx-trtc: CONNECTED again after RECONNECTING, local streams re-published. */
  reconnected: ReconnectedInfo;
  /** ngx-trtc: ion-sfu's audio-level observer, remote speakers loudest first. */
  'active-speakers': { userIds: string[] };
  /** ngx-trtc (E2EE): a sender's or receiver's frames changed state (`ok`, `missing-key`, `decrypt-failed`…). */
  'e2ee-state': E2eeStateEvent;
  /** ngx-trtc (egress): a recording or CDN push of the room became live (also after a restart). */
  'egress-started': EgressEvent;
  /** ngx-trtc (egress): its worker or an output failed; restarted when `isRestarting`. */
  'egress-failed': EgressFailedEvent;
  /** ngx-trtc (egress): it ended; `egress.endReason` says why. */
  'egress-stopped': EgressEvent;
}

/** A client event name. */
export type ClientEventName = keyof ClientEventMap;

/** Every client event as a discriminated union on `type`, the payload in `data`. */
export type ClientEvent<R = RemoteStreamHandle, S = AudioVolumeSource> = {
  [K in ClientEventName]: { readonly type: K; readonly data: ClientEventMap<R, S>[K] };
}[ClientEventName];

/** TRTC event names as constants (`TRTC.EVENT`-style). */
export const ClientEventType = {
  STREAM_ADDED: 'stream-added',
  STREAM_REMOVED: 'stream-removed',
  STREAM_UPDATED: 'stream-updated',
  STREAM_SUBSCRIBED: 'stream-subscribed',
  CONNECTION_STATE_CHANGED: 'connection-state-changed',
  PEER_JOIN: 'peer-join',
  PEER_LEAVE: 'peer-leave',
  MUTE_AUDIO: 'mute-audio',
  MUTE_VIDEO: 'mute-video',
  UNMUTE_AUDIO: 'unmute-audio',
  UNMUTE_VIDEO: 'unmute-video',
  CLIENT_BANNED: 'client-banned',
  NETWORK_QUALITY: 'network-quality',
  AUDIO_VOLUME: 'audio-volume',
  ERROR: 'error',
  RECONNECTED: 'reconnected',
  ACTIVE_SPEAKERS: 'active-speakers',
  E2EE_STATE: 'e2ee-state',
  EGRESS_STARTED: 'egress-started',
  EGRESS_FAILED: 'egress-failed',
  EGRESS_STOPPED: 'egress-stopped',
} as const satisfies Record<string, ClientEventName>;
