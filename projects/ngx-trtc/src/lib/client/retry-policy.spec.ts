import { DEFAULT_RETRY_DELAYS_MS, createDefaultRetryPolicy } from './retry-policy';

describe('createDefaultRetryPolicy', () => {
  const ctx = (attempt: number, elapsedMs = 0) => ({ attempt, elapsedMs, reason: 'signal-lost' as const });

  it('follows 0, 300, 1200, 2700, 4800, 7000… and repeats the last', () => {
    const policy = createDefaultRetryPolicy({ random: () => 0 });
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => policy.nextRetryDelayMs(ctx(a)))).toEqual([
      ...DEFAULT_RETRY_DELAYS_MS,
      7000,
      7000,
    ]);
  });

  it('adds up to maxJitterMs of jitter, never to the first attempt', () => {
    const policy = createDefaultRetryPolicy({ random: () => 0.999, maxJitterMs: 1000 });
    expect(policy.nextRetryDelayMs(ctx(0))).toBe(0);
    expect(policy.nextRetryDelayMs(ctx(1))).toBe(300 + 999);
  });

  it('gives up (null) once the next attempt would pass maxElapsedMs', () => {
    const policy = createDefaultRetryPolicy({ random: () => 0, maxElapsedMs: 10_000 });
    expect(policy.nextRetryDelayMs(ctx(5, 3000))).toBe(7000);
    expect(policy.nextRetryDelayMs(ctx(5, 3001))).toBeNull();
  });
});
