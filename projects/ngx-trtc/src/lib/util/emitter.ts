import { createLog } from './log';

const log = createLog('emitter');

/**
 * A minimal typed event emitter over a map of event name → payload.
 * A throwing handler is logged and does not stop the others.
 */
export class Emitter<EventMap extends object> {
  private readonly _handlers = new Map<keyof EventMap, Set<(payload: never) => void>>();

  /** Adds a handler; returns the function that removes it. */
  on<K extends keyof EventMap>(type: K, handler: (payload: EventMap[K]) => void): () => void {
    let set = this._handlers.get(type);
    if (!set) {
      set = new Set();
      this._handlers.set(type, set);
    }
    set.add(handler as (payload: never) => void);
    return () => this.off(type, handler);
  }

  /** Adds a handler that runs once. */
  once<K extends keyof EventMap>(type: K, handler: (payload: EventMap[K]) => void): () => void {
    const remove = this.on(type, (payload) => {
      remove();
      handler(payload);
    });
    return remove;
  }

  /** Removes a handler, or every handler of a type when none is given. */
  off<K extends keyof EventMap>(type: K, handler?: (payload: EventMap[K]) => void): void {
    if (!handler) {
      this._handlers.delete(type);
      return;
    }
    const set = this._handlers.get(type);
    set?.delete(handler as (payload: never) => void);
    if (set?.size === 0) this._handlers.delete(type);
  }

  /** Removes every handler. */
  clear(): void {
    this._handlers.clear();
  }

  /** Number of handlers of a type (or all types). */
  listenerCount(type?: keyof EventMap): number {
    if (type !== undefined) return this._handlers.get(type)?.size ?? 0;
    let n = 0;
    for (const set of this._handlers.values()) n += set.size;
    return n;
  }

  /** Calls every handler of a type with the payload. */
  emit<K extends keyof EventMap>(type: K, payload: EventMap[K]): void {
    const set = this._handlers.get(type);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (payload: EventMap[K]) => void)(payload);
      } catch (err) {
        // An application handler's bug must not break the SDK's own bookkeeping.
        log.error(`handler of "${String(type)}" threw`, err);
      }
    }
  }
}
