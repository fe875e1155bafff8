/**
 * UserSig (TLSSigAPIv2): HMAC-SHA256 signed JSON, deflated, in a URL-safe
 * base64 variant (`+`→`*`, `/`→`-`, `=`→`_`). See FEATURES.md, "UserSig".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

/** Why a UserSig (or the TLS envelope of a privateMapKey) was refused; each is a distinct protocol error. */
export type UserSigFailure =
  | 'USERSIG_MALFORMED'
  | 'USERSIG_BAD_SIGNATURE'
  | 'USERSIG_EXPIRED'
  | 'USERSIG_WRONG_APP'
  | 'USERSIG_WRONG_USER';

/** A refused UserSig, with the reason the protocol reports. */
export class UserSigError extends Error {
  constructor(
    readonly reason: UserSigFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UserSigError';
  }
}

/** Seconds since the Unix epoch; injectable so tests control expiry. */
export type UnixClock = () => number;

/** The wall clock, in whole seconds. */
export const systemClock: UnixClock = () => Math.floor(Date.now() / 1000);

/** The decoded fields of a TLSSigAPIv2 document. */
export interface TlsSigDocument {
  readonly ver: string;
  readonly identifier: string;
  readonly sdkAppId: number;
  readonly time: number;
  readonly expire: number;
  /** The raw userbuf bytes (privateMapKey), when present. */
  readonly userBuf?: Buffer;
  /** The userbuf exactly as carried (signed as text, so kept verbatim). */
  readonly userBufBase64?: string;
  /** Base64 of the HMAC-SHA256 digest as carried in the token. */
  readonly sig: string;
}

/** Longest token accepted before any decoding work (a real one is ~200–400 chars). */
export const MAX_TOKEN_LENGTH = 4096;
/** Inflated JSON above this size is refused (guards against deflate bombs). */
const MAX_INFLATED_BYTES = 4096;
const TOKEN_ALPHABET = /^[A-Za-z0-9*\-_]+$/;

function toUrlBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

function fromUrlBase64(token: string): Buffer {
  return Buffer.from(token.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64');
}

/** The exact text TLSSigAPIv2 signs. */
function signedContent(identifier: string, sdkAppId: number, time: number, expire: number, userBufBase64?: string): string {
  let content = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
  if (userBufBase64 !== undefined) content += `TLS.userbuf:${userBufBase64}\n`;
  return content;
}

function hmacDigest(secretKey: string, content: string): Buffer {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(content, 'utf8').digest();
}

/** Options for {@link generateUserSig}. */
export interface GenerateUserSigOptions {
  readonly sdkAppId: number;
  readonly secretKey: string;
  readonly userId: string;
  /** Validity in seconds from `now` (TLS.expire). */
  readonly expireSeconds: number;
  /** TLS.time; defaults to the system clock. */
  readonly now?: number;
  /** privateMapKey payload; makes the token carry `TLS.userbuf`. */
  readonly userBuf?: Buffer;
  /** zlib level, 0–9; verifiers accept any. */
  readonly compressionLevel?: number;
}

/** Creates a TLSSigAPIv2 token (a UserSig, or a privateMapKey when `userBuf` is given). */
export function generateUserSig(options: GenerateUserSigOptions): string {
  const time = options.now ?? systemClock();
  const userBufBase64 = options.userBuf?.toString('base64');
  const sig = hmacDigest(
    options.secretKey,
    signedContent(options.userId, options.sdkAppId, time, options.expireSeconds, userBufBase64),
  ).toString('base64');
  const doc: Record<string, string | number> = {
    'TLS.ver': '2.0',
    'TLS.identifier': options.userId,
    'TLS.sdkappid': options.sdkAppId,
    'TLS.expire': options.expireSeconds,
    'TLS.time': time,
  };
  if (userBufBase64 !== undefined) doc['TLS.userbuf'] = userBufBase64;
  doc['TLS.sig'] = sig;
  const compressed = deflateSync(Buffer.from(JSON.stringify(doc), 'utf8'), { level: options.compressionLevel ?? 9 });
  return toUrlBase64(compressed);
}

function readInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  // Some TLSSigAPIv2 ports write the numbers as decimal strings.
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Decodes a token without checking its signature. Throws
 * `USERSIG_MALFORMED` for anything that is not a well-formed TLSSigAPIv2 document.
 */
export function decodeTlsSig(token: string): TlsSigDocument {
  const malformed = (detail: string, cause?: unknown): UserSigError =>
    new UserSigError('USERSIG_MALFORMED', `malformed token: ${detail}`, { cause });
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH || !TOKEN_ALPHABET.test(token)) {
    throw malformed('bad length or alphabet');
  }
  let json: string;
  try {
    json = inflateSync(fromUrlBase64(token), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
  } catch (err) {
    throw malformed('not zlib data', err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw malformed('not JSON', err);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('not an object');
  const fields = raw as Record<string, unknown>;
  const ver = fields['TLS.ver'];
  const identifier = fields['TLS.identifier'];
  const sdkAppId = readInteger(fields['TLS.sdkappid']);
  const time = readInteger(fields['TLS.time']);
  const expire = readInteger(fields['TLS.expire']);
  const sig = fields['TLS.sig'];
  const userBuf = fields['TLS.userbuf'];
  if (ver !== '2.0') throw malformed('TLS.ver is not "2.0"');
  if (typeof identifier !== 'string' || identifier.length === 0) throw malformed('TLS.identifier');
  if (sdkAppId === undefined) throw malformed('TLS.sdkappid');
  if (time === undefined) throw malformed('TLS.time');
  if (expire === undefined) throw malformed('TLS.expire');
  if (typeof sig !== 'string' || sig.length === 0) throw malformed('TLS.sig');
  if (userBuf !== undefined && (typeof userBuf !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(userBuf))) {
    throw malformed('TLS.userbuf');
  }
  return {
    ver,
    identifier,
    sdkAppId,
    time,
    expire,
    sig,
    ...(userBuf !== undefined ? { userBuf: Buffer.from(userBuf, 'base64'), userBufBase64: userBuf } : {}),
  };
}

/** Looks up an app's secret key; `undefined` for an unknown app. */
export type SecretKeyLookup = (sdkAppId: number) => string | undefined;

/** What a verification checks the token against. */
export interface VerifyUserSigOptions {
  /** The app the client claims. */
  readonly sdkAppId: number;
  /** The user the client claims. */
  readonly userId: string;
  readonly secretKeyOf: SecretKeyLookup;
  readonly clock?: UnixClock;
}

/**
 * Verifies a token: decodes it, checks app and user, the HMAC (constant
 * time), then expiry. Returns the decoded document or throws a {@link UserSigError}.
 */
export function verifyUserSig(token: string, options: VerifyUserSigOptions): TlsSigDocument {
  const doc = decodeTlsSig(token);
  const secretKey = options.secretKeyOf(options.sdkAppId);
  if (secretKey === undefined) {
    throw new UserSigError('USERSIG_WRONG_APP', `unknown sdkAppId ${options.sdkAppId}`);
  }
  if (doc.sdkAppId !== options.sdkAppId) {
    throw new UserSigError('USERSIG_WRONG_APP', 'token was issued for another sdkAppId');
  }
  if (doc.identifier !== options.userId) {
    throw new UserSigError('USERSIG_WRONG_USER', 'token was issued for another userId');
  }
  const expected = hmacDigest(
    secretKey,
    signedContent(doc.identifier, doc.sdkAppId, doc.time, doc.expire, doc.userBufBase64),
  );
  const given = Buffer.from(doc.sig, 'base64');
  // timingSafeEqual needs equal lengths; compare against itself to keep the
  // work the same when lengths differ, then report a mismatch.
  const isMatch =
    given.length === expected.length ? timingSafeEqual(given, expected) : (timingSafeEqual(expected, expected), false);
  if (!isMatch) throw new UserSigError('USERSIG_BAD_SIGNATURE', 'signature does not match');
  const now = (options.clock ?? systemClock)();
  if (now > doc.time + doc.expire) throw new UserSigError('USERSIG_EXPIRED', 'token has expired');
  return doc;
}
