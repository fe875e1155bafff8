/**
 * WebSocket ping/pong heartbeat: pings every interval and drops a
 * connection that missed `maxMissed` pongs in a row (any frame from the
 * client also counts as a sign of life). A vanished client is dropped
 * within (maxMissed + 1) × interval.
 */

/** What the heartbeat pings. */
export interface HeartbeatTarget {
  ping(): void;
}

/** Heartbeat settings. */
export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly maxMissed: number;
}

/** One connection's heartbeat. */
export class Heartbeat {
  private _missed = 0;
  private _timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly _target: HeartbeatTarget,
    private readonly _options: HeartbeatOptions,
    private readonly _onDead: () => void,
  ) {}

  /** Starts pinging. */
  start(): void {
    if (this._timer !== undefined) return;
    this._timer = setInterval(this._tick, this._options.intervalMs);
    // The heartbeat alone must not keep the process alive.
    this._timer.unref?.();
  }

  /** Records a sign of life (a pong or any frame). */
  alive(): void {
    this._missed = 0;
  }

  /** Stops pinging. Idempotent. */
  stop(): void {
    if (this._timer !== undefined) clearInterval(this._timer);
    this._timer = undefined;
  }

  private readonly _tick = (): void => {
    if (this._missed >= this._options.maxMissed) {
      this.stop();
      this._onDead();
      return;
    }
    this._missed++;
    try {
      this._target.ping();
    } catch {
      // ping() throws only on a socket already closing; its close event ends the session.
    }
  };
}
