/**
 * privateMapKey: a TLSSigAPIv2 token whose userbuf grants one user
 * privileges in one room until an absolute expiry.
 */
import { generateUserSig, systemClock, UserSigError, verifyUserSig, type SecretKeyLookup, type UnixClock } from './usersig.js';

/** Privilege bits of a privateMapKey. */
export const Privilege = {
  CREATE_ROOM: 1,
  ENTER_ROOM: 2,
  SEND_AUDIO: 4,
  RECV_AUDIO: 8,
  SEND_VIDEO: 16,
  RECV_VIDEO: 32,
  SEND_SUB_STREAM: 64,
  RECV_SUB_STREAM: 128,
} as const;

/** All privileges; what a peer without a privateMapKey has. */
export const ALL_PRIVILEGES = 0xff;

/** A room id as the protocol carries it: numbers and strings are distinct namespaces. */
export type RoomId = number | string;

/** The decoded userbuf of a privateMapKey. */
export interface PrivateMapKeyPayload {
  readonly userId: string;
  readonly sdkAppId: number;
  readonly roomId: RoomId;
  /** Absolute expiry, Unix seconds. */
  readonly expiresAt: number;
  readonly privileges: number;
}

/** A privateMapKey that cannot be used for this user, app or room; the protocol's PRIVATE_MAP_KEY_INVALID. */
export class PrivateMapKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrivateMapKeyError';
  }
}

/** Serializes a privateMapKey userbuf (big-endian, FEATURES.md step 5). */
export function encodePrivateMapUserBuf(payload: PrivateMapKeyPayload): Buffer {
  const account = Buffer.from(payload.userId, 'utf8');
  const isStringRoom = typeof payload.roomId === 'string';
  const room = isStringRoom ? Buffer.from(payload.roomId as string, 'utf8') : Buffer.alloc(0);
  const buf = Buffer.alloc(1 + 2 + account.length + 4 * 5 + (isStringRoom ? 2 + room.length : 0));
  let at = 0;
  at = buf.writeUInt8(isStringRoom ? 1 : 0, at);
  at = buf.writeUInt16BE(account.length, at);
  at += account.copy(buf, at);
  at = buf.writeUInt32BE(payload.sdkAppId >>> 0, at);
  at = buf.writeUInt32BE(isStringRoom ? 0 : (payload.roomId as number) >>> 0, at);
  at = buf.writeUInt32BE(payload.expiresAt >>> 0, at);
  at = buf.writeUInt32BE(payload.privileges >>> 0, at);
  at = buf.writeUInt32BE(0, at); // accountType
  if (isStringRoom) {
    at = buf.writeUInt16BE(room.length, at);
    room.copy(buf, at);
  }
  return buf;
}

/** Parses a privateMapKey userbuf; throws {@link PrivateMapKeyError} when truncated or of an unknown version. */
export function decodePrivateMapUserBuf(buf: Buffer): PrivateMapKeyPayload {
  const need = (at: number, n: number): void => {
    if (at + n > buf.length) throw new PrivateMapKeyError('privateMapKey userbuf is truncated');
  };
  let at = 0;
  need(at, 3);
  const version = buf.readUInt8(at++);
  if (version !== 0 && version !== 1) throw new PrivateMapKeyError(`privateMapKey userbuf version ${version} is unknown`);
  const accountLength = buf.readUInt16BE(at);
  at += 2;
  need(at, accountLength + 20);
  const userId = buf.toString('utf8', at, at + accountLength);
  at += accountLength;
  const sdkAppId = buf.readUInt32BE(at);
  const numericRoomId = buf.readUInt32BE(at + 4);
  const expiresAt = buf.readUInt32BE(at + 8);
  const privileges = buf.readUInt32BE(at + 12);
  at += 20; // also skips accountType
  let roomId: RoomId = numericRoomId;
  if (version === 1) {
    need(at, 2);
    const roomLength = buf.readUInt16BE(at);
    at += 2;
    need(at, roomLength);
    roomId = buf.toString('utf8', at, at + roomLength);
  }
  return { userId, sdkAppId, roomId, expiresAt, privileges };
}

/** Options for {@link generatePrivateMapKey}. */
export interface GeneratePrivateMapKeyOptions {
  readonly sdkAppId: number;
  readonly secretKey: string;
  readonly userId: string;
  readonly roomId: RoomId;
  readonly privileges: number;
  readonly expireSeconds: number;
  readonly now?: number;
}

/** Creates a privateMapKey granting `privileges` in `roomId` for `expireSeconds`. */
export function generatePrivateMapKey(options: GeneratePrivateMapKeyOptions): string {
  const now = options.now ?? systemClock();
  const userBuf = encodePrivateMapUserBuf({
    userId: options.userId,
    sdkAppId: options.sdkAppId,
    roomId: options.roomId,
    expiresAt: now + options.expireSeconds,
    privileges: options.privileges,
  });
  return generateUserSig({
    sdkAppId: options.sdkAppId,
    secretKey: options.secretKey,
    userId: options.userId,
    expireSeconds: options.expireSeconds,
    now,
    userBuf,
  });
}

/** What a privateMapKey is checked against. */
export interface VerifyPrivateMapKeyOptions {
  readonly sdkAppId: number;
  readonly userId: string;
  readonly roomId: RoomId;
  readonly secretKeyOf: SecretKeyLookup;
  readonly clock?: UnixClock;
}

/**
 * Verifies a privateMapKey for this app, user and room and returns its
 * privilege bits. Every failure is a {@link PrivateMapKeyError}, with the
 * underlying reason in the message.
 */
export function verifyPrivateMapKey(token: string, options: VerifyPrivateMapKeyOptions): number {
  let userBuf: Buffer | undefined;
  try {
    userBuf = verifyUserSig(token, options).userBuf;
  } catch (err) {
    const reason = err instanceof UserSigError ? err.reason : 'invalid';
    throw new PrivateMapKeyError(`privateMapKey rejected (${reason})`, { cause: err });
  }
  if (userBuf === undefined) throw new PrivateMapKeyError('privateMapKey has no userbuf');
  const payload = decodePrivateMapUserBuf(userBuf);
  if (payload.userId !== options.userId) throw new PrivateMapKeyError('privateMapKey names another user');
  if (payload.sdkAppId !== options.sdkAppId) throw new PrivateMapKeyError('privateMapKey names another sdkAppId');
  if (typeof payload.roomId !== typeof options.roomId || payload.roomId !== options.roomId) {
    throw new PrivateMapKeyError('privateMapKey names another room');
  }
  if ((options.clock ?? systemClock)() > payload.expiresAt) throw new PrivateMapKeyError('privateMapKey has expired');
  return payload.privileges & ALL_PRIVILEGES;
}

/** Whether `privileges` include every bit of `required`. */
export function hasPrivilege(privileges: number, required: number): boolean {
  return (privileges & required) === required;
}
