/**
 * {@link SfuLink} over one WebSocket to ion-sfu's JSON-RPC signaling
 * (cmd/signal/json-rpc). The socket opens at construction; frames sent
 * before it is open are queued in order.
 */
import WebSocket from 'ws';
import type { Logger } from '../log.js';
import { RpcError } from '../rpc/errors.js';
import { candidateSchema } from '../rpc/messages.js';
import { literal, object, SchemaError, string } from '../rpc/schema.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { SfuCandidate, SfuJoinRequest, SfuLink, SfuLinkEvents, SfuSessionDescription, UpstreamErrorKind } from './sfu-link.js';

/** Settings of a {@link WsSfuLink}. */
export interface WsSfuLinkOptions {
  /** ion-sfu's JSON-RPC WebSocket URL, e.g. ws://127.0.0.1:7000/ws. */
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly log: Logger;
  /** Told about each upstream failure (metrics). */
  readonly onUpstreamError?: (kind: UpstreamErrorKind) => void;
}

const upstreamDescription = object({ type: literal('offer', 'answer'), sdp: string({ min: 1, max: 1024 * 1024 }) });
const upstreamTrickle = object({ target: literal(0, 1), candidate: candidateSchema });
/** Largest frame accepted from ion-sfu (its SDPs grow with the room). */
const MAX_UPSTREAM_PAYLOAD = 4 * 1024 * 1024;

interface Pending {
  resolve(desc: SfuSessionDescription): void;
  reject(error: RpcError): void;
  timer: NodeJS.Timeout;
}

/** One peer's WebSocket link to ion-sfu. */
export class WsSfuLink extends TypedEmitter<SfuLinkEvents> implements SfuLink {
  private readonly _ws: WebSocket;
  private readonly _queue: string[] = [];
  private readonly _pending = new Map<number, Pending>();
  private _nextId = 1;
  private _isClosed = false;
  private _hasOpened = false;
  private readonly _connectTimer: NodeJS.Timeout;

  constructor(private readonly _options: WsSfuLinkOptions) {
    super();
    this._ws = new WebSocket(_options.url, { maxPayload: MAX_UPSTREAM_PAYLOAD, perMessageDeflate: false });
    this._connectTimer = setTimeout(() => this._fail('connect', new RpcError('SFU_UNAVAILABLE', 'ion-sfu did not accept the connection in time')), _options.connectTimeoutMs);
    this._ws.on('open', this._onOpen);
    this._ws.on('message', this._onMessage);
    this._ws.on('close', this._onClose);
    this._ws.on('error', this._onError);
  }

  join(request: SfuJoinRequest): Promise<SfuSessionDescription> {
    return this._request('join', {
      sid: request.sid,
      uid: request.uid,
      offer: { type: request.offer.type, sdp: request.offer.sdp },
      config: { ...request.config },
    });
  }

  offer(desc: SfuSessionDescription): Promise<SfuSessionDescription> {
    return this._request('offer', { desc: { type: desc.type, sdp: desc.sdp } });
  }

  answer(desc: SfuSessionDescription): void {
    this._send({ jsonrpc: '2.0', method: 'answer', params: { desc: { type: desc.type, sdp: desc.sdp } } });
  }

  trickle(target: 0 | 1, candidate: SfuCandidate): void {
    this._send({ jsonrpc: '2.0', method: 'trickle', params: { target, candidate: { ...candidate } } });
  }

  close(): void {
    if (this._isClosed) return;
    this._shutdown(new RpcError('SFU_UNAVAILABLE', 'the link was closed'));
    this.removeAllListeners();
  }

  private _request(method: 'join' | 'offer', params: object): Promise<SfuSessionDescription> {
    if (this._isClosed) return Promise.reject(new RpcError('SFU_UNAVAILABLE', 'the link to ion-sfu is closed'));
    const id = this._nextId++;
    return new Promise<SfuSessionDescription>((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        this._options.onUpstreamError?.('timeout');
        reject(new RpcError('SFU_TIMEOUT', `ion-sfu did not answer ${method} in ${this._options.requestTimeoutMs} ms`));
      }, this._options.requestTimeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      this._send({ jsonrpc: '2.0', id, method, params });
    });
  }

  private _send(message: object): void {
    if (this._isClosed) return;
    const frame = JSON.stringify(message);
    if (this._ws.readyState === WebSocket.OPEN) this._ws.send(frame);
    else this._queue.push(frame);
  }

  private readonly _onOpen = (): void => {
    this._hasOpened = true;
    clearTimeout(this._connectTimer);
    for (const frame of this._queue.splice(0)) this._ws.send(frame);
  };

  private readonly _onMessage = (data: WebSocket.RawData): void => {
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(data.toString());
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      msg = parsed as Record<string, unknown>;
    } catch (err) {
      this._options.log.warn('sfu: unreadable frame from ion-sfu', { error: String(err) });
      this._options.onUpstreamError?.('protocol');
      return;
    }
    try {
      if (typeof msg['method'] === 'string') this._onNotification(msg['method'], msg['params']);
      else if (typeof msg['id'] === 'number') this._onResponse(msg['id'], msg);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      // ion-sfu is trusted but not blindly: a frame we cannot read is logged and dropped.
      this._options.log.warn('sfu: unexpected frame from ion-sfu', { error: err.message });
      this._options.onUpstreamError?.('protocol');
    }
  };

  private _onNotification(method: string, params: unknown): void {
    if (method === 'offer') {
      // ion-sfu notifies the bare SessionDescription as params.
      const desc = upstreamDescription.parse(params, 'params');
      if (desc.type === 'offer') this.emit('offer', desc);
    } else if (method === 'trickle') {
      const t = upstreamTrickle.parse(params, 'params');
      this.emit('trickle', t.target, t.candidate);
    }
  }

  private _onResponse(id: number, msg: Record<string, unknown>): void {
    const pending = this._pending.get(id);
    if (!pending) {
      // ion-sfu answers failed notifications (answer/trickle) with id 0.
      if (msg['error']) this._options.log.warn('sfu: ion-sfu reported an error', { error: safeMessage(msg['error']) });
      return;
    }
    this._pending.delete(id);
    clearTimeout(pending.timer);
    if (msg['error'] !== undefined) {
      this._options.onUpstreamError?.('rejected');
      pending.reject(new RpcError('SFU_REJECTED', safeMessage(msg['error'])));
      return;
    }
    try {
      const desc = upstreamDescription.parse(msg['result'], 'result');
      pending.resolve(desc);
    } catch (err) {
      this._options.onUpstreamError?.('protocol');
      pending.reject(new RpcError('SFU_REJECTED', 'ion-sfu answered with no session description', { cause: err }));
    }
  }

  private readonly _onClose = (): void => {
    if (!this._isClosed) this._fail(this._hasOpened ? 'closed' : 'connect', new RpcError('SFU_UNAVAILABLE', this._hasOpened ? 'ion-sfu closed the connection' : 'cannot reach ion-sfu'));
  };

  private readonly _onError = (err: Error): void => {
    // 'close' follows every 'error'; the failure is reported there or here, once.
    this._options.log.debug('sfu: websocket error', { error: err.message });
    if (!this._isClosed) this._fail(this._hasOpened ? 'closed' : 'connect', new RpcError('SFU_UNAVAILABLE', `ion-sfu link failed: ${err.message}`));
  };

  private _fail(kind: UpstreamErrorKind, error: RpcError): void {
    if (this._isClosed) return;
    this._options.onUpstreamError?.(kind);
    this._shutdown(error);
    this.emit('failed', error);
    this.removeAllListeners();
  }

  private _shutdown(error: RpcError): void {
    this._isClosed = true;
    clearTimeout(this._connectTimer);
    this._queue.length = 0;
    for (const pending of this._pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this._pending.clear();
    this._ws.off('open', this._onOpen);
    this._ws.off('message', this._onMessage);
    this._ws.off('close', this._onClose);
    // Keep a no-op 'error' listener: ws emits errors during teardown, and an unhandled one would crash the process.
    this._ws.off('error', this._onError);
    this._ws.on('error', noop);
    if (this._ws.readyState === WebSocket.CONNECTING) this._ws.terminate();
    else if (this._ws.readyState === WebSocket.OPEN) this._ws.close(1000);
  }
}

function noop(): void {}

function safeMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message.slice(0, 200);
  }
  return 'ion-sfu error';
}
