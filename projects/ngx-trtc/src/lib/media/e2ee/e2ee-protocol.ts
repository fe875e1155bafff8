/**
 * Messages between the main thread ({@link MediaEncryption}) and the
 * encryption worker (`worker/e2ee-worker.ts`). Plain data plus CryptoKeys and
 * transferred streams, so both sides agree through these types.
 */

/** What happens to the frames of one sender or receiver. */
export type E2eeFrameState =
  /** Frames are encrypted (sender) or decrypted (receiver). */
  | 'ok'
  /** No key for the frames' key id: sender frames are not sent, receiver frames are dropped. */
  | 'missing-key'
  /** A key is there but the frames do not open with it (wrong key, or tampered): dropped. */
  | 'decrypt-failed'
  /** The receiver got frames without E2EE: dropped, so nobody can downgrade the call. */
  | 'unencrypted'
  /** A codec whose bitstream the packetizer or ion-sfu parses (not VP8/Opus): dropped. */
  | 'unsupported-codec'
  /** The encoded-transform machinery failed (see the message). */
  | 'error';

/** Options a transform carries into the worker (RTCRtpScriptTransform options, or an `attach`). */
export interface TransformOptions {
  /** Id of this sender/receiver, unique per MediaEncryption. */
  id: number;
  direction: 'send' | 'receive';
  kind: 'audio' | 'video';
  /** Receiver: the publisher's userId when known (per-sender keys). */
  userId?: string;
}

/** Main thread → worker. */
export type ToWorker =
  /** A key for `keyId`, shared (userId null) or of one sender. */
  | { type: 'key'; userId: string | null; keyId: number; key: CryptoKey }
  /** Forgets a key. */
  | { type: 'remove-key'; userId: string | null; keyId: number }
  /** Which key id this client's senders encrypt with, and whose keys are "own". */
  | { type: 'send-key'; keyId: number; userId: string }
  /** The publisher of a receiver became known (or changed, when a receiver is reused). */
  | { type: 'bind'; id: number; userId: string | undefined }
  /** Insertable streams: the encoded streams of a sender/receiver, transferred. */
  | { type: 'attach'; options: TransformOptions; readable: ReadableStream; writable: WritableStream }
  /** A sender/receiver went away. */
  | { type: 'detach'; id: number };

/** Worker → main thread. */
export type FromWorker = { type: 'state'; id: number; state: E2eeFrameState; keyId?: number; message: string };
