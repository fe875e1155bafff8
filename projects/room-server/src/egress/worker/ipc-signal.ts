/**
 * The worker's JSON-RPC 2.0 client to its room-server session, carried over
 * the IPC channel (`rpc` messages): requests with timeouts, notifications
 * both ways.
 */

/** A JSON-RPC notification from room-server. */
export interface Notification {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** The failure of a request: room-server's JSON-RPC error, or no answer in time. */
export class SignalError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
    this.name = 'SignalError';
  }
}

/** JSON-RPC over a send function; feed incoming frames to {@link receive}. */
export class IpcSignal {
  private _nextId = 1;
  private readonly _pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly _listeners = new Set<(n: Notification) => void>();
  private _isClosed = false;

  constructor(
    private readonly _send: (frame: string) => void,
    private readonly _timeoutMs = 10_000,
  ) {}

  /** Sends a request; resolves with its result, rejects with a {@link SignalError}. */
  request(method: string, params: object): Promise<unknown> {
    if (this._isClosed) return Promise.reject(new SignalError('signal closed', null));
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new SignalError(`${method}: no answer within ${this._timeoutMs} ms`, null));
      }, this._timeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      this._send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Sends a notification. */
  notify(method: string, params: object): void {
    if (!this._isClosed) this._send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** Adds a notification listener; returns its removal. */
  onNotification(listener: (n: Notification) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** Handles one frame from room-server. */
  receive(text: string): void {
    let frame: { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: { code?: number; message?: string; data?: { detail?: string } } };
    try {
      frame = JSON.parse(text);
    } catch {
      return; // room-server only sends JSON; a bad frame is a bug on its side, not a reason to stop
    }
    if (typeof frame.method === 'string') {
      const params = (typeof frame.params === 'object' && frame.params !== null ? frame.params : {}) as Record<string, unknown>;
      for (const listener of [...this._listeners]) listener({ method: frame.method, params });
      return;
    }
    if (typeof frame.id !== 'number') return;
    const pending = this._pending.get(frame.id);
    if (!pending) return;
    this._pending.delete(frame.id);
    clearTimeout(pending.timer);
    if (frame.error) pending.reject(new SignalError(`${frame.error.message ?? 'error'}${frame.error.data?.detail ? `: ${frame.error.data.detail}` : ''}`, frame.error.code ?? null));
    else pending.resolve(frame.result);
  }

  /** Rejects pending requests; later calls fail at once. */
  close(): void {
    this._isClosed = true;
    for (const [id, p] of this._pending) {
      clearTimeout(p.timer);
      p.reject(new SignalError('signal closed', null));
      this._pending.delete(id);
    }
    this._listeners.clear();
  }
}
