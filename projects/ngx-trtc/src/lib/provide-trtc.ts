import {
  EnvironmentProviders,
  InjectionToken,
  Provider,
  inject,
  makeEnvironmentProviders,
  provideEnvironmentInitializer,
} from '@angular/core';

import { ClientTimeouts, DEFAULT_CLIENT_TIMEOUTS, RemoteStreamBuilder } from './client/client-options';
import { RetryPolicy, createDefaultRetryPolicy } from './client/retry-policy';
import { Clock, systemClock } from './util/clock';
import { WebSocketFactory, browserWebSocketFactory } from './signal/web-socket';
import { RemoteStream, createRemoteStream } from './stream/remote-stream';
import { ionTransportFactory } from './transport/ion-transport';
import { SfuTransportFactory } from './transport/sfu-transport';
import { configureTrtcDefaults, defaultServerUrl } from './trtc/trtc-defaults';

/** Configuration of {@link provideTrtc}. */
export interface TrtcConfig {
  /** room-server's WebSocket URL, `ws(s)://host/rtc`; default `/rtc` on the page's host. */
  serverUrl?: string;
  /** sdkAppId used when a ClientConfig omits it. */
  sdkAppId?: number;
  /** Reconnection policy; default {@link createDefaultRetryPolicy}. */
  retryPolicy?: RetryPolicy;
  /** Timeouts and intervals (ms). */
  timeouts?: Partial<ClientTimeouts>;
  /** STUN/TURN servers for both peer connections (default none: ion-sfu on a reachable address). */
  iceServers?: RTCIceServer[];
}

/** {@link TrtcConfig} with every default filled in. */
export interface ResolvedTrtcConfig {
  serverUrl: string;
  sdkAppId: number | null;
  retryPolicy: RetryPolicy;
  timeouts: ClientTimeouts;
  iceServers: RTCIceServer[];
}

function resolveConfig(config: TrtcConfig = {}): ResolvedTrtcConfig {
  return {
    serverUrl: config.serverUrl ?? defaultServerUrl(),
    sdkAppId: config.sdkAppId ?? null,
    retryPolicy: config.retryPolicy ?? createDefaultRetryPolicy(),
    timeouts: { ...DEFAULT_CLIENT_TIMEOUTS, ...(config.timeouts ?? {}) },
    iceServers: config.iceServers ?? [],
  };
}

/** The resolved configuration (defaults when provideTrtc was not called). */
export const TRTC_CONFIG = /* @__PURE__ */ new InjectionToken<ResolvedTrtcConfig>('TRTC_CONFIG', {
  providedIn: 'root',
  factory: () => resolveConfig(),
});

/** Opens WebSockets to room-server; tests provide `FakeRoomServer.webSocketFactory`. */
export const WEB_SOCKET_FACTORY = /* @__PURE__ */ new InjectionToken<WebSocketFactory>('WEB_SOCKET_FACTORY', {
  providedIn: 'root',
  factory: () => browserWebSocketFactory,
});

/** The RTCPeerConnection constructor ion-sdk-js uses. */
export const RTC_PEER_CONNECTION = /* @__PURE__ */ new InjectionToken<typeof RTCPeerConnection>('RTC_PEER_CONNECTION', {
  providedIn: 'root',
  factory: () => globalThis.RTCPeerConnection,
});

/** Builds the two peer connections of an SFU session; tests provide `FakeSfu.transportFactory`. */
export const SFU_TRANSPORT_FACTORY = /* @__PURE__ */ new InjectionToken<SfuTransportFactory>('SFU_TRANSPORT_FACTORY', {
  providedIn: 'root',
  factory: () => ionTransportFactory(inject(RTC_PEER_CONNECTION)),
});

/** Builds remote streams; the streams' RemoteStream by default. */
export const REMOTE_STREAM_FACTORY = /* @__PURE__ */ new InjectionToken<RemoteStreamBuilder<RemoteStream>>('REMOTE_STREAM_FACTORY', {
  providedIn: 'root',
  factory: () => createRemoteStream as RemoteStreamBuilder<RemoteStream>,
});

/** Timers of the clients; tests provide a `FakeClock`. */
export const TRTC_CLOCK = /* @__PURE__ */ new InjectionToken<Clock>('TRTC_CLOCK', {
  providedIn: 'root',
  factory: () => systemClock,
});

/** An optional part of {@link provideTrtc}. */
export interface TrtcFeature {
  readonly kind: string;
  readonly providers: Provider[];
}

/** Replaces the WebSocket factory (e.g. a fake room-server in tests). */
export function withWebSocketFactory(factory: WebSocketFactory): TrtcFeature {
  return { kind: 'web-socket', providers: [{ provide: WEB_SOCKET_FACTORY, useValue: factory }] };
}

/** Replaces the SFU transport (e.g. a fake SFU in tests). */
export function withSfuTransport(factory: SfuTransportFactory): TrtcFeature {
  return { kind: 'sfu-transport', providers: [{ provide: SFU_TRANSPORT_FACTORY, useValue: factory }] };
}

/** Replaces the RTCPeerConnection constructor. */
export function withPeerConnection(ctor: typeof RTCPeerConnection): TrtcFeature {
  return { kind: 'peer-connection', providers: [{ provide: RTC_PEER_CONNECTION, useValue: ctor }] };
}

/** Replaces the clock. */
export function withClock(clock: Clock): TrtcFeature {
  return { kind: 'clock', providers: [{ provide: TRTC_CLOCK, useValue: clock }] };
}

/** Replaces how remote streams are built. */
export function withRemoteStreamFactory(factory: RemoteStreamBuilder<RemoteStream>): TrtcFeature {
  return { kind: 'remote-stream', providers: [{ provide: REMOTE_STREAM_FACTORY, useValue: factory }] };
}

/**
 * Configures ngx-trtc for an application: the room-server URL, defaults,
 * retry policy and timeouts, for `TrtcClientService` and for the `TRTC` facade.
 *
 * ```ts
 * bootstrapApplication(App, { providers: [provideTrtc({ serverUrl: 'wss://rtc.example.com/rtc' })] });
 * ```
 */
export function provideTrtc(config: TrtcConfig = {}, ...features: TrtcFeature[]): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: TRTC_CONFIG, useValue: resolveConfig(config) },
    ...features.flatMap((f) => f.providers),
    provideEnvironmentInitializer(() => {
      // TRTC.createClient has no injector: give the facade the same configuration.
      const resolved = inject(TRTC_CONFIG);
      configureTrtcDefaults({
        serverUrl: resolved.serverUrl,
        sdkAppId: resolved.sdkAppId,
        retryPolicy: resolved.retryPolicy,
        timeouts: resolved.timeouts,
        iceServers: resolved.iceServers,
        webSocketFactory: inject(WEB_SOCKET_FACTORY),
        transportFactory: inject(SFU_TRANSPORT_FACTORY),
        clock: inject(TRTC_CLOCK),
      });
    }),
  ]);
}
