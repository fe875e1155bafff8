import { ErrorCode, RtcError } from '../errors/rtc-error';
import type { PublishableStream } from '../stream/stream-contracts';
import type { ClientConfig, JoinOptions, SmallStreamProfile, TurnServerConfig } from './client-types';

/** trtc-js-sdk's userId alphabet and length. */
const VALID_USER_ID = /^[A-Za-z0-9_.@-]{1,32}$/;
/** trtc-js-sdk's string room id alphabet and length (`useStringRoomId`). */
const VALID_STRING_ROOM_ID = /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,64}$/;

/** Throws INVALID_PARAMETER unless `config` is a usable ClientConfig (as trtc-js-sdk's createClient). */
export function validateConfig(config: ClientConfig): void {
  if (!config || typeof config !== 'object') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: a ClientConfig is required');
  }
  if (!Number.isInteger(config.sdkAppId) || config.sdkAppId <= 0) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: sdkAppId must be a positive integer');
  }
  if (typeof config.userId !== 'string' || !VALID_USER_ID.test(config.userId)) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: userId must be 1–32 of [A-Za-z0-9_.@-]');
  }
  if (typeof config.userSig !== 'string' || !config.userSig) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: userSig is required');
  }
  if (config.mode !== 'rtc' && config.mode !== 'live' && config.mode !== 'videoCall') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `createClient: mode must be 'rtc' or 'live', got ${String(config.mode)}`);
  }
}

/** Throws INVALID_PARAMETER unless `options` are usable join options (numeric or string room ids). */
export function validateJoinOptions(options: JoinOptions, useStringRoomId: boolean): void {
  if (!options || typeof options !== 'object') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: options {roomId} are required');
  }
  const { roomId, role, privateMapKey } = options;
  if (useStringRoomId) {
    if (typeof roomId !== 'string' || !VALID_STRING_ROOM_ID.test(roomId)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: roomId must be a string of 1–64 allowed characters (useStringRoomId)');
    }
  } else if (typeof roomId !== 'number' || !Number.isInteger(roomId) || roomId < 1 || roomId > 4294967294) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: roomId must be an integer in [1, 4294967294] (or set useStringRoomId)');
  }
  if (role !== undefined && role !== 'anchor' && role !== 'audience') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `join: role must be 'anchor' or 'audience', got ${String(role)}`);
  }
  if (privateMapKey !== undefined && typeof privateMapKey !== 'string') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: privateMapKey must be a string');
  }
}

/** Whether `stream` can be published: a LocalStream, or anything with its publishing surface. */
export function isPublishable(stream: unknown): stream is PublishableStream {
  const s = stream as PublishableStream | null;
  return (
    !!s &&
    typeof s.getId === 'function' &&
    typeof s.getMediaStream === 'function' &&
    typeof s.getMediaState === 'function' &&
    typeof s.attachPublisher === 'function'
  );
}

/** The profile's four fields, or INVALID_PARAMETER unless each is a positive number. */
export function toSmallStreamProfile(profile: SmallStreamProfile): SmallStreamProfile {
  const { width, height, bitrate, frameRate } = profile ?? ({} as SmallStreamProfile);
  if (![width, height, bitrate, frameRate].every((v) => typeof v === 'number' && v > 0)) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'setSmallStreamProfile: width, height, bitrate and frameRate must be positive numbers');
  }
  return { width, height, bitrate, frameRate };
}

/** trtc-js-sdk's TURN server list (`url` per server) as RTCIceServers; INVALID_PARAMETER without a url. */
export function toIceServers(config: TurnServerConfig | TurnServerConfig[]): RTCIceServer[] {
  const list = Array.isArray(config) ? config : [config];
  if (list.some((c) => !c || typeof c.url !== 'string' || !c.url)) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'setTurnServer: every server needs a url');
  }
  return list.map((c) => ({
    urls: c.url,
    ...(c.username !== undefined ? { username: c.username } : {}),
    ...(c.credential !== undefined ? { credential: c.credential } : {}),
  }));
}
