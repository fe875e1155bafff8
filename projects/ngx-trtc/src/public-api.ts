/*
 * Public API of ngx-trtc. Explicit named exports only; internals stay unexported.
 */
export { ErrorCode, RtcError, errorCodeName, isRtcError } from './lib/errors/rtc-error';
export type { ErrorCodeValue, RtcErrorOptions } from './lib/errors/rtc-error';

// streams
export { createStream } from './lib/stream/create-stream';
export type { AudioProcessingOptions, StreamConfig } from './lib/stream/stream-config';
export { LocalStream } from './lib/stream/local-stream';
export type { LocalStreamDeps } from './lib/stream/local-stream';
export { RemoteStream, createRemoteStream } from './lib/stream/remote-stream';
export type {
  PlayerState,
  PlayerStateChangedEvent,
  StreamConnectionStateChangedEvent,
  StreamDeviceChangedEvent,
  StreamEvent,
  StreamEventMap,
  StreamEventName,
} from './lib/stream/stream-events';
export type {
  PublishableStream,
  PublisherLink,
  RemoteStreamControl,
  RemoteStreamFactory,
  RemoteStreamHandle,
  RemoteStreamInfo,
  StreamMediaState,
  StreamStateChange,
  StreamType,
} from './lib/stream/stream-contracts';
export type { PlayOptions } from './lib/media/playback/stream-player';
export {
  AUDIO_PROFILES,
  SCREEN_PROFILES,
  VIDEO_PROFILES,
} from './lib/media/capture/profiles';
export type {
  AudioProfile,
  AudioProfileName,
  ScreenProfileName,
  VideoProfile,
  VideoProfileName,
} from './lib/media/capture/profiles';
export type { BeautyOptions, VideoEffects, WatermarkOptions } from './lib/media/video/video-effects';
export type { VideoPipelineStats } from './lib/media/video/video-pipeline';
export {
  MEDIA_DEVICES,
  checkSystemRequirements,
  getCameras,
  getDevices,
  getMicrophones,
  getSpeakers,
  isScreenShareSupported,
  isSmallStreamSupported,
  setDefaultMediaDevices,
  watchDevices,
} from './lib/devices/index';
export type { DeviceChange, MediaDevicesLike, SystemRequirementsResult } from './lib/devices/index';
export { StreamService } from './lib/services/stream.service';

// end-to-end encryption
export { E2eeKeyProvider, deriveE2eeKey } from './lib/media/e2ee/key-provider';
export type { DeriveE2eeKeyOptions, E2eeKeyChange, E2eeKeyMaterial, E2eeKeyOptions } from './lib/media/e2ee/key-provider';
export { e2eeImplementations } from './lib/media/e2ee/media-encryption';
export type { E2eeImplementation, E2eeOptions, E2eeStateEvent, FrameEncryption } from './lib/media/e2ee/media-encryption';
export type { E2eeFrameState } from './lib/media/e2ee/e2ee-protocol';

// client
export { TRTC, Logger, VERSION, createClient, setServerUrl } from './lib/trtc/trtc';
export type { Client } from './lib/trtc/trtc';
export type { CheckResult, ClientEventMap, RemoteStreamUpdatedInfo, Stream, UserAudioVolume } from './lib/trtc/trtc-types';
export { RoomClient } from './lib/client/client';
export { ClientEventType } from './lib/client/client-types';
export type {
  AudioVolumeSource,
  ClientBannedInfo,
  ClientConfig,
  ClientEvent,
  ClientEventName,
  ConnectionState,
  ConnectionStateChange,
  JoinOptions,
  LocalAudioStats,
  LocalAudioStatsMap,
  LocalVideoStats,
  LocalVideoStatsMap,
  NetworkQuality,
  NetworkQualityLevel,
  PublishOptions,
  ReconnectedInfo,
  RemoteAudioStats,
  RemoteAudioStatsMap,
  RemoteMutedState,
  RemoteStreamInfo as RemoteStreamEventInfo,
  RemoteStreamType,
  RemoteUserInfo,
  RemoteVideoStats,
  RemoteVideoStatsMap,
  Role,
  SmallStreamProfile,
  SubscribeOptions,
  TransportStats,
  TurnServerConfig,
} from './lib/client/client-types';
export type { EgressEvent, EgressFailedEvent } from './lib/client/cdn-egress';
export { DEFAULT_CLIENT_TIMEOUTS } from './lib/client/client-options';
export type { ClientDependencies, ClientTimeouts, RemoteStreamBuilder } from './lib/client/client-options';
export { DEFAULT_RETRY_DELAYS_MS, createDefaultRetryPolicy } from './lib/client/retry-policy';
export type { DefaultRetryPolicyOptions, ReconnectReason, RetryContext, RetryPolicy } from './lib/client/retry-policy';
export { qualityLevel } from './lib/client/network-quality';
export { LogLevel } from './lib/util/log';
export type { LogLevelValue } from './lib/util/log';
export { systemClock } from './lib/util/clock';
export type { Clock, TimerHandle } from './lib/util/clock';
export { RoomSignal, SignalRequestError } from './lib/signal/room-signal';
export type { RoomSignalOptions, SignalCloseInfo } from './lib/signal/room-signal';
export type { SfuSignaling } from './lib/signal/sfu-signaling';
export { RoomErrorCode } from './lib/signal/protocol';
export type {
  JsonRpcErrorObject,
  PeerInfo,
  RequestMap,
  RoomJoinParams,
  RoomMode,
  RoomRole,
  RoomSnapshot,
  ServerNotification,
  ServerNotificationMap,
  SessionDescription,
  SfuJoinConfig,
  StreamDescriptor,
  StreamInfo,
  EgressEndReason,
  EgressView,
  MixTranscodeConfig,
  MixUser,
  PublishCDNStreamOptions,
} from './lib/signal/protocol';
export { browserWebSocketFactory } from './lib/signal/web-socket';
export type { WebSocketFactory } from './lib/signal/web-socket';
export { IonTransport, ionTransportFactory } from './lib/transport/ion-transport';
export type {
  EncodingLimits,
  PeerConnectionRole,
  Publication,
  PublishOptions as TransportPublishOptions,
  SfuTransport,
  SfuTransportEventMap,
  SfuTransportFactory,
  SfuTransportOptions,
  SimulcastLayer,
} from './lib/transport/sfu-transport';
export { layerMessage } from './lib/transport/layer-message';
export type { LayerMessage } from './lib/transport/layer-message';
export {
  REMOTE_STREAM_FACTORY,
  RTC_PEER_CONNECTION,
  SFU_TRANSPORT_FACTORY,
  TRTC_CLOCK,
  TRTC_CONFIG,
  WEB_SOCKET_FACTORY,
  provideTrtc,
  withClock,
  withPeerConnection,
  withRemoteStreamFactory,
  withSfuTransport,
  withWebSocketFactory,
} from './lib/provide-trtc';
export type { ResolvedTrtcConfig, TrtcConfig, TrtcFeature } from './lib/provide-trtc';
export { TrtcClientService } from './lib/services/trtc-client.service';
export type { TrtcClient, TrtcClientEvent, TrtcClientEventMap, TrtcClientRef } from './lib/services/trtc-client.service';
export { AudioMeterComponent, FrameTicker, VideoViewComponent } from './lib/components/index';
export type { MeteredStream } from './lib/components/index';
