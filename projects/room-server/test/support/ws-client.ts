/** A small JSON-RPC WebSocket client for server-level tests and the benchmark. */
import WebSocket from 'ws';

/** A JSON-RPC frame received from room-server. */
export interface RpcFrame {
  id?: number | string | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: { detail: string; expiresAt?: number } };
}

/** A client connection with request/response matching and a notification log. */
export class WsTestClient {
  readonly notifications: RpcFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly _pending = new Map<number, (frame: RpcFrame) => void>();
  private readonly _waiters: Array<{ method: string; resolve: (f: RpcFrame) => void }> = [];
  private _nextId = 1;
  private readonly _listeners = new Set<(frame: RpcFrame) => void>();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {
      // Surfaced through `closed`; an unhandled 'error' would crash the test run.
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as RpcFrame;
      if (frame.method === undefined && typeof frame.id === 'number' && this._pending.has(frame.id)) {
        this._pending.get(frame.id)!(frame);
        this._pending.delete(frame.id);
        return;
      }
      if (frame.method !== undefined) {
        this.notifications.push(frame);
        for (const listener of [...this._listeners]) listener(frame);
        for (const w of this._waiters.filter((x) => x.method === frame.method)) {
          this._waiters.splice(this._waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      } else this.notifications.push(frame);
    });
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const onError = (err: Error): void => reject(err);
      ws.once('unexpected-response', (_req, res) => {
        ws.off('error', onError);
        ws.on('error', () => {});
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        resolve(new WsTestClient(ws));
      });
    });
  }

  /** Sends a request; resolves with its response frame. */
  request(method: string, params?: unknown, timeoutMs = 10_000): Promise<RpcFrame> {
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new Error(`${method} timed out`));
      }, timeoutMs);
      this._pending.set(id, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  /** Calls `listener` for every notification; returns its removal. */
  onNotification(listener: (frame: RpcFrame) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** Sends a notification. */
  notify(method: string, params: unknown): void {
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** Resolves with the next (or an already received) notification of `method`. */
  waitFor(method: string, timeoutMs = 10_000, skipExisting = false): Promise<RpcFrame> {
    const existing = skipExisting ? undefined : this.notifications.find((f) => f.method === method);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      this._waiters.push({ method, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  /** Closes the connection and waits for the close. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await this.closed;
  }
}
