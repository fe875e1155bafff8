/**
 * Binds one client WebSocket to a {@link PeerSession}: frame limits, rate
 * limit, heartbeat, join timeout, slow-consumer protection, and cleanup of
 * every listener and timer when the socket closes.
 */
import WebSocket from 'ws';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { CLOSE_JOIN_TIMEOUT, PeerSession, type PeerChannel, type SessionContext } from '../session/peer-session.js';
import { RpcError } from './errors.js';
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import { errorFrame, parseFrame } from './jsonrpc.js';
import { TokenBucket } from './rate-limiter.js';

/** Limits a connection enforces. */
export interface ConnectionLimits {
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly joinTimeoutMs: number;
  readonly maxBufferedBytes: number;
}

/** WebSocket close code for a client too slow to read what it is sent. */
export const CLOSE_SLOW_CONSUMER = 1008;

/** A client connection; it lives until its socket closes. */
export class ClientConnection {
  readonly session: PeerSession;
  private readonly _bucket: TokenBucket;
  private readonly _heartbeat: Heartbeat;
  private readonly _joinTimer: NodeJS.Timeout;
  private readonly _log: Logger;
  private readonly _metrics: ServerMetrics;

  constructor(
    private readonly _ws: WebSocket,
    ctx: SessionContext,
    limits: ConnectionLimits,
    heartbeat: HeartbeatOptions,
    private readonly _onClosed: (connection: ClientConnection) => void,
  ) {
    this._log = ctx.log;
    this._metrics = ctx.metrics;
    this._bucket = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    const channel: PeerChannel = {
      send: (frame) => {
        if (this._ws.readyState !== WebSocket.OPEN) return;
        if (this._ws.bufferedAmount > limits.maxBufferedBytes) {
          this._log.warn('closing a client too slow to read', { buffered: this._ws.bufferedAmount });
          this._ws.close(CLOSE_SLOW_CONSUMER, 'too slow');
          return;
        }
        this._metrics.messagesOut.inc();
        this._ws.send(frame);
      },
      close: (code, reason) => {
        if (this._ws.readyState === WebSocket.OPEN || this._ws.readyState === WebSocket.CONNECTING) this._ws.close(code, reason);
      },
    };
    this.session = new PeerSession(channel, ctx);
    this._heartbeat = new Heartbeat({ ping: () => this._ws.ping() }, heartbeat, this._onDead);
    this._joinTimer = setTimeout(this._onJoinTimeout, limits.joinTimeoutMs);
    this._ws.on('message', this._onMessage);
    this._ws.on('pong', this._onPong);
    this._ws.on('close', this._onClose);
    this._ws.on('error', this._onError);
    this._heartbeat.start();
  }

  /** Closes the connection as the server shuts down. */
  shutdown(): void {
    this._ws.close(1001, 'server shutting down');
    this.session.close('disconnect');
  }

  private readonly _onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    this._heartbeat.alive();
    this._metrics.messagesIn.inc();
    if (isBinary) {
      this._refuse(null, new RpcError('INVALID_REQUEST', 'binary frames are not supported'));
      return;
    }
    const frame = parseFrame(rawToString(data));
    if (!this._bucket.tryTake()) {
      if (frame.kind === 'request') this._refuse(frame.id, new RpcError('RATE_LIMITED'));
      else this._metrics.rejectedMessages.inc({ error: 'RATE_LIMITED' });
      return;
    }
    if (frame.kind !== 'invalid' && frame.method === 'room.join') clearTimeout(this._joinTimer);
    this.session.receive(frame).catch((err: unknown) => {
      // receive() answers every failure itself; reaching here is a bug worth a log line, not a crash.
      this._log.error('unexpected session failure', { error: String(err) });
    });
  };

  private _refuse(id: string | number | null, error: RpcError): void {
    this._metrics.rejectedMessages.inc({ error: error.reason });
    if (this._ws.readyState === WebSocket.OPEN) {
      this._metrics.messagesOut.inc();
      this._ws.send(errorFrame(id, error));
    }
  }

  private readonly _onPong = (): void => this._heartbeat.alive();

  private readonly _onDead = (): void => {
    this._log.info('heartbeat lost; dropping connection', { userId: this.session.userId || undefined });
    this.session.close('timeout');
    this._ws.terminate();
  };

  private readonly _onJoinTimeout = (): void => {
    if (this.session.isJoined || this.session.isClosed) return;
    this._ws.close(CLOSE_JOIN_TIMEOUT, 'no room.join');
  };

  private readonly _onError = (err: Error & { code?: string }): void => {
    // ws reports protocol violations (e.g. oversized frames) here, then closes the socket.
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this._metrics.rejectedMessages.inc({ error: 'MESSAGE_TOO_LARGE' });
    this._log.debug('client websocket error', { error: err.message, code: err.code });
  };

  private readonly _onClose = (code: number): void => {
    clearTimeout(this._joinTimer);
    this._heartbeat.stop();
    this.session.disconnect(code);
    this._ws.off('message', this._onMessage);
    this._ws.off('pong', this._onPong);
    this._ws.off('close', this._onClose);
    // The 'error' listener stays: ws may still emit during teardown, and an unhandled 'error' would crash the process.
    this._onClosed(this);
  };
}

function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
