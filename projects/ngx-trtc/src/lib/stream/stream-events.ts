import { Observable, Subject } from 'rxjs';

import { RtcError } from '../errors/rtc-error';

/** Playback state of a stream's audio or video element, as in trtc-js-sdk v4. */
export type PlayerState = 'PLAYING' | 'PAUSED' | 'STOPPED';

/** Payload of `player-state-changed`. `reason` is `playing`, `pause`, `mute`, `unmute`, `ended` or `stop`. */
export interface PlayerStateChangedEvent {
  type: 'audio' | 'video';
  state: PlayerState;
  reason: string;
}

/** Payload of a stream's `connection-state-changed` (forwarded by the client while published). */
export interface StreamConnectionStateChangedEvent {
  prevState: string;
  state: string;
}

/**
 * Payload of `device-changed` (an ngx-trtc addition): the stream switched devices
 * on its own because the device in use disappeared (`reason: 'unplugged'`), or
 * because the app called `switchDevice` (`reason: 'switch'`).
 */
export interface StreamDeviceChangedEvent {
  kind: 'audio' | 'video';
  deviceId: string;
  label: string;
  reason: 'unplugged' | 'switch';
}

/** Events a stream emits, keyed by name. */
export interface StreamEventMap {
  'player-state-changed': PlayerStateChangedEvent;
  'screen-sharing-stopped': void;
  'connection-state-changed': StreamConnectionStateChangedEvent;
  'device-changed': StreamDeviceChangedEvent;
  /** ngx-trtc: the stream's audio or video track object changed (device switch, effects, re-subscribe). */
  'tracks-changed': void;
  error: RtcError;
}

/** Name of a stream event. */
export type StreamEventName = keyof StreamEventMap;

/** One stream event as a discriminated union, for the Observable view. */
export type StreamEvent = {
  [K in StreamEventName]: { type: K; payload: StreamEventMap[K] };
}[StreamEventName];

type Handler<K extends StreamEventName> = (payload: StreamEventMap[K]) => void;

/**
 * Typed emitter behind `stream.on(...)`, plus an Observable of the same events.
 * A throwing handler is reported on the console and does not stop the others.
 */
export class StreamEmitter {
  private readonly _handlers = new Map<StreamEventName, Set<Handler<never>>>();
  private readonly _events = new Subject<StreamEvent>();

  /** Every event, as an Observable. */
  readonly events$: Observable<StreamEvent> = this._events.asObservable();

  on<K extends StreamEventName>(name: K, handler: Handler<K>): void {
    let set = this._handlers.get(name);
    if (!set) {
      set = new Set();
      this._handlers.set(name, set);
    }
    set.add(handler as Handler<never>);
  }

  off<K extends StreamEventName>(name: K | '*', handler?: Handler<K>): void {
    if (name === '*') {
      this._handlers.clear();
      return;
    }
    if (!handler) this._handlers.delete(name);
    else this._handlers.get(name)?.delete(handler as Handler<never>);
  }

  once<K extends StreamEventName>(name: K, handler: Handler<K>): void {
    const wrapper: Handler<K> = (payload) => {
      this.off(name, wrapper);
      handler(payload);
    };
    this.on(name, wrapper);
  }

  emit<K extends StreamEventName>(name: K, payload: StreamEventMap[K]): void {
    for (const handler of [...(this._handlers.get(name) ?? [])]) {
      try {
        (handler as Handler<K>)(payload);
      } catch (error) {
        // An app handler's bug must not break the stream or the other handlers.
        console.error(`[ngx-trtc] '${name}' handler threw`, error);
      }
    }
    this._events.next({ type: name, payload } as StreamEvent);
  }

  /** Completes the Observable and drops every handler. */
  dispose(): void {
    this._handlers.clear();
    this._events.complete();
  }
}
