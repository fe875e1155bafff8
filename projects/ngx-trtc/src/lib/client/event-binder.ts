import { Emitter } from '../util/emitter';
import { createLog } from '../util/log';

const log = createLog('client');

type AnyHandler = (payload: never) => void;

/** An event of `M` as a discriminated union member: `{type, data}`. */
export type EventOf<M extends object> = { [K in keyof M]: { readonly type: K; readonly data: M[K] } }[keyof M];

/**
 * The client's events, two ways: trtc-js-sdk's `on(event, handler, context)`
 * / `once` / `off` (a handler is removed by the same handler and context,
 * `off('*')` removes all), and one typed stream of `{type, data}` unions for
 * `onEvent`. After {@link dispose} nothing is emitted.
 */
export class EventBinder<M extends object> {
  private readonly _emitter = new Emitter<M>();
  private readonly _listeners = new Set<(event: EventOf<M>) => void>();
  /** `on(event, handler, context)` bindings: event → handler → context → removal. */
  private readonly _bound = new Map<keyof M, Map<AnyHandler, Map<unknown, () => void>>>();
  private _disposed = false;

  /** Listens to an event; `context` is `this` of the handler. */
  on<K extends keyof M>(event: K, handler: (payload: M[K]) => void, context?: unknown): void {
    const bound = context === undefined ? handler : handler.bind(context);
    const remove = this._emitter.on(event, bound);
    this._binding(event, handler as AnyHandler).set(context, remove);
  }

  /** Listens to an event once. */
  once<K extends keyof M>(event: K, handler: (payload: M[K]) => void, context?: unknown): void {
    const wrapper = (payload: M[K]) => {
      this.off(event, wrapper);
      handler.call(context, payload);
    };
    this.on(event, wrapper);
  }

  /** Stops listening: one handler (with its context), every handler of an event, or `'*'` all. */
  off<K extends keyof M>(event: K | '*', handler?: (payload: M[K]) => void, context?: unknown): void {
    if (event === '*') {
      this._emitter.clear();
      this._bound.clear();
      return;
    }
    if (!handler) {
      this._emitter.off(event);
      this._bound.delete(event);
      return;
    }
    const byContext = this._bound.get(event)?.get(handler as AnyHandler);
    const remove = byContext?.get(context);
    if (remove) {
      remove();
      byContext!.delete(context);
    }
  }

  /** Every event as a discriminated union; returns the removal. */
  onEvent(listener: (event: EventOf<M>) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** Emits to the `on` handlers, then to the `onEvent` listeners; a throwing listener is logged. */
  emit<K extends keyof M>(type: K, data: M[K]): void {
    if (this._disposed) return;
    this._emitter.emit(type, data);
    if (this._listeners.size === 0) return;
    const event = { type, data } as EventOf<M>;
    for (const listener of [...this._listeners]) {
      try {
        listener(event);
      } catch (err) {
        // An application listener's bug must not break the client.
        log.error('event listener threw', err);
      }
    }
  }

  /** Removes every handler and listener and stops emitting. */
  dispose(): void {
    this._disposed = true;
    this._emitter.clear();
    this._bound.clear();
    this._listeners.clear();
  }

  private _binding(event: keyof M, handler: AnyHandler): Map<unknown, () => void> {
    let byHandler = this._bound.get(event);
    if (!byHandler) this._bound.set(event, (byHandler = new Map()));
    let byContext = byHandler.get(handler);
    if (!byContext) byHandler.set(handler, (byContext = new Map()));
    return byContext;
  }
}

/** The emitting half of an {@link EventBinder}, handed to the modules that raise client events. */
export type EmitFn<M extends object> = <K extends keyof M>(type: K, data: M[K]) => void;
