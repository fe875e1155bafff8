/** A minimal typed event emitter: `on` returns the function that removes the listener. */
export class TypedEmitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly _listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; call the returned function to remove it. */
  on<K extends keyof Events>(type: K, listener: Events[K]): () => void {
    let set = this._listeners.get(type);
    if (!set) {
      set = new Set();
      this._listeners.set(type, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this._listeners.delete(type);
    };
  }

  /** Number of listeners for `type` (leak checks in tests). */
  listenerCount(type: keyof Events): number {
    return this._listeners.get(type)?.size ?? 0;
  }

  /** Removes every listener. */
  removeAllListeners(): void {
    this._listeners.clear();
  }

  protected emit<K extends keyof Events>(type: K, ...args: Parameters<Events[K]>): void {
    const set = this._listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) (listener as (...a: Parameters<Events[K]>) => void)(...args);
  }
}
