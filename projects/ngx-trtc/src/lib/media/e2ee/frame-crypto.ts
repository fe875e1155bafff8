/**
 * The E2EE frame format and its AES-GCM sealing, shared by the encryption
 * worker and the specs (pure WebCrypto, no DOM).
 *
 * An encrypted frame is
 *
 * ```
 * [clear header: H bytes][AES-GCM(ciphertext ‖ 16-byte tag)][IV: 12][H: 1][keyId: 1][MAGIC: 1]
 * ```
 *
 * The clear header is the part of the codec bitstream that something between
 * the two browsers reads, and the whole trailer is authenticated as
 * additional data (AAD = header ‖ H ‖ keyId ‖ MAGIC), so neither can be
 * altered unnoticed.
 *
 * Why those header sizes (checked against ion-sfu v1.11.0, pkg/buffer):
 * - ion-sfu parses the VP8 RTP payload descriptor (outside the encoded frame,
 *   added by the packetizer) and then the first byte of the VP8 payload: its P
 *   bit tells keyframes (`VP8.Unmarshal`, `IsKeyFrame = payload[idx]&0x01 == 0 && S`),
 *   which drives simulcast layer switches and keyframe forwarding. The
 *   receiving browser's VP8 depacketizer also reads the keyframe's frame size
 *   (bytes 3–9: start code, width, height). So VP8 keeps its 3-byte frame tag
 *   clear, plus the 7 bytes after it on keyframes: 10 / 3 bytes, as livekit
 *   and Jitsi do.
 * - ion-sfu reads nothing from Opus payloads (audio levels come from the RTP
 *   header extension); the TOC byte stays clear, as in livekit, so the
 *   receiver's jitter buffer can still tell a packet's duration.
 * - Other video codecs are not encrypted: the H.264 and AV1 packetizers parse
 *   the bitstream (NAL units, OBUs) and ion-sfu reads H.264 NAL headers, so a
 *   frame of theirs is dropped instead (state `unsupported-codec`). ion-sfu is
 *   configured for VP8 and Opus.
 */

/** Last byte of every encrypted frame. */
export const E2EE_MAGIC = 0xe2;
/** AES-GCM IV length. */
export const IV_BYTES = 12;
/** AES-GCM tag length. */
export const TAG_BYTES = 16;
/** IV + header length + key id + magic. */
export const TRAILER_BYTES = IV_BYTES + 3;
/** Clear VP8 bytes on a keyframe: frame tag (3) + start code (3) + width and height (4). */
export const VP8_KEYFRAME_CLEAR = 10;
/** Clear VP8 bytes on a delta frame: the frame tag. */
export const VP8_DELTA_CLEAR = 3;
/** Clear Opus bytes: the TOC byte. */
export const OPUS_CLEAR = 1;

/** What kind of frame is sealed. */
export interface FrameDescription {
  kind: 'audio' | 'video';
  /** `video/VP8`, `audio/opus`… when the browser says (RTCEncoded*Frame.getMetadata().mimeType). */
  mimeType?: string;
  /** Video: whether it is a keyframe. */
  isKeyFrame?: boolean;
}

/**
 * How many leading bytes stay clear, or `null` when the codec cannot be
 * encrypted without breaking the packetizer or the SFU.
 */
export function clearHeaderBytes(frame: FrameDescription, length: number): number | null {
  const mime = frame.mimeType?.toLowerCase();
  let clear: number;
  if (frame.kind === 'audio') {
    clear = OPUS_CLEAR;
  } else if (!mime || mime === 'video/vp8') {
    // Without metadata the codec is the one ion-sfu negotiates: VP8.
    clear = frame.isKeyFrame ? VP8_KEYFRAME_CLEAR : VP8_DELTA_CLEAR;
  } else {
    return null;
  }
  return Math.min(clear, length);
}

/** Why a frame could not be opened. */
export type OpenFailure = 'unencrypted' | 'missing-key' | 'decrypt-failed';

/** The outcome of {@link openFrame}. */
export type OpenResult = { ok: true; data: ArrayBuffer; keyId: number } | { ok: false; reason: OpenFailure; keyId?: number };

/** Reads the key id of an encrypted frame, or null when it does not carry the trailer. */
export function frameKeyId(data: Uint8Array): number | null {
  if (data.length < TRAILER_BYTES + TAG_BYTES || data[data.length - 1] !== E2EE_MAGIC) return null;
  return data[data.length - 2];
}

/**
 * Encrypts a frame: `clear` leading bytes stay readable, the rest is sealed
 * with `key` (AES-GCM) and a fresh random IV, and the trailer names `keyId`.
 */
export async function sealFrame(
  key: CryptoKey,
  keyId: number,
  plain: Uint8Array<ArrayBuffer>,
  clear: number,
  iv: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(IV_BYTES)),
): Promise<ArrayBuffer> {
  const header = plain.subarray(0, clear);
  const meta = new Uint8Array([clear, keyId, E2EE_MAGIC]);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: concat(header, meta), tagLength: TAG_BYTES * 8 },
      key,
      plain.subarray(clear),
    ),
  );
  const out = new Uint8Array(clear + sealed.length + TRAILER_BYTES);
  out.set(header, 0);
  out.set(sealed, clear);
  out.set(iv, clear + sealed.length);
  out.set(meta, clear + sealed.length + IV_BYTES);
  return out.buffer;
}

/**
 * Decrypts a frame sealed by {@link sealFrame}. `keyFor(keyId)` returns the
 * key for that id, or undefined when this receiver does not have it.
 */
export async function openFrame(data: Uint8Array<ArrayBuffer>, keyFor: (keyId: number) => CryptoKey | undefined): Promise<OpenResult> {
  const keyId = frameKeyId(data);
  if (keyId === null) return { ok: false, reason: 'unencrypted' };
  const n = data.length;
  const clear = data[n - 3];
  const sealedEnd = n - TRAILER_BYTES;
  if (clear > sealedEnd - TAG_BYTES) return { ok: false, reason: 'decrypt-failed', keyId };
  const key = keyFor(keyId);
  if (!key) return { ok: false, reason: 'missing-key', keyId };
  const header = data.subarray(0, clear);
  const iv = data.slice(sealedEnd, sealedEnd + IV_BYTES);
  const meta = data.subarray(n - 3);
  try {
    const opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: concat(header, meta), tagLength: TAG_BYTES * 8 },
      key,
      data.subarray(clear, sealedEnd),
    );
    const out = new Uint8Array(clear + opened.byteLength);
    out.set(header, 0);
    out.set(new Uint8Array(opened), clear);
    return { ok: true, data: out.buffer, keyId };
  } catch {
    // WebCrypto reports a failed tag check as an OperationError without detail.
    return { ok: false, reason: 'decrypt-failed', keyId };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
