import type { Clock } from '../util/clock';
import { isFatalJoinError } from './client-errors';
import type { ReconnectReason, RetryPolicy } from './retry-policy';

/** How a run of {@link Reconnector} ended (unless it was cancelled). */
export type ReconnectOutcome =
  | { readonly ok: true; readonly attempts: number; readonly startedAt: number }
  | { readonly ok: false; readonly lastError: unknown };

/** One reconnection run's hooks. */
export interface ReconnectRun {
  /** One re-join attempt; rejects when it failed. */
  attempt(): Promise<void>;
  /** Whether the run is obsolete (leave, ban, a newer run): it stops without an outcome. */
  isCancelled(): boolean;
  /** An attempt failed (and another may follow): clean up after it. */
  onAttemptFailed(error: unknown, attempt: number): void;
}

/**
 * Re-joins per the {@link RetryPolicy}: waits the policy's delay before each
 * attempt and stops when the policy gives up (`null`), when an attempt fails
 * in a way a retry cannot fix (credentials, privileges, limits, a ban), or
 * when the run is cancelled.
 */
export class Reconnector {
  constructor(
    private readonly _clock: Clock,
    private readonly _policy: RetryPolicy,
  ) {}

  /** Runs attempts until one succeeds or the run ends; `null` when cancelled. */
  async run(reason: ReconnectReason, run: ReconnectRun): Promise<ReconnectOutcome | null> {
    const clock = this._clock;
    const startedAt = clock.now();
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      const delay = this._policy.nextRetryDelayMs({ attempt, elapsedMs: clock.now() - startedAt, reason, lastError });
      if (delay === null) break;
      if (delay > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      if (run.isCancelled()) return null;
      try {
        await run.attempt();
      } catch (error) {
        if (run.isCancelled()) return null;
        lastError = error;
        run.onAttemptFailed(error, attempt);
        if (isFatalJoinError(error)) break;
        continue;
      }
      if (run.isCancelled()) return null;
      return { ok: true, attempts: attempt + 1, startedAt };
    }
    if (run.isCancelled()) return null;
    return { ok: false, lastError };
  }
}
