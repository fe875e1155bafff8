import { ErrorCode, RtcError } from '../../errors/rtc-error';

/** Key material: an AES-GCM CryptoKey, or 16/32 raw bytes (AES-128/AES-256). */
export type E2eeKeyMaterial = CryptoKey | ArrayBuffer | ArrayBufferView;

/** Where a key applies. */
export interface E2eeKeyOptions {
  /** 0–255, carried in every frame's trailer (default 0). */
  keyId?: number;
  /** The key of one sender (per-sender keys); absent for a key every participant shares. */
  userId?: string;
  /**
   * Encrypt this client's frames with this key id from now on. Default: true
   * for a shared key, false for a per-sender key (call {@link E2eeKeyProvider.setSendKeyId}).
   */
  use?: boolean;
}

/** A change a {@link E2eeKeyProvider} reports to the clients using it. */
export type E2eeKeyChange =
  | { type: 'key'; userId: string | null; keyId: number; key: CryptoKey }
  | { type: 'remove-key'; userId: string | null; keyId: number }
  | { type: 'send-key'; keyId: number };

/**
 * The E2EE keys of one or more clients (`createClient({e2ee: {keyProvider}})`):
 * shared keys and per-sender keys by key id. Rotation is `setKey(next, {keyId:
 * n + 1})` on every participant: senders switch at once, receivers keep the
 * older ids for frames still in flight; nothing is renegotiated. Keys never
 * leave the page: they go to the encryption worker as non-extractable CryptoKeys.
 */
export class E2eeKeyProvider {
  private readonly _keys = new Map<string, { userId: string | null; keyId: number; key: CryptoKey }>();
  private readonly _listeners = new Set<(change: E2eeKeyChange) => void>();
  private _sendKeyId = 0;

  /** Adds or replaces a key. Rejects with INVALID_PARAMETER on a bad key or key id. */
  async setKey(key: E2eeKeyMaterial, options: E2eeKeyOptions = {}): Promise<void> {
    const keyId = options.keyId ?? 0;
    assertKeyId(keyId, 'setKey');
    if (options.userId !== undefined && (typeof options.userId !== 'string' || !options.userId)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'E2eeKeyProvider.setKey: userId must be a non-empty string');
    }
    const cryptoKey = await importE2eeKey(key, 'E2eeKeyProvider.setKey');
    const userId = options.userId ?? null;
    this._keys.set(slot(userId, keyId), { userId, keyId, key: cryptoKey });
    this._emit({ type: 'key', userId, keyId, key: cryptoKey });
    if (options.use ?? userId === null) this.setSendKeyId(keyId);
  }

  /** Forgets a key (frames with its id no longer open). */
  removeKey(options: { keyId: number; userId?: string }): void {
    assertKeyId(options?.keyId, 'removeKey');
    const userId = options.userId ?? null;
    if (this._keys.delete(slot(userId, options.keyId))) this._emit({ type: 'remove-key', userId, keyId: options.keyId });
  }

  /** The key id this client's senders encrypt with (its own per-sender key of that id first, else the shared one). */
  setSendKeyId(keyId: number): void {
    assertKeyId(keyId, 'setSendKeyId');
    this._sendKeyId = keyId;
    this._emit({ type: 'send-key', keyId });
  }

  /** The key id senders encrypt with. */
  get sendKeyId(): number {
    return this._sendKeyId;
  }

  /** Whether any key was set. */
  get hasKeys(): boolean {
    return this._keys.size > 0;
  }

  /**
   * Listens to changes; `replay` first delivers the current keys and send key
   * id. Returns the removal. (Used by the clients' encryption.)
   */
  subscribe(listener: (change: E2eeKeyChange) => void, replay = true): () => void {
    this._listeners.add(listener);
    if (replay) {
      for (const { userId, keyId, key } of this._keys.values()) listener({ type: 'key', userId, keyId, key });
      listener({ type: 'send-key', keyId: this._sendKeyId });
    }
    return () => this._listeners.delete(listener);
  }

  private _emit(change: E2eeKeyChange): void {
    for (const listener of [...this._listeners]) listener(change);
  }
}

/** Options of {@link deriveE2eeKey}. */
export interface DeriveE2eeKeyOptions {
  /** PBKDF2 iterations (default 310,000, OWASP's figure for PBKDF2-HMAC-SHA256). */
  iterations?: number;
}

/**
 * An AES-256-GCM key from a passphrase (PBKDF2-HMAC-SHA256 through WebCrypto).
 * Use something every participant knows and that differs per room as `salt`
 * (the room id), so one passphrase gives each room its own key.
 */
export async function deriveE2eeKey(passphrase: string, salt: string | BufferSource, options: DeriveE2eeKeyOptions = {}): Promise<CryptoKey> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'deriveE2eeKey: the passphrase must be a non-empty string');
  }
  const iterations = options.iterations ?? 310_000;
  if (!Number.isInteger(iterations) || iterations < 1000) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'deriveE2eeKey: iterations must be an integer ≥ 1000');
  }
  const subtle = requireSubtle('deriveE2eeKey');
  const encoder = new TextEncoder();
  const saltBytes = typeof salt === 'string' ? encoder.encode(`ngx-trtc-e2ee:${salt}`) : salt;
  const base = await subtle.importKey('raw', encoder.encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: saltBytes, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Checks a CryptoKey or imports raw bytes as a non-extractable AES-GCM key. */
export async function importE2eeKey(key: E2eeKeyMaterial, method: string): Promise<CryptoKey> {
  if (typeof CryptoKey === 'function' && key instanceof CryptoKey) {
    const usable = key.algorithm.name === 'AES-GCM' && key.usages.includes('encrypt') && key.usages.includes('decrypt');
    if (!usable) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, `${method}: the CryptoKey must be an AES-GCM key for encrypt and decrypt`);
    }
    return key;
  }
  const bytes =
    key instanceof ArrayBuffer ? new Uint8Array(key) : ArrayBuffer.isView(key) ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength) : null;
  if (!bytes) {
    throw new RtcError(
      ErrorCode.INVALID_PARAMETER,
      `${method}: a key is a CryptoKey or 16/32 raw bytes (a passphrase goes through deriveE2eeKey first)`,
    );
  }
  if (bytes.length !== 16 && bytes.length !== 32) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `${method}: a raw key has 16 or 32 bytes, got ${bytes.length}`);
  }
  return requireSubtle(method).importKey('raw', bytes.slice(), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** WebCrypto, or NOT_SUPPORTED where the page is not a secure context. */
export function requireSubtle(method: string): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new RtcError(ErrorCode.NOT_SUPPORTED, `${method}: end-to-end encryption needs WebCrypto, i.e. a secure context (https or localhost)`);
  }
  return subtle;
}

function assertKeyId(keyId: unknown, method: string): asserts keyId is number {
  if (!Number.isInteger(keyId) || (keyId as number) < 0 || (keyId as number) > 255) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `E2eeKeyProvider.${method}: keyId must be an integer 0–255, got ${String(keyId)}`);
  }
}

function slot(userId: string | null, keyId: number): string {
  return `${keyId}:${userId ?? ''}`;
}
