import { ErrorCode, RtcError } from '../../errors/rtc-error';
import { Emitter } from '../../util/emitter';
import { createLog } from '../../util/log';
import type { E2eeFrameState, FromWorker, ToWorker, TransformOptions } from './e2ee-protocol';
import { E2EE_WORKER_SOURCE } from './generated/e2ee-worker-source';
import { E2eeKeyMaterial, E2eeKeyProvider, requireSubtle } from './key-provider';

const log = createLog('e2ee');

/** How frames reach the encryption worker. */
export type E2eeImplementation = 'script-transform' | 'insertable-streams';

/** `createClient({e2ee})`: one key for everybody, or a provider of keys. */
export interface E2eeOptions {
  /** A key every participant shares (key id 0). */
  key?: E2eeKeyMaterial;
  /** Keys by id and sender, rotated by the app ({@link E2eeKeyProvider}). */
  keyProvider?: E2eeKeyProvider;
  /**
   * `script-transform` (RTCRtpScriptTransform) or `insertable-streams`
   * (createEncodedStreams); default: the first the browser has.
   */
  implementation?: E2eeImplementation;
}

/** One `e2ee-state` event: what happens to the frames of one sender or receiver. */
export interface E2eeStateEvent {
  /** The publisher: this client's userId for `send`; empty while a received stream's publisher is unknown. */
  userId: string;
  /** The stream's id (msid). */
  streamId: string;
  kind: 'audio' | 'video';
  direction: 'send' | 'receive';
  state: E2eeFrameState;
  /** The key id of the frames (when there was one). */
  keyId?: number;
  /** Why, in words. */
  message: string;
}

/** What the transport needs from E2EE: a connection option and the sender/receiver hooks. */
export interface FrameEncryption {
  /** Extra RTCPeerConnection configuration (insertable streams need `encodedInsertableStreams`). */
  peerConnectionConfig(): RTCConfiguration;
  /** Encrypts what a transceiver's sender sends (its video is VP8 by the transport's codec policy, transport/codec-preferences.ts). */
  attachSender(transceiver: RTCRtpTransceiver, kind: 'audio' | 'video', streamId: string): void;
  /** Decrypts what a receiver receives. */
  attachReceiver(receiver: RTCRtpReceiver, kind: 'audio' | 'video', streamId: string): void;
}

interface Endpoint {
  direction: 'send' | 'receive';
  kind: 'audio' | 'video';
  streamId: string;
}

/** Constructs the encryption worker (a seam for tests). */
export type E2eeWorkerFactory = () => Worker;

/**
 * A client's end-to-end encryption: one worker that seals every frame its
 * senders send and opens every frame its receivers get, keys from an
 * {@link E2eeKeyProvider}, states reported as {@link E2eeStateEvent}s.
 */
export class MediaEncryption implements FrameEncryption {
  /** The mechanism in use. */
  readonly implementation: E2eeImplementation;
  readonly keyProvider: E2eeKeyProvider;
  private readonly _events = new Emitter<{ state: E2eeStateEvent }>();
  private readonly _endpoints = new Map<number, Endpoint>();
  private readonly _receivers = new WeakMap<RTCRtpReceiver, number>();
  private readonly _senders = new WeakSet<RTCRtpSender>();
  private readonly _streamUsers = new Map<string, string>();
  private readonly _pendingKey: Promise<void> | null;
  private _worker: Worker | null = null;
  private _workerUrl: string | null = null;
  private _stopKeys: (() => void) | null = null;
  private _ids = 0;
  private _disposed = false;

  constructor(
    options: E2eeOptions,
    private readonly _userId: string,
    private readonly _workerFactory: E2eeWorkerFactory | null = null,
  ) {
    if (!options || typeof options !== 'object' || (!options.key && !options.keyProvider)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: e2ee needs a key or a keyProvider');
    }
    if (options.key && options.keyProvider) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: e2ee takes a key or a keyProvider, not both');
    }
    if (options.keyProvider && !(options.keyProvider instanceof E2eeKeyProvider)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: e2ee.keyProvider must be an E2eeKeyProvider');
    }
    requireSubtle('createClient');
    this.implementation = chooseImplementation(options.implementation);
    this.keyProvider = options.keyProvider ?? new E2eeKeyProvider();
    // A bad `key` surfaces as an error on join (see ready()), not as an unhandled rejection here.
    this._pendingKey = options.key ? this.keyProvider.setKey(options.key) : null;
    this._pendingKey?.catch(() => undefined);
  }

  /** Resolves once the `key` option is imported; rejects with its INVALID_PARAMETER error. */
  async ready(): Promise<void> {
    await this._pendingKey;
  }

  /** Listens to states; returns the removal. */
  onState(handler: (event: E2eeStateEvent) => void): () => void {
    return this._events.on('state', handler);
  }

  /** Tells the worker who publishes a stream, so its per-sender keys apply. */
  bindStream(streamId: string, userId: string): void {
    if (this._streamUsers.get(streamId) === userId) return;
    this._streamUsers.set(streamId, userId);
    for (const [id, endpoint] of this._endpoints) {
      if (endpoint.direction === 'receive' && endpoint.streamId === streamId) this._post({ type: 'bind', id, userId });
    }
  }

  peerConnectionConfig(): RTCConfiguration {
    // Chromium only exposes createEncodedStreams on connections made with this flag.
    return this.implementation === 'insertable-streams' ? ({ encodedInsertableStreams: true } as RTCConfiguration) : {};
  }

  attachSender(transceiver: RTCRtpTransceiver, kind: 'audio' | 'video', streamId: string): void {
    const sender = transceiver.sender;
    if (this._disposed || this._senders.has(sender)) return;
    this._senders.add(sender);
    const id = this._newEndpoint({ direction: 'send', kind, streamId });
    this._attach(sender, { id, direction: 'send', kind });
  }

  attachReceiver(receiver: RTCRtpReceiver, kind: 'audio' | 'video', streamId: string): void {
    if (this._disposed) return;
    const userId = this._streamUsers.get(streamId);
    const known = this._receivers.get(receiver);
    if (known !== undefined && this.implementation === 'insertable-streams') {
      // A receiver ion-sfu reuses for another stream: its encoded streams are already in the worker.
      this._endpoints.set(known, { direction: 'receive', kind, streamId });
      this._post({ type: 'bind', id: known, userId });
      return;
    }
    const id = this._newEndpoint({ direction: 'receive', kind, streamId });
    this._receivers.set(receiver, id);
    this._attach(receiver, { id, direction: 'receive', kind, ...(userId ? { userId } : {}) });
  }

  /** Stops the worker; senders and receivers attached afterwards pass nothing. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._stopKeys?.();
    this._events.clear();
    this._worker?.terminate();
    this._worker = null;
    if (this._workerUrl) URL.revokeObjectURL(this._workerUrl);
    this._workerUrl = null;
  }

  private _newEndpoint(endpoint: Endpoint): number {
    const id = ++this._ids;
    this._endpoints.set(id, endpoint);
    return id;
  }

  private _attach(target: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void {
    const worker = this._ensureWorker();
    try {
      if (this.implementation === 'script-transform') {
        target.transform = new RTCRtpScriptTransform(worker, options);
      } else {
        const { readable, writable } = (target as unknown as EncodedStreamsTarget).createEncodedStreams();
        this._post({ type: 'attach', options, readable, writable }, [readable, writable]);
      }
    } catch (error) {
      this._onWorkerMessage({ type: 'state', id: options.id, state: 'error', message: `cannot attach the encoded transform: ${String(error)}` });
    }
  }

  private _ensureWorker(): Worker {
    if (this._worker) return this._worker;
    if (this._workerFactory) {
      this._worker = this._workerFactory();
    } else {
      this._workerUrl = URL.createObjectURL(new Blob([E2EE_WORKER_SOURCE], { type: 'text/javascript' }));
      this._worker = new Worker(this._workerUrl, { name: 'ngx-trtc-e2ee' });
    }
    this._worker.addEventListener('message', (event: MessageEvent<FromWorker>) => this._onWorkerMessage(event.data));
    this._worker.addEventListener('error', (event) => log.error('encryption worker failed', event.message));
    this._post({ type: 'send-key', keyId: this.keyProvider.sendKeyId, userId: this._userId });
    this._stopKeys = this.keyProvider.subscribe((change) => {
      if (change.type === 'send-key') this._post({ type: 'send-key', keyId: change.keyId, userId: this._userId });
      else this._post(change);
    });
    return this._worker;
  }

  private _post(message: ToWorker, transfer: Transferable[] = []): void {
    this._worker?.postMessage(message, transfer);
  }

  private _onWorkerMessage(message: FromWorker): void {
    if (message.type !== 'state') return;
    const endpoint = this._endpoints.get(message.id);
    if (!endpoint) return;
    const userId = endpoint.direction === 'send' ? this._userId : (this._streamUsers.get(endpoint.streamId) ?? '');
    if (message.state !== 'ok') log.info(`${endpoint.direction} ${endpoint.kind} ${endpoint.streamId}: ${message.message}`);
    this._events.emit('state', {
      userId,
      streamId: endpoint.streamId,
      kind: endpoint.kind,
      direction: endpoint.direction,
      state: message.state,
      ...(message.keyId !== undefined ? { keyId: message.keyId } : {}),
      message: message.message,
    });
  }
}

interface EncodedStreamsTarget {
  createEncodedStreams(): { readable: ReadableStream; writable: WritableStream };
}

/** Which mechanisms this browser has. */
export function e2eeImplementations(): E2eeImplementation[] {
  const found: E2eeImplementation[] = [];
  if (typeof RTCRtpScriptTransform === 'function') found.push('script-transform');
  if (typeof RTCRtpSender === 'function' && 'createEncodedStreams' in RTCRtpSender.prototype) found.push('insertable-streams');
  return found;
}

function chooseImplementation(wanted: E2eeImplementation | undefined): E2eeImplementation {
  const available = e2eeImplementations();
  if (wanted !== undefined && wanted !== 'script-transform' && wanted !== 'insertable-streams') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `createClient: e2ee.implementation must be 'script-transform' or 'insertable-streams'`);
  }
  const chosen = wanted ?? available[0];
  if (!chosen || !available.includes(chosen)) {
    throw new RtcError(
      ErrorCode.NOT_SUPPORTED,
      `createClient: this browser has no ${wanted ?? 'encoded transform'} (RTCRtpScriptTransform or createEncodedStreams) for end-to-end encryption`,
    );
  }
  return chosen;
}
