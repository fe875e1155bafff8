import { FakeClock } from 'ngx-trtc/testing';

import { SignalRequestError } from '../signal/room-signal';
import { RoomErrorCode } from '../signal/protocol';
import { ReconnectOutcome, ReconnectRun, Reconnector } from './reconnector';
import { RetryContext, RetryPolicy } from './retry-policy';

describe('Reconnector', () => {
  let clock: FakeClock;
  let contexts: RetryContext[];

  /** A policy with fixed delays that gives up after them, recording what it saw. */
  function policy(delays: number[]): RetryPolicy {
    return {
      nextRetryDelayMs(context) {
        contexts.push(context);
        return context.attempt < delays.length ? delays[context.attempt] : null;
      },
    };
  }

  function run(attempt: () => Promise<void>, extra: Partial<ReconnectRun> = {}): ReconnectRun & { failed: unknown[] } {
    const failed: unknown[] = [];
    return { attempt, isCancelled: () => false, onAttemptFailed: (error) => failed.push(error), failed, ...extra };
  }

  beforeEach(() => {
    clock = new FakeClock();
    contexts = [];
  });

  it('waits each delay before its attempt and reports the attempt that succeeded', async () => {
    let calls = 0;
    const attemptTimes: number[] = [];
    const r = run(async () => {
      attemptTimes.push(clock.now());
      if (++calls < 3) throw new Error(`down ${calls}`);
    });
    let outcome: ReconnectOutcome | null | undefined;
    void new Reconnector(clock, policy([0, 300, 1200])).run('signal-lost', r).then((o) => (outcome = o));
    await clock.advance(2000);
    expect(attemptTimes).toEqual([0, 300, 1500]);
    expect(outcome).toEqual({ ok: true, attempts: 3, startedAt: 0 });
    expect(r.failed.map((e) => (e as Error).message)).toEqual(['down 1', 'down 2']);
    expect(contexts.map((c) => [c.attempt, c.elapsedMs, c.reason])).toEqual([
      [0, 0, 'signal-lost'],
      [1, 0, 'signal-lost'],
      [2, 300, 'signal-lost'],
    ]);
    expect((contexts[2].lastError as Error).message).toBe('down 2');
  });

  it('gives up with the last error when the policy returns null', async () => {
    const r = run(async () => {
      throw new Error('still down');
    });
    let outcome: ReconnectOutcome | null | undefined;
    void new Reconnector(clock, policy([0, 100])).run('heartbeat-timeout', r).then((o) => (outcome = o));
    await clock.advance(500);
    expect(outcome?.ok).toBeFalse();
    expect(((outcome as { lastError: Error }).lastError).message).toBe('still down');
    expect(r.failed.length).toBe(2);
  });

  it('stops after a refusal a retry cannot fix (an expired UserSig), without asking the policy again', async () => {
    const refusal = new SignalRequestError('room.join', { code: RoomErrorCode.USERSIG_EXPIRED, message: 'expired' });
    const r = run(() => Promise.reject(refusal));
    let outcome: ReconnectOutcome | null | undefined;
    void new Reconnector(clock, policy([0, 100, 100, 100])).run('signal-lost', r).then((o) => (outcome = o));
    await clock.advance(1000);
    expect(outcome).toEqual({ ok: false, lastError: refusal });
    expect(contexts.length).toBe(1);
  });

  it('a cancelled run ends without an outcome and makes no further attempt', async () => {
    let cancelled = false;
    let calls = 0;
    const r = run(
      async () => {
        calls++;
        throw new Error('down');
      },
      { isCancelled: () => cancelled },
    );
    let outcome: ReconnectOutcome | null | undefined;
    void new Reconnector(clock, policy([0, 1000, 1000])).run('ice-failed', r).then((o) => (outcome = o));
    await clock.advance(10);
    expect(calls).toBe(1);
    cancelled = true;
    await clock.advance(3000);
    expect(calls).toBe(1);
    expect(outcome).toBeNull();
  });
});
