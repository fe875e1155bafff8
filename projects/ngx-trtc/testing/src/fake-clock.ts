import type { Clock, TimerHandle } from 'ngx-trtc';

interface FakeTimer {
  id: number;
  at: number;
  callback: () => void;
  interval: number | null;
}

/** Waits one macrotask, so queued socket events and promise chains run. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** Waits several macrotasks: enough for a request/answer round trip through the fakes. */
export async function settle(turns = 12): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTask();
}

/**
 * A manual {@link Clock} for tests: nothing fires until `advance`/`tick`.
 * `advance` lets promise chains and fake-socket tasks run between timers.
 */
export class FakeClock implements Clock {
  private _now = 0;
  private _nextId = 1;
  private readonly _timers = new Map<number, FakeTimer>();

  now(): number {
    return this._now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this._add(callback, ms, null);
  }

  clearTimeout(handle: TimerHandle): void {
    this._timers.delete(handle as number);
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    return this._add(callback, ms, Math.max(1, ms));
  }

  clearInterval(handle: TimerHandle): void {
    this._timers.delete(handle as number);
  }

  /** Number of pending timers. */
  get pendingTimers(): number {
    return this._timers.size;
  }

  /** Advances time synchronously, firing due timers in order. */
  tick(ms: number): void {
    const target = this._now + ms;
    for (let timer = this._due(target); timer; timer = this._due(target)) this._fire(timer);
    this._now = target;
  }

  /** Advances time, letting tasks and microtasks run after each timer. */
  async advance(ms: number): Promise<void> {
    const target = this._now + ms;
    await settle();
    for (let timer = this._due(target); timer; timer = this._due(target)) {
      this._fire(timer);
      await settle();
    }
    this._now = target;
    await settle();
  }

  private _add(callback: () => void, ms: number, interval: number | null): number {
    const id = this._nextId++;
    this._timers.set(id, { id, at: this._now + Math.max(0, ms || 0), callback, interval });
    return id;
  }

  private _due(target: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const timer of this._timers.values()) {
      if (timer.at <= target && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
    }
    return next;
  }

  private _fire(timer: FakeTimer): void {
    this._now = Math.max(this._now, timer.at);
    if (timer.interval === null) this._timers.delete(timer.id);
    else timer.at += timer.interval;
    timer.callback();
  }
}
