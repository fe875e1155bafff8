/** Runs callbacks as separate tasks, in order, like a socket's message events. */
export class TaskQueue {
  private readonly _channel = new MessageChannel();
  private readonly _queue: (() => void)[] = [];
  private _waiters: (() => void)[] = [];

  constructor() {
    this._channel.port1.onmessage = () => {
      const next = this._queue.shift();
      next?.();
      if (this._queue.length === 0) {
        const waiters = this._waiters;
        this._waiters = [];
        waiters.forEach((w) => w());
      }
    };
  }

  /** Queues a callback as its own task. */
  post(callback: () => void): void {
    this._queue.push(callback);
    this._channel.port2.postMessage(null);
  }

  /** Resolves once everything queued so far has run. */
  drained(): Promise<void> {
    if (this._queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this._waiters.push(resolve));
  }

  get size(): number {
    return this._queue.length;
  }
}

/** The server side of a {@link FakeWebSocket}. */
export interface FakeSocketServerSide {
  /** A text frame from the client. */
  onClientMessage(socket: FakeWebSocket, data: string): void;
  /** The client closed the socket. */
  onClientClose(socket: FakeWebSocket, code: number, reason: string): void;
}

/**
 * An in-memory WebSocket: `implements WebSocket`, so it drops in wherever a
 * socket is expected (through `WEB_SOCKET_FACTORY`). Events are delivered as
 * separate tasks, in order, as a browser does.
 */
export class FakeWebSocket extends EventTarget implements WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  binaryType: BinaryType = 'blob';
  readonly bufferedAmount = 0;
  readonly extensions = '';
  readonly protocol = '';
  readyState: number = FakeWebSocket.CONNECTING;

  onopen: ((this: WebSocket, ev: Event) => unknown) | null = null;
  onmessage: ((this: WebSocket, ev: MessageEvent) => unknown) | null = null;
  onclose: ((this: WebSocket, ev: CloseEvent) => unknown) | null = null;
  onerror: ((this: WebSocket, ev: Event) => unknown) | null = null;

  /** Every frame the client sent, parsed. */
  readonly sent: unknown[] = [];

  constructor(
    readonly url: string,
    private readonly _server: FakeSocketServerSide,
    private readonly _tasks: TaskQueue,
  ) {
    super();
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState === FakeWebSocket.CONNECTING) {
      throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
    }
    if (this.readyState !== FakeWebSocket.OPEN) return; // Browsers silently drop frames on a closing socket.
    const text = String(data);
    try {
      this.sent.push(JSON.parse(text));
    } catch {
      this.sent.push(text);
    }
    this._tasks.post(() => this._server.onClientMessage(this, text));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === FakeWebSocket.CLOSING || this.readyState === FakeWebSocket.CLOSED) return;
    this.readyState = FakeWebSocket.CLOSING;
    this._tasks.post(() => {
      this._server.onClientClose(this, code, reason);
      this._finishClose(code, reason, true);
    });
  }

  // server side -------------------------------------------------------------

  /** Server: accept the connection. */
  serverOpen(): void {
    this._tasks.post(() => {
      if (this.readyState !== FakeWebSocket.CONNECTING) return;
      this.readyState = FakeWebSocket.OPEN;
      this._dispatch(new Event('open'), this.onopen);
    });
  }

  /** Server: send a text frame. */
  serverSend(data: string): void {
    this._tasks.post(() => {
      if (this.readyState !== FakeWebSocket.OPEN) return;
      this._dispatch(new MessageEvent('message', { data }), this.onmessage);
    });
  }

  /** Server: close the connection (1006 = dropped without a close frame). */
  serverClose(code = 1006, reason = ''): void {
    this._tasks.post(() => {
      if (this.readyState === FakeWebSocket.CLOSED) return;
      if (code === 1006) this._dispatch(new Event('error'), this.onerror);
      this._finishClose(code, reason, code !== 1006);
    });
  }

  /** Server: refuse the connection (error, then close 1006). */
  serverRefuse(): void {
    this.serverClose(1006, '');
  }

  private _finishClose(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === FakeWebSocket.CLOSED) return;
    this.readyState = FakeWebSocket.CLOSED;
    this._dispatch(new CloseEvent('close', { code, reason, wasClean }), this.onclose);
  }

  private _dispatch<E extends Event>(event: E, handler: ((this: WebSocket, ev: E) => unknown) | null): void {
    handler?.call(this, event);
    this.dispatchEvent(event);
  }
}
