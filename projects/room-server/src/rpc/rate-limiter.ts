/** Monotonic milliseconds; injectable for tests. */
export type MonotonicClock = () => number;

/** `performance.now()`, which never goes backwards. */
export const monotonicClock: MonotonicClock = () => performance.now();

/**
 * A token bucket: `burst` tokens, refilled at `ratePerSecond`. Each message
 * takes one token; an empty bucket means the message is refused.
 */
export class TokenBucket {
  private _tokens: number;
  private _last: number;

  constructor(
    private readonly _ratePerSecond: number,
    private readonly _burst: number,
    private readonly _clock: MonotonicClock = monotonicClock,
  ) {
    this._tokens = _burst;
    this._last = _clock();
  }

  /** Takes one token; false when the bucket is empty. */
  tryTake(): boolean {
    const now = this._clock();
    this._tokens = Math.min(this._burst, this._tokens + ((now - this._last) / 1000) * this._ratePerSecond);
    this._last = now;
    if (this._tokens < 1) return false;
    this._tokens -= 1;
    return true;
  }
}
