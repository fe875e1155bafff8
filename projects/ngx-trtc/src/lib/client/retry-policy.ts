/** Why the client is reconnecting. */
export type ReconnectReason = 'signal-lost' | 'heartbeat-timeout' | 'sfu-error' | 'ice-failed';

/** What a retry policy sees before each attempt. */
export interface RetryContext {
  /** 0 for the first attempt. */
  readonly attempt: number;
  /** ms since the link was lost. */
  readonly elapsedMs: number;
  readonly reason: ReconnectReason;
  /** Why the previous attempt failed. */
  readonly lastError?: unknown;
}

/** Decides when to try again; `null` gives up (SIGNAL_CHANNEL_RECONNECTION_FAILED). */
export interface RetryPolicy {
  nextRetryDelayMs(context: RetryContext): number | null;
}

/** Options of {@link createDefaultRetryPolicy}. */
export interface DefaultRetryPolicyOptions {
  /** Delays of the first attempts; the last repeats. */
  delaysMs?: readonly number[];
  /** Up to this many ms of random jitter added to every delay but the first. */
  maxJitterMs?: number;
  /** Give up once this much time has passed since the link was lost. */
  maxElapsedMs?: number;
  /** Source of randomness, 0 ≤ x < 1. */
  random?: () => number;
}

/** Default delays, as livekit's client: immediate, then backing off to 7 s. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [0, 300, 1200, 2700, 4800, 7000];

/**
 * The default policy: {@link DEFAULT_RETRY_DELAYS_MS} plus up to 1 s of
 * jitter, giving up after 60 s.
 */
export function createDefaultRetryPolicy(options: DefaultRetryPolicyOptions = {}): RetryPolicy {
  const delays = options.delaysMs?.length ? options.delaysMs : DEFAULT_RETRY_DELAYS_MS;
  const maxJitterMs = options.maxJitterMs ?? 1000;
  const maxElapsedMs = options.maxElapsedMs ?? 60_000;
  const random = options.random ?? Math.random;
  return {
    nextRetryDelayMs({ attempt, elapsedMs }) {
      const base = delays[Math.min(attempt, delays.length - 1)];
      const jitter = attempt === 0 ? 0 : Math.floor(random() * maxJitterMs);
      const delay = base + jitter;
      if (elapsedMs + delay > maxElapsedMs) return null;
      return delay;
    },
  };
}
