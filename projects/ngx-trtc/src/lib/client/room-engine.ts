import { ErrorCode, RtcError } from '../errors/rtc-error';
import { Emitter } from '../util/emitter';
import { createLog } from '../util/log';
import type { BanReason, RoomJoinParams, RoomSnapshot, ServerNotification } from '../signal/protocol';
import { CLOSE_BANNED, SignalCloseInfo } from '../signal/room-signal';
import type { SfuTransport } from '../transport/sfu-transport';
import { bannedMessage, isBanReason, isBannedError, toReconnectionFailedError } from './client-errors';
import type { ClientDependencies } from './client-options';
import type { ConnectionState, ConnectionStateChange, ReconnectedInfo } from './client-types';
import { IceWatchdog } from './ice-watchdog';
import { Reconnector } from './reconnector';
import type { ReconnectReason } from './retry-policy';
import { RoomSession, RoomSessionDeps } from './room-session';

const log = createLog('client');

/** The client's seams the engine uses. */
export type RoomEngineDeps = Pick<
  ClientDependencies,
  'serverUrl' | 'webSocketFactory' | 'transportFactory' | 'clock' | 'retryPolicy' | 'timeouts' | 'rtcConfiguration'
> &
  Pick<RoomSessionDeps, 'transportOptions'>;

/** What a client is doing with its room. */
export type RoomPhase = 'idle' | 'joining' | 'joined' | 'reconnecting';

/** How local streams go out again on a new transport: not at all, announced first, or tracks only. */
export type RepublishMode = 'none' | 'announce' | 'tracks';

/** Events the engine reports up to the client. */
export interface RoomEngineEventMap {
  /** trtc-js-sdk's connection state changed. */
  'connection-state-changed': ConnectionStateChange;
  /** A room event from room-server (peers, streams, mutes). */
  notification: ServerNotification;
  /** A remote MediaStream arrived from the SFU. */
  track: MediaStream;
  /** ion-sfu's audio-level observer: stream ids of the speakers, loudest first. */
  'audio-levels': string[];
  /** CONNECTED (after join, a reconnect or a media restart): streams may be announced. */
  connected: void;
  /** CONNECTED again after RECONNECTING. */
  reconnected: ReconnectedInfo;
  /** The transport closed: its publications and received streams are gone. */
  'transport-closed': void;
  /** The room is left (leave, a failed join, a ban, reconnection given up): forget it. */
  reset: void;
  /** room-server removed this client while it was in the room. */
  banned: { reason: BanReason; message: string };
  /** Reconnection gave up (SIGNAL_CHANNEL_RECONNECTION_FAILED). */
  'reconnect-failed': RtcError;
}

/** The steps of a connection the engine leaves to the client above it. */
export interface RoomEngineDelegate {
  /** `room.join` params of the next attempt. */
  joinParams(): RoomJoinParams;
  /** room.join answered, before the SFU join: take the room's snapshot. */
  onRoomJoined(snapshot: RoomSnapshot, isReconnect: boolean): void;
  /** A new transport is up: publish local streams again and restore subscriptions. */
  restoreMedia(session: RoomSession, mode: Exclude<RepublishMode, 'none'>): Promise<void>;
}

/**
 * A client's connection to its room, after livekit's RTCEngine: it owns the
 * current {@link RoomSession}, the room phase and connection state, and what
 * keeps the connection up — re-joins per the retry policy when the link drops
 * or the heartbeat goes silent, a new SFU session on `sfu-error`, ICE restarts
 * (through the {@link IceWatchdog}), and the end on a ban. It reports up
 * through typed events; room state belongs to the client.
 */
export class RoomEngine {
  private readonly _events = new Emitter<RoomEngineEventMap>();
  private readonly _reconnector: Reconnector;
  private readonly _ice: IceWatchdog;
  private _state: ConnectionState = 'DISCONNECTED';
  private _phase: RoomPhase = 'idle';
  private _session: RoomSession | null = null;
  /** Bumped by leave, a ban and giving up: work of an older generation stops. */
  private _generation = 0;
  private _iceServers: RTCIceServer[] | null = null;

  constructor(
    private readonly _deps: RoomEngineDeps,
    private readonly _delegate: RoomEngineDelegate,
  ) {
    this._reconnector = new Reconnector(_deps.clock, _deps.retryPolicy);
    this._ice = new IceWatchdog(_deps.clock, _deps.timeouts, {
      isCurrent: () => this._phase === 'joined' && this._session !== null,
      iceState: (role) => this._session?.transport?.iceState(role),
      restartIce: () => {
        log.info('publisher ICE lost; restarting ICE');
        this._session?.transport?.restartIce().catch((err) => log.warn('ICE restart failed', err));
      },
      rejoin: () => this._startReconnect('ice-failed'),
    });
  }

  /** The connection state (trtc-js-sdk's `connection-state-changed` states). */
  get state(): ConnectionState {
    return this._state;
  }

  /** The room phase. */
  get phase(): RoomPhase {
    return this._phase;
  }

  /** The session in use (null when idle and between reconnect attempts). */
  get session(): RoomSession | null {
    return this._session;
  }

  /** The current session's SFU transport. */
  get transport(): SfuTransport | null {
    return this._session?.transport ?? null;
  }

  /** TURN servers for the next SFU join (null: the configured ones). */
  setIceServers(servers: RTCIceServer[] | null): void {
    this._iceServers = servers;
  }

  /** Listens to an engine event; returns the removal. */
  on<K extends keyof RoomEngineEventMap>(type: K, handler: (payload: RoomEngineEventMap[K]) => void): () => void {
    return this._events.on(type, handler);
  }

  /** The joined session, or INVALID_OPERATION naming `method` (not joined, or reconnecting). */
  requireJoined(method: string): RoomSession {
    const session = this._session;
    if (this._phase === 'idle' || this._phase === 'joining' || !session) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: join a room first`);
    }
    if (this._phase === 'reconnecting' || session.isClosed || !session.transport) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: the client is reconnecting; try again when CONNECTED`);
    }
    return session;
  }

  /**
   * From idle: CONNECTING, room-server, the SFU, then CONNECTED; back to
   * DISCONNECTED (and rejects with what failed) if any step fails, or with
   * API_CALL_ABORTED when leave() came first.
   */
  async join(): Promise<void> {
    this._phase = 'joining';
    const generation = this._generation;
    this._setState('CONNECTING');
    try {
      await this._connect(false);
    } catch (error) {
      if (generation === this._generation) this._end();
      throw error;
    }
    if (generation !== this._generation) {
      throw new RtcError(ErrorCode.API_CALL_ABORTED, 'join: aborted by leave()');
    }
    this._phase = 'joined';
    this._setState('CONNECTED');
    this._events.emit('connected', undefined);
  }

  /** Leaves the room: `room.leave` when joined (not waiting long for it), then DISCONNECTED. */
  async leave(): Promise<void> {
    if (this._phase === 'idle') return;
    this._generation++;
    const session = this._session;
    if (session && !session.isClosed && session.signal.isOpen && this._phase === 'joined') {
      try {
        await session.signal.request('room.leave', {}, Math.min(2000, this._deps.timeouts.requestMs));
      } catch (err) {
        // Leaving proceeds locally whether or not room-server acknowledged it.
        log.debug('room.leave was not acknowledged', err);
      }
    }
    this._end();
  }

  // ------------------------------------------------------------ internals

  private _setState(state: ConnectionState): void {
    if (state === this._state) return;
    const prevState = this._state;
    this._state = state;
    this._events.emit('connection-state-changed', { prevState, state });
  }

  /** Closes the session, forgets the room, idle and DISCONNECTED. */
  private _end(): void {
    this._closeSession();
    this._events.emit('reset', undefined);
    this._phase = 'idle';
    this._setState('DISCONNECTED');
  }

  /** Connects a new session: socket, room.join, SFU join; on reconnect also re-publishes. */
  private async _connect(isReconnect: boolean): Promise<void> {
    const session = new RoomSession(this._deps);
    this._session = session;
    session.on('notification', (n) => this._onNotification(session, n));
    session.on('signal-close', (info) => this._onSignalClose(session, info));
    session.on('heartbeat-timeout', () => {
      if (session !== this._session) return;
      log.warn('heartbeat timed out; reconnecting');
      this._startReconnect('heartbeat-timeout');
    });
    session.on('track', (stream) => {
      if (session === this._session) this._events.emit('track', stream);
    });
    session.on('ice-state', ({ role, state }) => {
      if (session === this._session && this._phase === 'joined') this._ice.onIceState(role, state);
    });
    session.on('audio-levels', (ids) => {
      if (session === this._session) this._events.emit('audio-levels', ids);
    });
    await session.open();
    const snapshot = await session.joinRoom(this._delegate.joinParams());
    this._delegate.onRoomJoined(snapshot, isReconnect);
    await this._joinMedia(session, isReconnect ? 'announce' : 'none');
    session.startHeartbeat(snapshot.heartbeatIntervalMs);
  }

  /** A new transport on the session's signal; then local streams and subscriptions are restored. */
  private async _joinMedia(session: RoomSession, republish: RepublishMode): Promise<void> {
    const rtcConfiguration: RTCConfiguration = {
      ...this._deps.rtcConfiguration,
      ...(this._iceServers ? { iceServers: this._iceServers } : {}),
    };
    await session.joinMedia(rtcConfiguration);
    if (republish === 'none') return;
    await this._delegate.restoreMedia(session, republish);
  }

  /** Drops the transport only, keeping the room-server connection. */
  private _closeTransport(session: RoomSession): void {
    this._ice.clear();
    session.closeTransport();
    this._events.emit('transport-closed', undefined);
  }

  /**
   * Closes the current session (signal and transport) without touching room
   * state. `reconnecting`: a re-join follows, so room-server keeps our place.
   */
  private _closeSession(reconnecting = false): void {
    const session = this._session;
    this._session = null;
    this._ice.clear();
    if (!session || !session.close(reconnecting)) return;
    this._events.emit('transport-closed', undefined);
  }

  private _onNotification(session: RoomSession, notification: ServerNotification): void {
    if (session !== this._session) return;
    switch (notification.method) {
      case 'client-banned':
        this._onBanned(notification.params.reason, notification.params.message);
        return;
      case 'sfu-error':
        log.warn('room-server lost the SFU:', notification.params.message);
        if (this._phase === 'joined') this._restartMedia(session, 'sfu-error');
        else session.abort(new RtcError(ErrorCode.JOIN_ROOM_FAILED, `SFU error: ${notification.params.message}`));
        return;
      default:
        this._events.emit('notification', notification);
    }
  }

  private _onSignalClose(session: RoomSession, info: SignalCloseInfo): void {
    if (session !== this._session || info.byClient) return;
    if (info.code === CLOSE_BANNED && isBanReason(info.reason)) {
      // The client-banned before this close was lost: reconnecting would only fight the eviction.
      this._onBanned(info.reason, `removed by room-server (${info.reason})`);
      return;
    }
    if (this._phase === 'joined') {
      this._startReconnect('signal-lost');
    } else {
      session.abort(new RtcError(ErrorCode.API_CALL_ABORTED, `the signaling link closed (code ${info.code})`));
    }
  }

  private _onBanned(reason: BanReason, message: string): void {
    if (this._phase === 'idle') return;
    this._generation++;
    const wasJoining = this._phase === 'joining';
    this._session?.abort(new RtcError(ErrorCode.CLIENT_BANNED, `banned (${reason}): ${message}`));
    this._closeSession();
    this._events.emit('reset', undefined);
    this._phase = 'idle';
    if (!wasJoining) this._events.emit('banned', { reason, message });
    this._setState('DISCONNECTED');
  }

  /**
   * A new SFU session on the same room-server connection after `sfu-error`
   * (room-server dropped its ion-sfu link): others see no peer-leave. Falls
   * back to a full re-join. (Lost ICE re-joins fully: room-server keeps the
   * old ion-sfu link of a connection, so a second `join` on it is refused.)
   */
  private _restartMedia(session: RoomSession, reason: ReconnectReason): void {
    if (this._phase !== 'joined' || session !== this._session) return;
    this._phase = 'reconnecting';
    this._setState('RECONNECTING');
    this._closeTransport(session);
    const generation = this._generation;
    const startedAt = this._deps.clock.now();
    this._joinMedia(session, 'tracks').then(
      () => {
        if (generation !== this._generation || session !== this._session) return;
        this._reconnected(1, startedAt);
      },
      (error) => {
        if (generation !== this._generation || session !== this._session) return;
        log.info('media restart failed; re-joining the room', error);
        this._phase = 'joined';
        this._startReconnect(reason);
      },
    );
  }

  /** Moves to RECONNECTING and re-joins per the retry policy. */
  private _startReconnect(reason: ReconnectReason): void {
    if (this._phase !== 'joined') return;
    this._phase = 'reconnecting';
    this._closeSession(true);
    this._setState('RECONNECTING');
    void this._reconnect(reason, this._generation);
  }

  private async _reconnect(reason: ReconnectReason, generation: number): Promise<void> {
    const outcome = await this._reconnector.run(reason, {
      attempt: () => this._connect(true),
      isCancelled: () => generation !== this._generation,
      onAttemptFailed: (error, attempt) => {
        this._closeSession(true);
        log.info(`reconnect attempt ${attempt + 1} failed`, error);
      },
    });
    if (!outcome) return;
    if (outcome.ok) {
      this._reconnected(outcome.attempts, outcome.startedAt);
      return;
    }
    const { lastError } = outcome;
    if (isBannedError(lastError)) {
      // Banned while away (the notification could not reach us): the same end as a live ban, no error on top.
      log.info('re-join refused: banned from the room');
      this._onBanned('banned', bannedMessage(lastError));
      return;
    }
    this._generation++;
    this._closeSession();
    this._events.emit('reset', undefined);
    this._phase = 'idle';
    this._events.emit('reconnect-failed', toReconnectionFailedError(lastError));
    this._setState('DISCONNECTED');
  }

  private _reconnected(attempts: number, startedAt: number): void {
    this._phase = 'joined';
    this._setState('CONNECTED');
    this._events.emit('connected', undefined);
    this._events.emit('reconnected', { attempts, durationMs: Math.round(this._deps.clock.now() - startedAt) });
  }
}
