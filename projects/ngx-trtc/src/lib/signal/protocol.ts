/**
 * Types of the client ↔ room-server JSON-RPC protocol (docs/protocol.md).
 * Requests map to their params and result; notifications to their params.
 */

/** A session description as ion-sfu sends it. */
export interface SessionDescription {
  type: RTCSdpType;
  sdp: string;
}

/** A room role (live mode). */
export type RoomRole = 'anchor' | 'audience';

/** The room mode; `videoCall` is accepted by the client and sent as `rtc`. */
export type RoomMode = 'rtc' | 'live';

/** What a publisher announces about a stream (`stream.publish`). */
export interface StreamDescriptor {
  /** MediaStream id of the published stream (msid); ion-sfu keeps it for subscribers. */
  streamId: string;
  type: 'main' | 'auxiliary';
  hasAudio: boolean;
  hasVideo: boolean;
  audioMuted: boolean;
  videoMuted: boolean;
  simulcast: boolean;
}

/** A stream in the room registry. */
export interface StreamInfo extends StreamDescriptor {
  userId: string;
}

/** Another peer in the room. */
export interface PeerInfo {
  userId: string;
  role: RoomRole;
}

/** The answer to `room.join`. */
export interface RoomSnapshot {
  roomId: number | string;
  mode: RoomMode;
  role: RoomRole;
  /** Everyone else in the room. */
  peers: PeerInfo[];
  /** Every published stream of the others. */
  streams: StreamInfo[];
  /** How often to send `rtc.ping`. */
  heartbeatIntervalMs: number;
}

/** Params of `room.join`. */
export interface RoomJoinParams {
  sdkAppId: number;
  userId: string;
  userSig: string;
  roomId: number | string;
  mode: RoomMode;
  role?: RoomRole;
  privateMapKey?: string;
}

/** ion-sfu's join configuration. */
export interface SfuJoinConfig {
  NoPublish?: boolean;
  NoSubscribe?: boolean;
  NoAutoSubscribe?: boolean;
}

/** Requests: method → params and result. */
export interface RequestMap {
  'room.join': { params: RoomJoinParams; result: RoomSnapshot };
  join: { params: { offer: SessionDescription; config?: SfuJoinConfig }; result: SessionDescription };
  offer: { params: { desc: SessionDescription }; result: SessionDescription };
  'stream.publish': { params: StreamDescriptor; result: { stream: StreamInfo } };
  'stream.unpublish': { params: { streamId: string }; result: Record<string, never> };
  'stream.update': {
    params: {
      streamId: string;
      hasAudio?: boolean;
      hasVideo?: boolean;
      audioMuted?: boolean;
      videoMuted?: boolean;
      simulcast?: boolean;
    };
    result: { stream: StreamInfo };
  };
  'room.switchRole': { params: { role: RoomRole; privateMapKey?: string }; result: { role: RoomRole } };
  'room.leave': { params: Record<string, never>; result: Record<string, never> };
  'rtc.ping': { params: Record<string, never>; result: { now: number } };
  'egress.startMixTranscode': { params: MixTranscodeConfig; result: { egress: EgressView } };
  'egress.stopMixTranscode': { params: Record<string, never>; result: { egress: EgressView | null } };
  'egress.startPublishCDNStream': { params: PublishCDNStreamOptions; result: { egress: EgressView } };
  'egress.stopPublishCDNStream': { params: Record<string, never>; result: { egress: EgressView | null } };
}

/** trtc-js-sdk's `MixUser`: one user's place in a mixed picture (`userId` may be a preset-layout placeholder). */
export interface MixUser {
  userId: string;
  roomId?: number | string;
  /** Mix only the user's audio. */
  pureAudio: boolean;
  width?: number;
  height?: number;
  locationX?: number;
  locationY?: number;
  /** 1..15; higher is drawn on top. */
  zOrder?: number;
  streamType?: 'main' | 'auxiliary';
}

/** trtc-js-sdk's `MixTranscodeConfig`. */
export interface MixTranscodeConfig {
  mode?: 'manual' | 'preset-layout';
  streamId?: string;
  videoWidth?: number;
  videoHeight?: number;
  /** kbps. */
  videoBitrate?: number;
  videoFramerate?: number;
  /** Seconds between keyframes. */
  videoGOP?: number;
  audioSampleRate?: 16000 | 32000 | 44100 | 48000;
  /** kbps. */
  audioBitrate?: number;
  audioChannels?: 1 | 2;
  /** 0xRRGGBB. */
  backgroundColor?: number;
  backgroundImage?: string;
  mixUsers: MixUser[];
}

/** trtc-js-sdk's `PublishCDNStreamOptions`; ngx-trtc adds `url` (the RTMP ingest; room-server checks it). */
export interface PublishCDNStreamOptions {
  streamId?: string;
  appId?: number;
  bizId?: number;
  url?: string;
}

/** Why an egress ended. */
export type EgressEndReason = 'requested' | 'room-empty' | 'owner-left' | 'failed' | 'shutdown';

/** A recording / CDN push of the room, as members see it (docs/egress.md). */
export interface EgressView {
  egressId: string;
  /** Whose startMixTranscode/startPublishCDNStream made it; null: the server's admin API. */
  owner: string | null;
  streamId: string | null;
  status: 'starting' | 'active' | 'restarting' | 'stopping' | 'stopped' | 'failed';
  isRecording: boolean;
  isPublishingCdn: boolean;
  /** Unix ms. */
  startedAt: number | null;
  restarts: number;
  endReason: EgressEndReason | null;
}

/** A request method. */
export type RequestMethod = keyof RequestMap;

/** Trickle target: 0 = publisher, 1 = subscriber (ion-sfu's numbering). */
export type TrickleTarget = 0 | 1;

/** Notifications the client sends. */
export interface ClientNotificationMap {
  answer: { desc: SessionDescription };
  trickle: { target: TrickleTarget; candidate: RTCIceCandidateInit };
}

/** Why a peer left. */
export type PeerLeaveReason = 'leave' | 'disconnect' | 'kick' | 'timeout';

/** Why room-server removed a client (`client-banned`), also the reason of the 4000 close that follows. */
export type BanReason = 'kick' | 'banned' | 'room-disband';

/** Notifications the server sends. */
export interface ServerNotificationMap {
  'peer-join': PeerInfo;
  'peer-leave': { userId: string; reason: PeerLeaveReason };
  'stream-added': { stream: StreamInfo };
  'stream-removed': { stream: StreamInfo };
  'stream-updated': { stream: StreamInfo };
  'mute-audio': { userId: string; streamId: string };
  'unmute-audio': { userId: string; streamId: string };
  'mute-video': { userId: string; streamId: string };
  'unmute-video': { userId: string; streamId: string };
  'role-changed': { userId: string; role: RoomRole };
  'client-banned': { reason: BanReason; message: string };
  offer: { desc: SessionDescription };
  trickle: { target: TrickleTarget; candidate: RTCIceCandidateInit };
  'sfu-error': { message: string };
  'egress-started': { egress: EgressView };
  'egress-failed': { egress: EgressView; error: string; isRestarting: boolean };
  'egress-stopped': { egress: EgressView };
}

/** A server notification method. */
export type ServerNotificationMethod = keyof ServerNotificationMap;

/** A server notification, as a discriminated union. */
export type ServerNotification = {
  [M in ServerNotificationMethod]: { method: M; params: ServerNotificationMap[M] };
}[ServerNotificationMethod];

/** Stable JSON-RPC error codes of room-server. */
export const RoomErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  NOT_JOINED: 4001,
  ALREADY_JOINED: 4002,
  INVALID_OPERATION: 4003,
  USERSIG_MALFORMED: 4010,
  USERSIG_BAD_SIGNATURE: 4011,
  USERSIG_EXPIRED: 4012,
  USERSIG_WRONG_APP: 4013,
  USERSIG_WRONG_USER: 4014,
  PRIVATE_MAP_KEY_INVALID: 4015,
  PRIVILEGE_DENIED: 4016,
  ROLE_FORBIDDEN: 4020,
  STREAM_NOT_ANNOUNCED: 4021,
  STREAM_NOT_FOUND: 4022,
  STREAM_CONFLICT: 4023,
  ROOM_FULL: 4030,
  SERVER_FULL: 4031,
  /** `room.join` of a user banned from the room; `data`: {@link BannedErrorData}. */
  BANNED: 4032,
  RATE_LIMITED: 4040,
  MESSAGE_TOO_LARGE: 4041,
  ORIGIN_FORBIDDEN: 4042,
  SFU_UNAVAILABLE: 5000,
  SFU_TIMEOUT: 5001,
  INTERNAL: 5002,
  SFU_REJECTED: 5003,
  /** An egress (startMixTranscode / startPublishCDNStream) could not start, or egress is off on the server. */
  EGRESS_FAILED: 5004,
} as const;

/** `data` of a BANNED refusal. */
export interface BannedErrorData {
  /** e.g. `banned from this room until 2025-01-31T12:00:00Z: <the administrator's reason>` */
  detail?: string;
  /** When the ban ends, Unix seconds. */
  expiresAt?: number;
}

/** A JSON-RPC error object. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** Any JSON-RPC 2.0 message. */
export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: JsonRpcErrorObject;
}
