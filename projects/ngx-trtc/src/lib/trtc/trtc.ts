import { RoomClient } from '../client/client';
import type { ClientConfig } from '../client/client-types';
import * as devices from '../devices/index';
import { ErrorCode, RtcError } from '../errors/rtc-error';
import { LogLevel, LogLevelValue, setLogLevel } from '../util/log';
import { createStream as createLocalStream } from '../stream/create-stream';
import type { LocalStream } from '../stream/local-stream';
import { RemoteStream, createRemoteStream } from '../stream/remote-stream';
import type { StreamConfig } from '../stream/stream-config';
import { configureTrtcDefaults, defaultServerUrl, getTrtcDefaults } from './trtc-defaults';

/** ngx-trtc's version (`TRTC.VERSION`). */
export const VERSION = '0.1.0';

/** A TRTC client whose remote streams are {@link RemoteStream}s: what `TRTC.createClient` returns. */
export type Client = RoomClient<RemoteStream>;

/**
 * Creates a client (trtc-js-sdk `TRTC.createClient`). `mode: 'videoCall'` is
 * accepted as `rtc`. room-server's URL comes from `config.serverUrl`, else
 * `provideTrtc({serverUrl})` / `TRTC.setServerUrl()`, else `/rtc` on the page's host.
 */
export function createClient(config: ClientConfig): Client {
  const defaults = getTrtcDefaults();
  if (!config || typeof config !== 'object') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: a ClientConfig is required');
  }
  const effective: ClientConfig = { ...config, sdkAppId: config.sdkAppId ?? defaults.sdkAppId ?? config.sdkAppId };
  return new RoomClient<RemoteStream>(effective, {
    serverUrl: config.serverUrl ?? defaults.serverUrl ?? defaultServerUrl(),
    webSocketFactory: defaults.webSocketFactory,
    transportFactory: defaults.transportFactory,
    remoteStreamFactory: (info, mediaStream, control) => createRemoteStream(info, mediaStream, control) as RemoteStream,
    clock: defaults.clock,
    retryPolicy: defaults.retryPolicy,
    timeouts: defaults.timeouts,
    rtcConfiguration: { iceServers: defaults.iceServers },
  });
}

/** Creates a local stream (trtc-js-sdk `TRTC.createStream`). */
export function createStream(config: StreamConfig): LocalStream {
  return createLocalStream(config);
}

/** ngx-trtc: sets room-server's URL for clients created afterwards (trtc-js-sdk has no server URL). */
export function setServerUrl(url: string): void {
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `setServerUrl: expected a ws:// or wss:// URL, got ${String(url)}`);
  }
  configureTrtcDefaults({ serverUrl: url });
}

/** trtc-js-sdk's `TRTC.Logger`. Logs stay in the console; upload is a no-op. */
export const Logger = {
  LogLevel,
  setLogLevel(level: LogLevelValue): void {
    setLogLevel(level);
  },
  enableUploadLog(): void {
    // Nothing is uploaded anywhere: ngx-trtc is self-hosted.
  },
  disableUploadLog(): void {
    // See enableUploadLog.
  },
};

/**
 * The `TRTC` object, source-compatible with trtc-js-sdk v4's default export.
 * Import it by name, `import { TRTC } from 'ngx-trtc'` (the Angular Package
 * Format has no default exports); the rest of the code stays as written.
 */
export const TRTC = {
  VERSION,
  Logger,
  createClient,
  createStream,
  setServerUrl,
  checkSystemRequirements: () => devices.checkSystemRequirements(),
  isScreenShareSupported: () => devices.isScreenShareSupported(),
  isSmallStreamSupported: () => devices.isSmallStreamSupported(),
  getDevices: () => devices.getDevices(),
  getCameras: () => devices.getCameras() as Promise<InputDeviceInfo[]>,
  getMicrophones: () => devices.getMicrophones() as Promise<InputDeviceInfo[]>,
  getSpeakers: () => devices.getSpeakers(),
} as const;

export default TRTC;
