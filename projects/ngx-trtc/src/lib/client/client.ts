import { ErrorCode, RtcError } from '../errors/rtc-error';
import type { E2eeKeyProvider } from '../media/e2ee/key-provider';
import { MediaEncryption } from '../media/e2ee/media-encryption';
import { createLog } from '../util/log';
import type { EgressView, MixTranscodeConfig, PeerInfo, PublishCDNStreamOptions, RoomJoinParams, RoomMode, RoomSnapshot } from '../signal/protocol';
import type { PublishableStream, RemoteStreamHandle, StreamType } from '../stream/stream-contracts';
import { toJoinError, toSwitchRoleError } from './client-errors';
import { CdnEgress } from './cdn-egress';
import { ClientDependencies } from './client-options';
import { ClientStats } from './client-stats';
import {
  AudioVolumeSource,
  ClientConfig,
  ClientEvent,
  ClientEventMap,
  ConnectionState,
  JoinOptions,
  LocalAudioStatsMap,
  LocalVideoStatsMap,
  PublishOptions,
  RemoteAudioStatsMap,
  RemoteMutedState,
  RemoteStreamType,
  RemoteVideoStatsMap,
  Role,
  SmallStreamProfile,
  SubscribeOptions,
  TransportStats,
  TurnServerConfig,
} from './client-types';
import { isPublishable, toIceServers, toSmallStreamProfile, validateConfig, validateJoinOptions } from './client-validation';
import { EventBinder } from './event-binder';
import { LocalPublisher } from './local-publisher';
import { RemoteRegistry } from './remote-registry';
import { RoomEngine } from './room-engine';
import type { RoomSession } from './room-session';

const log = createLog('client');

/** The client's events, keyed by name. */
type Events<R> = ClientEventMap<R, AudioVolumeSource>;

/**
 * A TRTC client on room-server + ion-sfu: trtc-js-sdk v4's `Client` API
 * (join, publish, subscribe, switchRole, events…) with ngx-trtc's typed
 * events, reconnection policy and RtcError codes.
 *
 * A facade, after livekit's Room: it checks arguments and state and
 * delegates — the connection and its recovery to {@link RoomEngine}, the
 * other peers' streams to {@link RemoteRegistry}, this client's streams to
 * {@link LocalPublisher}, statistics to {@link ClientStats}, events to
 * {@link EventBinder}.
 *
 * `R` is the remote stream type the injected factory builds.
 */
export class RoomClient<R extends RemoteStreamHandle = RemoteStreamHandle> {
  private readonly _config: Required<Pick<ClientConfig, 'sdkAppId' | 'userId' | 'userSig' | 'autoSubscribe' | 'useStringRoomId'>> & {
    mode: RoomMode;
  };
  private readonly _events = new EventBinder<Events<R>>();
  private readonly _engine: RoomEngine;
  private readonly _registry: RemoteRegistry<R>;
  private readonly _publisher: LocalPublisher;
  private readonly _stats: ClientStats<R>;
  private readonly _encryption: MediaEncryption | null;
  private readonly _egress: CdnEgress;
  private _destroyed = false;
  private _joinOptions: JoinOptions | null = null;
  private _role: Role = 'anchor';

  constructor(config: ClientConfig, deps: ClientDependencies<R>) {
    validateConfig(config);
    this._config = {
      sdkAppId: config.sdkAppId,
      userId: config.userId,
      userSig: config.userSig,
      mode: config.mode === 'live' ? 'live' : 'rtc',
      autoSubscribe: config.autoSubscribe ?? true,
      useStringRoomId: config.useStringRoomId ?? false,
    };
    const emit = this._events.emit.bind(this._events);
    const encryption = config.e2ee ? new MediaEncryption(config.e2ee, config.userId) : null;
    this._encryption = encryption;
    this._engine = new RoomEngine({ ...deps, transportOptions: encryption ? { encryption } : undefined }, {
      joinParams: () => this._joinParams(),
      onRoomJoined: (snapshot, isReconnect) => this._onRoomJoined(snapshot, isReconnect),
      restoreMedia: (session, mode) => this._restoreMedia(session, mode === 'announce'),
    });
    const engine = this._engine;
    this._registry = new RemoteRegistry<R>({
      clock: deps.clock,
      trackWaitMs: deps.timeouts.trackWaitMs,
      remoteStreamFactory: deps.remoteStreamFactory,
      autoSubscribe: this._config.autoSubscribe,
      emit,
      canAnnounce: () => engine.phase === 'joined' || engine.phase === 'reconnecting',
      isInRoom: () => engine.phase !== 'idle',
      sendLayer: (message) => engine.transport?.sendApi(message),
      onStreamInfo: encryption ? (info) => encryption.bindStream(info.streamId, info.userId) : undefined,
    });
    this._publisher = new LocalPublisher(() => engine.session);
    this._stats = new ClientStats<R>({
      clock: deps.clock,
      networkQualityIntervalMs: deps.timeouts.networkQualityIntervalMs,
      userId: this._config.userId,
      emit,
      phase: () => engine.phase,
      connection: () => engine.session,
      transport: () => engine.transport,
      publisher: this._publisher,
      registry: this._registry,
    });
    this._egress = new CdnEgress({
      request: (api, method, params, timeoutMs) => this._engine.requireJoined(api).signal.request(method, params, timeoutMs),
      emit,
    });
    this._bindEngine();
    encryption?.onState((event) => {
      const userId = event.userId || (this._registry.userIdOf(event.streamId) ?? '');
      emit('e2ee-state', { ...event, userId });
    });
  }

  /** ngx-trtc: the E2EE keys (rotate with `setKey(next, {keyId})`), or null without `e2ee`. */
  get e2eeKeyProvider(): E2eeKeyProvider | null {
    return this._encryption?.keyProvider ?? null;
  }

  // ---------------------------------------------------------------- state

  /** The connection state (trtc-js-sdk's `connection-state-changed` states). */
  get connectionState(): ConnectionState {
    return this._engine.state;
  }

  /** This client's userId. */
  get userId(): string {
    return this._config.userId;
  }

  /** `rtc` or `live`. */
  get mode(): RoomMode {
    return this._config.mode;
  }

  /** The current role (always `anchor` in rtc mode). */
  get role(): Role {
    return this._role;
  }

  /** Whether destroy() was called. */
  get isDestroyed(): boolean {
    return this._destroyed;
  }

  /** userIds of the other peers in the room. */
  getPeers(): PeerInfo[] {
    return this._registry.peers();
  }

  /** Remote streams announced with `stream-added` and not yet removed. */
  getRemoteStreams(): R[] {
    return this._registry.streams();
  }

  /** Local streams currently published. */
  getLocalStreams(): PublishableStream[] {
    return this._publisher.streams();
  }

  // --------------------------------------------------------------- events

  /** Listens to an event (trtc-js-sdk `client.on`); `context` is `this` of the handler. */
  on<K extends keyof Events<R>>(event: K, handler: (payload: Events<R>[K]) => void, context?: unknown): void {
    this._assertNotDestroyed('on');
    this._events.on(event, handler, context);
  }

  /** Listens to an event once. */
  once<K extends keyof Events<R>>(event: K, handler: (payload: Events<R>[K]) => void, context?: unknown): void {
    this._assertNotDestroyed('on');
    this._events.once(event, handler, context);
  }

  /** Stops listening (trtc-js-sdk `client.off`); `off('*')` removes every handler. */
  off<K extends keyof Events<R>>(event: K | '*', handler?: (payload: Events<R>[K]) => void, context?: unknown): void {
    this._events.off(event, handler, context);
  }

  /** Every event as a discriminated union; returns the removal. The typed front of `on`. */
  onEvent(listener: (event: ClientEvent<R, AudioVolumeSource>) => void): () => void {
    return this._events.onEvent(listener);
  }

  // ----------------------------------------------------------------- room

  /** Joins a room (trtc-js-sdk `client.join`). */
  async join(options: JoinOptions): Promise<void> {
    this._assertNotDestroyed('join');
    validateJoinOptions(options, this._config.useStringRoomId);
    // A bad `e2ee.key` rejects the join (with INVALID_PARAMETER), before anything is sent.
    if (this._encryption) await this._encryption.ready();
    if (this._engine.phase !== 'idle') {
      throw new RtcError(ErrorCode.INVALID_OPERATION, 'join: the client is already in a room (or joining one)');
    }
    this._joinOptions = { ...options };
    this._role = this._config.mode === 'live' ? (options.role ?? 'anchor') : 'anchor';
    try {
      await this._engine.join();
    } catch (error) {
      throw toJoinError(error);
    }
  }

  /** Leaves the room (trtc-js-sdk `client.leave`); resolves when not in a room. */
  leave(): Promise<void> {
    return this._engine.leave();
  }

  /** Releases the client (trtc-js-sdk 4.13 `client.destroy`); leaves first if needed. */
  destroy(): void {
    if (this._destroyed) return;
    if (this._engine.phase !== 'idle') {
      this.leave().catch((err) => log.debug('leave during destroy failed', err));
    }
    this._destroyed = true;
    this._encryption?.dispose();
    this._events.dispose();
  }

  /** Switches between anchor and audience in live mode (trtc-js-sdk `client.switchRole`). */
  async switchRole(role: Role): Promise<void> {
    this._assertNotDestroyed('switchRole');
    if (role !== 'anchor' && role !== 'audience') {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, `switchRole: role must be 'anchor' or 'audience', got ${String(role)}`);
    }
    if (this._config.mode !== 'live') {
      throw new RtcError(ErrorCode.INVALID_OPERATION, "switchRole: only available in 'live' mode");
    }
    const session = this._engine.requireJoined('switchRole');
    if (role === this._role) return;
    if (role === 'audience') {
      // An audience may not send media: stop publishing first, as trtc-js-sdk does.
      for (const stream of this._publisher.streams()) await this.unpublish(stream);
    }
    try {
      await session.signal.request('room.switchRole', {
        role,
        ...(this._joinOptions?.privateMapKey ? { privateMapKey: this._joinOptions.privateMapKey } : {}),
      });
    } catch (error) {
      throw toSwitchRoleError(role, error);
    }
    this._role = role;
    if (this._joinOptions) this._joinOptions = { ...this._joinOptions, role };
  }

  // -------------------------------------------------------------- publish

  /** Publishes a local stream (trtc-js-sdk `client.publish`). */
  async publish(stream: PublishableStream, options: PublishOptions = {}): Promise<void> {
    this._assertNotDestroyed('publish');
    if (!isPublishable(stream)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'publish: expected a LocalStream');
    }
    const session = this._engine.requireJoined('publish');
    if (this._config.mode === 'live' && this._role === 'audience') {
      throw new RtcError(ErrorCode.INVALID_OPERATION, "publish: an audience cannot publish; switchRole('anchor') first");
    }
    const mediaStream = stream.getMediaStream();
    if (!mediaStream || mediaStream.getTracks().length === 0) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, 'publish: the stream has no tracks; call initialize() first');
    }
    const type: StreamType = options.isAuxiliary ? 'auxiliary' : stream.getType();
    await this._publisher.publish(session, stream, mediaStream, type);
  }

  /** Stops publishing a local stream (trtc-js-sdk `client.unpublish`). */
  async unpublish(stream: PublishableStream): Promise<void> {
    this._assertNotDestroyed('unpublish');
    if (!isPublishable(stream)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'unpublish: expected a LocalStream');
    }
    await this._publisher.unpublish(stream);
  }

  // ------------------------------------------------------------ subscribe

  /** Subscribes a remote stream's audio and/or video (trtc-js-sdk `client.subscribe`). */
  async subscribe(remoteStream: R, options: SubscribeOptions = {}): Promise<void> {
    this._assertNotDestroyed('subscribe');
    this._engine.requireJoined('subscribe');
    this._registry.subscribe(remoteStream, options, 'subscribe');
  }

  /** Stops receiving a remote stream (trtc-js-sdk `client.unsubscribe`). */
  async unsubscribe(remoteStream: R): Promise<void> {
    this._assertNotDestroyed('unsubscribe');
    this._engine.requireJoined('unsubscribe');
    this._registry.unsubscribe(remoteStream, 'unsubscribe');
  }

  /** Chooses the big (high) or small (low simulcast layer) video of a remote stream. */
  async setRemoteVideoStreamType(remoteStream: R, status: 'big' | 'small'): Promise<void> {
    this._assertNotDestroyed('setRemoteVideoStreamType');
    if (status !== 'big' && status !== 'small') {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, "setRemoteVideoStreamType: status must be 'big' or 'small'");
    }
    this._registry.setVideoStreamType(remoteStream, status, 'setRemoteVideoStreamType');
  }

  /** Mute and track state of every remote user (trtc-js-sdk `getRemoteMutedState`). */
  getRemoteMutedState(): RemoteMutedState[] {
    return this._registry.mutedStates();
  }

  // ---------------------------------------------------------- small stream

  /** Publishes the main stream's video with a small simulcast layer (before publish). */
  async enableSmallStream(): Promise<void> {
    this._assertNotDestroyed('enableSmallStream');
    this._publisher.setSmallStreamEnabled(true, 'enableSmallStream');
  }

  /** Publishes a single layer again (before publish). */
  async disableSmallStream(): Promise<void> {
    this._assertNotDestroyed('disableSmallStream');
    this._publisher.setSmallStreamEnabled(false, 'disableSmallStream');
  }

  /** Size, bitrate (kbps) and frame rate of the small stream. */
  setSmallStreamProfile(profile: SmallStreamProfile): void {
    this._assertNotDestroyed('setSmallStreamProfile');
    this._publisher.setSmallStreamProfile(toSmallStreamProfile(profile));
  }

  /** TURN servers for the next join (trtc-js-sdk `setTurnServer`, `url` per server). */
  setTurnServer(config: TurnServerConfig | TurnServerConfig[]): void {
    this._assertNotDestroyed('setTurnServer');
    this._engine.setIceServers(toIceServers(config));
  }

  /** Accepted for compatibility: room-server is reached directly. */
  setProxyServer(_proxy: unknown): void {
    log.info('setProxyServer is not needed with room-server; ignored');
  }

  // ------------------------------------------------------- volume, quality

  /**
   * Emits `audio-volume` every `interval` ms with every local and remote
   * stream's level 0–100; `interval <= 0` stops it.
   */
  enableAudioVolumeEvaluation(interval = 2000, _enableInBackground = false): void {
    this._assertNotDestroyed('enableAudioVolumeEvaluation');
    if (typeof interval !== 'number' || Number.isNaN(interval)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'enableAudioVolumeEvaluation: interval must be a number');
    }
    this._stats.setAudioVolumeInterval(interval);
  }

  // ---------------------------------------------------------------- stats

  /** Uplink RTT and downlink RTT per remote user. */
  getTransportStats(): Promise<TransportStats> {
    return this._stats.transportStats();
  }

  /** Bytes/packets sent of the published audio. */
  getLocalAudioStats(): Promise<LocalAudioStatsMap> {
    return this._stats.localAudioStats();
  }

  /** Bytes/packets/frames sent of the published video (all simulcast layers summed; size of the largest). */
  getLocalVideoStats(): Promise<LocalVideoStatsMap> {
    return this._stats.localVideoStats();
  }

  /** Received audio per remote user. */
  getRemoteAudioStats(): Promise<RemoteAudioStatsMap> {
    return this._stats.remoteAudioStats();
  }

  /** Received video per remote user, of main (default) or auxiliary streams. */
  getRemoteVideoStats(remoteStreamType: RemoteStreamType = 'main'): Promise<RemoteVideoStatsMap> {
    return this._stats.remoteVideoStats(remoteStreamType);
  }

  // ------------------------------------------------- mix and CDN (egress)

  /** trtc-js-sdk `startMixTranscode`: mixes `mixUsers` into this user's CDN stream (room-server egress; anchors only). */
  startMixTranscode(config: MixTranscodeConfig): Promise<EgressView> {
    this._assertNotDestroyed('startMixTranscode');
    return this._egress.startMixTranscode(config);
  }

  /** trtc-js-sdk `stopMixTranscode`. */
  stopMixTranscode(): Promise<EgressView | null> {
    this._assertNotDestroyed('stopMixTranscode');
    return this._egress.stopMixTranscode();
  }

  /** trtc-js-sdk `startPublishCDNStream`: pushes this user's CDN stream (or the mix) over RTMP to `url`. */
  startPublishCDNStream(options: PublishCDNStreamOptions = {}): Promise<EgressView> {
    this._assertNotDestroyed('startPublishCDNStream');
    return this._egress.startPublishCDNStream(options);
  }

  /** trtc-js-sdk `stopPublishCDNStream`. */
  stopPublishCDNStream(): Promise<EgressView | null> {
    this._assertNotDestroyed('stopPublishCDNStream');
    return this._egress.stopPublishCDNStream();
  }

  // ============================================================ internals

  /** Routes the engine's reports to the room state and the app's events. */
  private _bindEngine(): void {
    const engine = this._engine;
    const registry = this._registry;
    const emit = this._events.emit.bind(this._events);
    engine.on('connection-state-changed', (change) => emit('connection-state-changed', change));
    engine.on('notification', (notification) => this._egress.onNotification(notification) || registry.onNotification(notification));
    engine.on('track', (stream) => registry.onTrack(stream));
    engine.on('audio-levels', (ids) => emit('active-speakers', { userIds: registry.speakersOf(ids) }));
    engine.on('connected', () => {
      this._stats.startNetworkQuality();
      registry.announceReady();
    });
    engine.on('reconnected', (info) => emit('reconnected', info));
    engine.on('transport-closed', () => {
      this._publisher.forgetPublications();
      registry.forgetArrived();
    });
    engine.on('reset', () => {
      this._stats.reset();
      registry.clear();
      this._publisher.clear();
    });
    engine.on('banned', (info) => emit('client-banned', info));
    engine.on('reconnect-failed', (error) => emit('error', error));
  }

  private _joinParams(): RoomJoinParams {
    const options = this._joinOptions!;
    return {
      sdkAppId: this._config.sdkAppId,
      userId: this._config.userId,
      userSig: this._config.userSig,
      roomId: options.roomId,
      mode: this._config.mode,
      ...(this._config.mode === 'live' ? { role: this._role } : {}),
      ...(options.privateMapKey ? { privateMapKey: options.privateMapKey } : {}),
    };
  }

  private _onRoomJoined(snapshot: RoomSnapshot, isReconnect: boolean): void {
    if (snapshot.role && this._config.mode === 'live') this._role = snapshot.role;
    this._registry.applySnapshot(snapshot, isReconnect);
  }

  private async _restoreMedia(session: RoomSession, announce: boolean): Promise<void> {
    await this._publisher.republish(session, announce);
    this._registry.reapplyLayers();
  }

  private _assertNotDestroyed(method: string): void {
    if (this._destroyed) throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: the client was destroyed`);
  }
}
