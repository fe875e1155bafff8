import { RetryPolicy, createDefaultRetryPolicy } from '../client/retry-policy';
import { ClientTimeouts, DEFAULT_CLIENT_TIMEOUTS } from '../client/client-options';
import { Clock, systemClock } from '../util/clock';
import { WebSocketFactory, browserWebSocketFactory } from '../signal/web-socket';
import { SfuTransportFactory } from '../transport/sfu-transport';
import { ionTransportFactory } from '../transport/ion-transport';

/** What `TRTC.createClient` uses when the ClientConfig does not say. */
export interface TrtcDefaults {
  /** room-server's WebSocket URL; null = `/rtc` on the page's host. */
  serverUrl: string | null;
  /** Used when a ClientConfig has no sdkAppId (an ngx-trtc convenience). */
  sdkAppId: number | null;
  retryPolicy: RetryPolicy;
  timeouts: ClientTimeouts;
  iceServers: RTCIceServer[];
  webSocketFactory: WebSocketFactory;
  transportFactory: SfuTransportFactory;
  clock: Clock;
}

let defaults: TrtcDefaults = freshDefaults();

function freshDefaults(): TrtcDefaults {
  return {
    serverUrl: null,
    sdkAppId: null,
    retryPolicy: createDefaultRetryPolicy(),
    timeouts: { ...DEFAULT_CLIENT_TIMEOUTS },
    iceServers: [],
    webSocketFactory: browserWebSocketFactory,
    transportFactory: ionTransportFactory(),
    clock: systemClock,
  };
}

/** The defaults in force (set by `provideTrtc` and `TRTC.setServerUrl`). */
export function getTrtcDefaults(): Readonly<TrtcDefaults> {
  return defaults;
}

/** Overrides some defaults. */
export function configureTrtcDefaults(change: Partial<TrtcDefaults>): void {
  defaults = {
    ...defaults,
    ...change,
    timeouts: { ...defaults.timeouts, ...(change.timeouts ?? {}) },
  };
}

/** Restores the built-in defaults (tests). */
export function resetTrtcDefaults(): void {
  defaults = freshDefaults();
}

/** `ws(s)://<page host>/rtc`: room-server serves the app and the signaling on one port. */
export function defaultServerUrl(): string {
  const location = globalThis.location;
  if (!location?.host) return 'ws://localhost:8080/rtc';
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rtc`;
}
