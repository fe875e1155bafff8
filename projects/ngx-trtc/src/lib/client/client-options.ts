import type { RemoteStreamHandle, RemoteStreamControl, RemoteStreamInfo } from '../stream/stream-contracts';
import type { Clock } from '../util/clock';
import type { WebSocketFactory } from '../signal/web-socket';
import type { SfuTransportFactory } from '../transport/sfu-transport';
import type { RetryPolicy } from './retry-policy';

/** Timeouts and intervals of a client, in ms. */
export interface ClientTimeouts {
  /** The WebSocket to room-server must open within this. */
  connectMs: number;
  /** Every request must be answered within this. */
  requestMs: number;
  /** The SFU session (ICE, DTLS, data channel) must be up within this. */
  mediaJoinMs: number;
  /** After a stream's first track, how long to wait for the rest before `stream-added`. */
  trackWaitMs: number;
  /** ICE `disconnected` this long → ICE restart. */
  iceDisconnectedGraceMs: number;
  /** An ICE restart that has not reconnected within this → full re-join. */
  iceRestartMs: number;
  /** `network-quality` interval. */
  networkQualityIntervalMs: number;
}

/** Defaults of {@link ClientTimeouts}. */
export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = {
  connectMs: 5000,
  requestMs: 10_000,
  mediaJoinMs: 15_000,
  trackWaitMs: 1500,
  iceDisconnectedGraceMs: 2000,
  iceRestartMs: 8000,
  networkQualityIntervalMs: 2000,
};

/** Builds the remote stream object the app sees; `R` is its type. */
export type RemoteStreamBuilder<R extends RemoteStreamHandle> = (
  info: RemoteStreamInfo,
  mediaStream: MediaStream,
  control: RemoteStreamControl,
) => R;

/** Everything a {@link Client} needs from outside: the DI seams. */
export interface ClientDependencies<R extends RemoteStreamHandle = RemoteStreamHandle> {
  /** room-server's WebSocket URL, `ws(s)://host/rtc`. */
  serverUrl: string;
  webSocketFactory: WebSocketFactory;
  transportFactory: SfuTransportFactory;
  remoteStreamFactory: RemoteStreamBuilder<R>;
  clock: Clock;
  retryPolicy: RetryPolicy;
  timeouts: ClientTimeouts;
  /** ICE servers etc. for both peer connections. */
  rtcConfiguration: RTCConfiguration;
}
