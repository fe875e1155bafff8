import type { Trickle } from 'ion-sdk-js/lib/signal';

import { ErrorCode, RtcError } from '../errors/rtc-error';
import { Clock, TimerHandle } from '../util/clock';
import { Emitter } from '../util/emitter';
import { createLog } from '../util/log';
import {
  ClientNotificationMap,
  JsonRpcErrorObject,
  JsonRpcMessage,
  RequestMap,
  RequestMethod,
  ServerNotification,
  SessionDescription,
  SfuJoinConfig,
  TrickleTarget,
} from './protocol';
import type { SfuSignaling } from './sfu-signaling';
import { WebSocketFactory } from './web-socket';

/** WebSocket close code: the client is done with the room (room-server drops the peer at once). */
export const CLOSE_DONE = 1000;
/**
 * WebSocket close code: the client closes this link to re-join on a new one;
 * room-server keeps the peer's place (no peer-leave) for its reconnect grace.
 */
export const CLOSE_RECONNECTING = 4100;
/** WebSocket close code room-server sends right after `client-banned`; the close reason is the ban reason. */
export const CLOSE_BANNED = 4000;

const log = createLog('signal');

/** A JSON-RPC error answer from room-server. */
export class SignalRequestError extends Error {
  /** The JSON-RPC error code (see `RoomErrorCode`). */
  readonly code: number;
  readonly data: unknown;
  readonly method: string;

  constructor(method: string, error: JsonRpcErrorObject) {
    super(`${method} failed: ${error.code} ${error.message}`);
    this.name = 'SignalRequestError';
    this.code = error.code;
    this.data = error.data;
    this.method = method;
  }
}

/** Options of a {@link RoomSignal}. */
export interface RoomSignalOptions {
  /** `ws(s)://host/rtc` of room-server. */
  url: string;
  webSocketFactory: WebSocketFactory;
  clock: Clock;
  /** Default timeout of a request. */
  requestTimeoutMs: number;
  /** How long the socket may take to open. */
  connectTimeoutMs: number;
}

/** Why the link closed. */
export interface SignalCloseInfo {
  code: number;
  reason: string;
  /** `close()` was called on this side. */
  byClient: boolean;
}

/** Events of a {@link RoomSignal}. */
export interface RoomSignalEventMap {
  notification: ServerNotification;
  close: SignalCloseInfo;
}

interface PendingRequest {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

type SignalState = 'idle' | 'connecting' | 'open' | 'closed';

/**
 * JSON-RPC 2.0 over one WebSocket to room-server. It implements
 * {@link SfuSignaling} (ion-sdk-js's `Signal`), so an SFU transport negotiates
 * through it, and adds the room requests. Every request has a timeout (API_CALL_TIMEOUT); closing
 * the link rejects what is pending with API_CALL_ABORTED; trickles wait until
 * the ion-sfu `join` has gone out, so the server sees them in order.
 */
export class RoomSignal implements SfuSignaling {
  /** Set by ion-sdk-js: an SFU-initiated offer for the subscriber connection. */
  onnegotiate?: (jsep: RTCSessionDescriptionInit) => void;
  /** Set by ion-sdk-js: an ICE candidate from the SFU. */
  ontrickle?: (trickle: Trickle) => void;

  private readonly _events = new Emitter<RoomSignalEventMap>();
  private readonly _pending = new Map<number, PendingRequest>();
  private _socket: WebSocket | null = null;
  private _state: SignalState = 'idle';
  private _nextId = 1;
  /** Trickles held back until the ion-sfu `join` request is sent. */
  private _heldTrickles: ClientNotificationMap['trickle'][] | null = [];
  private _detach: (() => void) | null = null;
  /** Sent with the next ion-sfu `join` (e.g. `{NoPublish: true}` for an audience). */
  private _sfuJoinConfig: SfuJoinConfig | undefined;

  constructor(private readonly _options: RoomSignalOptions) {}

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this._state === 'open';
  }

  /** Number of requests awaiting an answer. */
  get pendingCount(): number {
    return this._pending.size;
  }

  /** Listens to notifications and the close of the link; returns the removal. */
  on<K extends keyof RoomSignalEventMap>(type: K, handler: (payload: RoomSignalEventMap[K]) => void): () => void {
    return this._events.on(type, handler);
  }

  /** Opens the socket; rejects with SIGNAL_CHANNEL_SETUP_FAILED. */
  connect(): Promise<void> {
    if (this._state !== 'idle') {
      return Promise.reject(new RtcError(ErrorCode.INVALID_OPERATION, 'the signal was already connected'));
    }
    this._state = 'connecting';
    const { url, webSocketFactory, clock, connectTimeoutMs } = this._options;
    return new Promise<void>((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = webSocketFactory(url);
      } catch (cause) {
        this._state = 'closed';
        reject(new RtcError(ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED, `cannot open ${url}`, { cause }));
        return;
      }
      this._socket = socket;
      let settled = false;
      const fail = (detail: string, cause?: unknown) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        this._teardown();
        safeClose(socket);
        reject(new RtcError(ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED, detail, { cause }));
      };
      const timer = clock.setTimeout(
        () => fail(`${url} did not open within ${connectTimeoutMs} ms`),
        connectTimeoutMs,
      );
      const onOpen = () => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        this._state = 'open';
        resolve();
      };
      const onMessage = (event: MessageEvent) => this._onMessage(event.data);
      const onClose = (event: CloseEvent) => {
        if (!settled) {
          fail(`${url} closed before opening (code ${event.code})`);
          return;
        }
        this._onClosed({ code: event.code, reason: event.reason, byClient: false });
      };
      const onError = (event: Event) => {
        if (!settled) fail(`${url} could not be reached`, event);
        // After open, an error is always followed by close; close handles it.
      };
      socket.addEventListener('open', onOpen);
      socket.addEventListener('message', onMessage);
      socket.addEventListener('close', onClose);
      socket.addEventListener('error', onError);
      this._detach = () => {
        socket.removeEventListener('open', onOpen);
        socket.removeEventListener('message', onMessage);
        socket.removeEventListener('close', onClose);
        socket.removeEventListener('error', onError);
      };
    });
  }

  /** Sends a request; rejects with SignalRequestError, API_CALL_TIMEOUT or API_CALL_ABORTED. */
  request<M extends RequestMethod>(
    method: M,
    params: RequestMap[M]['params'],
    timeoutMs = this._options.requestTimeoutMs,
  ): Promise<RequestMap[M]['result']> {
    if (this._state !== 'open' || !this._socket) {
      return Promise.reject(
        new RtcError(ErrorCode.API_CALL_ABORTED, `${method}: the signaling link is not open`),
      );
    }
    const id = this._nextId++;
    const socket = this._socket;
    return new Promise<RequestMap[M]['result']>((resolve, reject) => {
      const timer = this._options.clock.setTimeout(() => {
        this._pending.delete(id);
        reject(new RtcError(ErrorCode.API_CALL_TIMEOUT, `${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this._pending.set(id, {
        method,
        resolve: resolve as (result: unknown) => void,
        reject,
        timer,
      });
      try {
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      } catch (cause) {
        this._options.clock.clearTimeout(timer);
        this._pending.delete(id);
        reject(new RtcError(ErrorCode.API_CALL_ABORTED, `${method}: send failed`, { cause }));
      }
    });
  }

  /** Sends a notification; dropped (and logged) when the link is down. */
  notify<M extends keyof ClientNotificationMap>(method: M, params: ClientNotificationMap[M]): void {
    if (this._state !== 'open' || !this._socket) {
      log.debug(`dropping ${method}: link not open`);
      return;
    }
    try {
      this._socket.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    } catch (err) {
      // The close event that follows a failed send drives recovery.
      log.warn(`sending ${method} failed`, err);
    }
  }

  // ion-sdk-js Signal ------------------------------------------------------

  /** ion-sdk-js: joins the SFU session. sid and uid are set by room-server, so they are not sent. */
  join(_sid: string, _uid: null | string, offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
    const params: RequestMap['join']['params'] = { offer: toDescription(offer) };
    if (this._sfuJoinConfig) params.config = this._sfuJoinConfig;
    const answer = this.request('join', params);
    this._flushHeldTrickles();
    return answer;
  }

  /** ion-sdk-js: renegotiates the publisher connection. */
  offer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
    return this.request('offer', { desc: toDescription(offer) });
  }

  /** ion-sdk-js: answers an SFU-initiated offer. */
  answer(answer: RTCSessionDescriptionInit): void {
    this.notify('answer', { desc: toDescription(answer) });
  }

  /** ion-sdk-js: sends an ICE candidate. */
  trickle(trickle: Trickle): void {
    const params = { target: trickle.target as TrickleTarget, candidate: trickle.candidate };
    if (this._heldTrickles) {
      this._heldTrickles.push(params);
      return;
    }
    this.notify('trickle', params);
  }

  /** {@link SfuSignaling}: the next `join` carries `config`; trickles wait for it. */
  beginSfuSession(config: SfuJoinConfig): void {
    this._sfuJoinConfig = config;
    this._heldTrickles = [];
  }

  /** Closes the link; pending requests reject with API_CALL_ABORTED. */
  close(code: number = CLOSE_DONE): void {
    if (this._state === 'closed') return;
    const socket = this._socket;
    this._onClosed({ code, reason: 'closed by client', byClient: true });
    if (socket) safeClose(socket, code);
  }

  // internals ---------------------------------------------------------------

  private _flushHeldTrickles(): void {
    const held = this._heldTrickles;
    this._heldTrickles = null;
    held?.forEach((t) => this.notify('trickle', t));
  }

  private _onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(data) as JsonRpcMessage;
    } catch (err) {
      log.warn('unparsable message from room-server', err);
      return;
    }
    if (message === null || typeof message !== 'object') return;
    if (message.id !== undefined && message.id !== null && message.method === undefined) {
      const pending = this._pending.get(Number(message.id));
      if (!pending) return; // Answer to a request that timed out already.
      this._pending.delete(Number(message.id));
      this._options.clock.clearTimeout(pending.timer);
      if (message.error) pending.reject(new SignalRequestError(pending.method, message.error));
      else pending.resolve(message.result ?? {});
      return;
    }
    if (typeof message.method === 'string' && (message.id === undefined || message.id === null)) {
      const notification = { method: message.method, params: message.params ?? {} } as ServerNotification;
      if (notification.method === 'offer') {
        this.onnegotiate?.(notification.params.desc);
      } else if (notification.method === 'trickle') {
        this.ontrickle?.({ target: notification.params.target, candidate: notification.params.candidate } as Trickle);
      }
      this._events.emit('notification', notification);
    }
  }

  private _onClosed(info: SignalCloseInfo): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this._teardown();
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) {
      this._options.clock.clearTimeout(p.timer);
      p.reject(new RtcError(ErrorCode.API_CALL_ABORTED, `${p.method}: the signaling link closed`));
    }
    this._events.emit('close', info);
    this._events.clear();
  }

  private _teardown(): void {
    this._state = 'closed';
    this._detach?.();
    this._detach = null;
    this._socket = null;
  }
}

function toDescription(desc: RTCSessionDescriptionInit): SessionDescription {
  return { type: desc.type, sdp: desc.sdp ?? '' };
}

function safeClose(socket: WebSocket, code: number = CLOSE_DONE): void {
  try {
    socket.close(code);
  } catch (err) {
    // Closing a socket that never opened may throw in some browsers; nothing to recover.
    log.debug('socket close threw', err);
  }
}
