import { ErrorCode, RtcError, isRtcError } from '../errors/rtc-error';
import type { Clock, TimerHandle } from '../util/clock';
import { Emitter } from '../util/emitter';
import { createLog } from '../util/log';
import type { RoomJoinParams, RoomSnapshot, ServerNotification } from '../signal/protocol';
import { CLOSE_DONE, CLOSE_RECONNECTING, RoomSignal, SignalCloseInfo } from '../signal/room-signal';
import type { WebSocketFactory } from '../signal/web-socket';
import type { PeerConnectionRole, SfuTransport, SfuTransportFactory, SfuTransportOptions } from '../transport/sfu-transport';
import type { ClientTimeouts } from './client-options';

const log = createLog('client');

/** Events a {@link RoomSession} reports up to the engine that owns it. */
export interface RoomSessionEventMap {
  /** A room-server notification. */
  notification: ServerNotification;
  /** The room-server link closed. */
  'signal-close': SignalCloseInfo;
  /** `rtc.ping` got no answer in time: the link is silent. */
  'heartbeat-timeout': void;
  /** A remote stream's track arrived on the current transport. */
  track: MediaStream;
  /** ICE state of one of the current transport's connections changed. */
  'ice-state': { role: PeerConnectionRole; state: RTCIceConnectionState };
  /** ion-sfu's audio-level observer: stream ids of the speakers, loudest first. */
  'audio-levels': string[];
}

/** What a {@link RoomSession} needs: room-server's address, the socket and transport seams, timers. */
export interface RoomSessionDeps {
  serverUrl: string;
  webSocketFactory: WebSocketFactory;
  transportFactory: SfuTransportFactory;
  clock: Clock;
  timeouts: ClientTimeouts;
  /** What else each transport is built with (end-to-end encryption). */
  transportOptions?: SfuTransportOptions;
}

/**
 * One connection attempt to a room: a {@link RoomSignal} to room-server and,
 * once joined to the SFU, a transport over it, plus the heartbeat that tells
 * a silent link. It knows nothing of room state; it reports up through typed
 * events, and every await on it stops when it is closed ({@link race}).
 */
export class RoomSession {
  /** The JSON-RPC link to room-server. */
  readonly signal: RoomSignal;
  private readonly _events = new Emitter<RoomSessionEventMap>();
  private _transport: SfuTransport | null = null;
  /** Removals of the current transport's listeners. */
  private readonly _transportDisposers: (() => void)[] = [];
  private readonly _signalDisposers: (() => void)[] = [];
  private _closed = false;
  private _abort!: (error: RtcError) => void;
  /** Rejects when the session is closed, so awaits raced against it stop. */
  private readonly _aborted = new Promise<never>((_, reject) => (this._abort = reject));
  private _heartbeat: TimerHandle | null = null;
  private _pingInFlight = false;

  constructor(private readonly _deps: RoomSessionDeps) {
    const { serverUrl, webSocketFactory, clock, timeouts } = _deps;
    this.signal = new RoomSignal({
      url: serverUrl,
      webSocketFactory,
      clock,
      requestTimeoutMs: timeouts.requestMs,
      connectTimeoutMs: timeouts.connectMs,
    });
    // Nobody may be racing against it when it fires; that is fine.
    this._aborted.catch(() => undefined);
  }

  /** The SFU transport, once joined (null before, after closeTransport and after close). */
  get transport(): SfuTransport | null {
    return this._transport;
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this._closed;
  }

  /** Listens to a session event; returns the removal. */
  on<K extends keyof RoomSessionEventMap>(type: K, handler: (payload: RoomSessionEventMap[K]) => void): () => void {
    return this._events.on(type, handler);
  }

  /** `promise`, or the session's abort error if it is closed first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this._aborted]);
  }

  /** Makes every pending and future {@link race} reject with `error` (the session stays open). */
  abort(error: RtcError): void {
    this._abort(error);
  }

  /** Opens the room-server link (SIGNAL_CHANNEL_SETUP_FAILED) and starts relaying its events. */
  async open(): Promise<void> {
    await this.race(this.signal.connect());
    this._signalDisposers.push(
      this.signal.on('notification', (n) => this._events.emit('notification', n)),
      this.signal.on('close', (info) => this._events.emit('signal-close', info)),
    );
  }

  /** `room.join`; resolves with the room's snapshot. */
  joinRoom(params: RoomJoinParams): Promise<RoomSnapshot> {
    return this.race(this.signal.request('room.join', params));
  }

  /**
   * Joins the SFU on this session's signal with a new transport; API_CALL_TIMEOUT
   * when the media connection is not up within `mediaJoinMs` (ion-sdk-js's own
   * join never settles when ICE fails).
   */
  async joinMedia(rtcConfiguration: RTCConfiguration): Promise<void> {
    const transport = this._deps.transportFactory(this.signal, rtcConfiguration, this._deps.transportOptions);
    this._transport = transport;
    this._transportDisposers.push(
      transport.on('track', ({ stream }) => {
        if (this._transport === transport) this._events.emit('track', stream);
      }),
      transport.on('ice-state', (change) => this._events.emit('ice-state', change)),
      transport.on('audio-levels', (ids) => this._events.emit('audio-levels', ids)),
      transport.on('negotiation-failed', ({ role, error }) => log.warn(`${role} negotiation failed`, error)),
    );
    const { mediaJoinMs } = this._deps.timeouts;
    // ion-sfu's NoPublish would drop the publisher transport and its data channel, which
    // ion-sdk-js's join needs; an audience joins normally and room-server refuses its media.
    const joined = withTimeout(
      transport.join({}),
      mediaJoinMs,
      this._deps.clock,
      () =>
        new RtcError(
          ErrorCode.API_CALL_TIMEOUT,
          `join: the media connection to the SFU was not up within ${mediaJoinMs} ms (ICE or SFU not answering)`,
        ),
    );
    await this.race(joined);
  }

  /** Sends `rtc.ping` every `intervalMs`; a ping without an answer reports `heartbeat-timeout`. */
  startHeartbeat(intervalMs: number): void {
    if (!(intervalMs > 0)) return;
    const { clock, timeouts } = this._deps;
    const timeoutMs = Math.max(1000, Math.min(timeouts.requestMs, intervalMs * 2));
    this._heartbeat = clock.setInterval(() => {
      if (this._closed || this._pingInFlight) return;
      this._pingInFlight = true;
      this.signal.request('rtc.ping', {}, timeoutMs).then(
        () => (this._pingInFlight = false),
        (error) => {
          this._pingInFlight = false;
          if (isRtcError(error, ErrorCode.API_CALL_TIMEOUT)) this._events.emit('heartbeat-timeout', undefined);
        },
      );
    }, intervalMs);
  }

  /** Drops the transport only, keeping the room-server link. */
  closeTransport(): void {
    this._transportDisposers.splice(0).forEach((dispose) => dispose());
    this._transport?.close();
    this._transport = null;
  }

  /**
   * Closes transport and link; what is raced against the session rejects with
   * API_CALL_ABORTED. `reconnecting`: a re-join follows, so room-server keeps
   * our place. Returns false when it was closed already.
   */
  close(reconnecting: boolean): boolean {
    if (this._closed) return false;
    this._closed = true;
    this._abort(new RtcError(ErrorCode.API_CALL_ABORTED, 'the connection was closed'));
    if (this._heartbeat !== null) this._deps.clock.clearInterval(this._heartbeat);
    this._heartbeat = null;
    this._signalDisposers.splice(0).forEach((dispose) => dispose());
    this.closeTransport();
    this.signal.close(reconnecting ? CLOSE_RECONNECTING : CLOSE_DONE);
    this._events.clear();
    return true;
  }
}

/** `promise`, or `error()` if it has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock, error: () => RtcError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(error()), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clock.clearTimeout(timer);
        reject(err);
      },
    );
  });
}
