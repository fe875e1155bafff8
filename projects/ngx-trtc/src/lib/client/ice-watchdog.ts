import type { Clock, TimerHandle } from '../util/clock';
import type { PeerConnectionRole } from '../transport/sfu-transport';
import type { ClientTimeouts } from './client-options';

/** What the watchdog reads and does on the connection it watches. */
export interface IceWatchdogTarget {
  /** Whether the watched connection is still the one in use (and joined). */
  isCurrent(): boolean;
  /** ICE state of one peer connection now (undefined without a transport). */
  iceState(role: PeerConnectionRole): RTCIceConnectionState | undefined;
  /** Restarts ICE on the publisher connection. */
  restartIce(): void;
  /** Gives the connection up: a full re-join. */
  rejoin(): void;
}

/**
 * Decides what lost ICE costs. `disconnected` gets a grace period
 * (`iceDisconnectedGraceMs`), `failed` none; then the publisher restarts ICE
 * and re-joins if that has not reconnected within `iceRestartMs`, while the
 * subscriber re-joins at once (the SFU offers that connection; only a
 * re-join restarts it). Recovering in time cancels the pending step.
 */
export class IceWatchdog {
  private readonly _graceTimers = new Map<PeerConnectionRole, TimerHandle>();
  private _restartTimer: TimerHandle | null = null;

  constructor(
    private readonly _clock: Clock,
    private readonly _timeouts: Pick<ClientTimeouts, 'iceDisconnectedGraceMs' | 'iceRestartMs'>,
    private readonly _target: IceWatchdogTarget,
  ) {}

  /** Feeds an ICE state change of the watched connection. */
  onIceState(role: PeerConnectionRole, state: RTCIceConnectionState): void {
    const clock = this._clock;
    if (state === 'connected' || state === 'completed') {
      const timer = this._graceTimers.get(role);
      if (timer !== undefined) clock.clearTimeout(timer);
      this._graceTimers.delete(role);
      if (this._restartTimer !== null && this._target.iceState('publisher') !== 'failed') {
        clock.clearTimeout(this._restartTimer);
        this._restartTimer = null;
      }
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    if (this._graceTimers.has(role)) return;
    const grace = state === 'failed' ? 0 : this._timeouts.iceDisconnectedGraceMs;
    this._graceTimers.set(
      role,
      clock.setTimeout(() => {
        this._graceTimers.delete(role);
        this._onGraceOver(role);
      }, grace),
    );
  }

  /** Cancels every pending step (the connection was closed or replaced). */
  clear(): void {
    for (const timer of this._graceTimers.values()) this._clock.clearTimeout(timer);
    this._graceTimers.clear();
    if (this._restartTimer !== null) this._clock.clearTimeout(this._restartTimer);
    this._restartTimer = null;
  }

  private _onGraceOver(role: PeerConnectionRole): void {
    const target = this._target;
    if (!target.isCurrent()) return;
    const current = target.iceState(role);
    if (current !== 'disconnected' && current !== 'failed') return;
    if (role === 'subscriber') {
      target.rejoin();
      return;
    }
    target.restartIce();
    if (this._restartTimer !== null) return;
    this._restartTimer = this._clock.setTimeout(() => {
      this._restartTimer = null;
      const now = target.iceState('publisher');
      if (target.isCurrent() && now !== 'connected' && now !== 'completed') target.rejoin();
    }, this._timeouts.iceRestartMs);
  }
}
