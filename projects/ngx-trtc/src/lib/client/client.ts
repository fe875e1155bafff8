import { ErrorCode, ErrorCodeValue, RtcError, isRtcError } from '../errors/rtc-error';
import { TimerHandle } from '../signal/clock';
import { Emitter } from '../signal/emitter';
import { createLog } from '../signal/log';
import {
  BanReason,
  BannedErrorData,
  PeerInfo,
  RoomErrorCode,
  RoomMode,
  RoomSnapshot,
  ServerNotification,
  StreamInfo,
} from '../signal/protocol';
import {
  CLOSE_BANNED,
  CLOSE_DONE,
  CLOSE_RECONNECTING,
  RoomSignal,
  SignalCloseInfo,
  SignalRequestError,
} from '../signal/room-signal';
import type {
  PublishableStream,
  PublisherLink,
  RemoteStreamControl,
  RemoteStreamHandle,
  RemoteStreamInfo as RegistryStreamInfo,
  StreamMediaState,
  StreamStateChange,
  StreamType,
} from '../stream/stream-contracts';
import type { EncodingLimits, PeerConnectionRole, Publication, SfuTransport } from '../transport/sfu-transport';
import type { E2eeKeyProvider } from '../media/e2ee/key-provider';
import { MediaEncryption } from '../media/e2ee/media-encryption';
import { ClientDependencies } from './client-options';
import {
  AudioVolumeSource,
  ClientConfig,
  ClientEvent,
  ClientEventMap,
  ConnectionState,
  JoinOptions,
  LocalAudioStatsMap,
  LocalVideoStatsMap,
  NetworkQuality,
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
import {
  PacketCounters,
  candidatePairRtt,
  downlinkCounters,
  lossBetween,
  num,
  qualityLevel,
  uplinkCounters,
} from './network-quality';
import { ReconnectReason } from './retry-policy';

const log = createLog('client');

/** What a client is doing with its room. */
type RoomPhase = 'idle' | 'joining' | 'joined' | 'reconnecting';

/** One connection attempt: a signal, and once joined to the SFU, a transport. */
interface Session {
  readonly id: number;
  readonly signal: RoomSignal;
  transport: SfuTransport | null;
  readonly disposers: (() => void)[];
  /** Removals of the current transport's listeners. */
  readonly transportDisposers: (() => void)[];
  closed: boolean;
  /** Rejects when the session is closed, so awaits on it stop. */
  readonly aborted: Promise<never>;
  abort(error: RtcError): void;
  heartbeat: TimerHandle | null;
  pingInFlight: boolean;
}

/** A stream this client publishes. */
interface LocalEntry {
  readonly stream: PublishableStream;
  /** The MediaStream whose id is the msid on the wire, kept across re-publishing. */
  readonly msid: MediaStream;
  readonly type: StreamType;
  state: StreamMediaState;
  simulcast: boolean;
  publication: Publication | null;
  link: PublisherLink;
}

/** A stream another peer publishes. */
interface RemoteEntry<R> {
  info: StreamInfo;
  handle: R | null;
  mediaStream: MediaStream | null;
  subscribed: boolean;
  subscribeOptions: Required<SubscribeOptions>;
  videoLayer: 'high' | 'low';
  waitTimer: TimerHandle | null;
}

type AnyHandler = (payload: never) => void;

const VALID_USER_ID = /^[A-Za-z0-9_.@-]{1,32}$/;
const VALID_STRING_ROOM_ID = /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,64}$/;

/**
 * A TRTC client on room-server + ion-sfu: trtc-js-sdk v4's `Client` API
 * (join, publish, subscribe, switchRole, events…) with ngx-trtc's typed
 * events, reconnection policy and RtcError codes.
 *
 * `R` is the remote stream type the injected factory builds.
 */
export class RoomClient<R extends RemoteStreamHandle = RemoteStreamHandle> {
  private readonly _config: Required<Pick<ClientConfig, 'sdkAppId' | 'userId' | 'userSig' | 'autoSubscribe' | 'useStringRoomId'>> & {
    mode: RoomMode;
  };
  private readonly _deps: ClientDependencies<R>;
  private readonly _emitter = new Emitter<ClientEventMap<R, AudioVolumeSource>>();
  private readonly _allListeners = new Set<(event: ClientEvent<R, AudioVolumeSource>) => void>();
  /** trtc-js-sdk `on(event, handler, context)` bindings, for `off`. */
  private readonly _bound = new Map<string, Map<AnyHandler, Map<unknown, () => void>>>();

  private _state: ConnectionState = 'DISCONNECTED';
  private _phase: RoomPhase = 'idle';
  private _destroyed = false;
  private _joinOptions: JoinOptions | null = null;
  private _role: Role = 'anchor';
  private _session: Session | null = null;
  private _sessionIds = 0;
  /** Bumped by leave/destroy: a reconnect loop of an older generation stops. */
  private _generation = 0;

  private readonly _peers = new Map<string, PeerInfo>();
  private readonly _remote = new Map<string, RemoteEntry<R>>();
  /** MediaStreams that arrived from the SFU, by id (= publisher's msid). */
  private readonly _arrived = new Map<string, MediaStream>();
  private readonly _local = new Map<string, LocalEntry>();

  private _smallStreamEnabled = false;
  private _smallStreamProfile: SmallStreamProfile = { width: 160, height: 120, bitrate: 100, frameRate: 15 };
  private _iceServers: RTCIceServer[] | null = null;

  private _volumeTimer: TimerHandle | null = null;
  private _qualityTimer: TimerHandle | null = null;
  private _lastUplink: PacketCounters | undefined;
  private _lastDownlink: PacketCounters | undefined;
  private readonly _iceTimers = new Map<PeerConnectionRole, TimerHandle>();
  private _iceRestartTimer: TimerHandle | null = null;
  private readonly _encryption: MediaEncryption | null;

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
    this._deps = deps;
    this._encryption = config.e2ee ? new MediaEncryption(config.e2ee, config.userId) : null;
    this._encryption?.onState((event) => {
      const userId = event.userId || (this._remote.get(event.streamId)?.info.userId ?? '');
      this._emit('e2ee-state', { ...event, userId });
    });
  }

  /** ngx-trtc: the E2EE keys (rotate with `setKey(next, {keyId})`), or null without `e2ee`. */
  get e2eeKeyProvider(): E2eeKeyProvider | null {
    return this._encryption?.keyProvider ?? null;
  }

  // ---------------------------------------------------------------- state

  /** The connection state (trtc-js-sdk's `connection-state-changed` states). */
  get connectionState(): ConnectionState {
    return this._state;
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
    return [...this._peers.values()];
  }

  /** Remote streams announced with `stream-added` and not yet removed. */
  getRemoteStreams(): R[] {
    return [...this._remote.values()].flatMap((e) => (e.handle ? [e.handle] : []));
  }

  /** Local streams currently published. */
  getLocalStreams(): PublishableStream[] {
    return [...this._local.values()].map((e) => e.stream);
  }

  // --------------------------------------------------------------- events

  /** Listens to an event (trtc-js-sdk `client.on`); `context` is `this` of the handler. */
  on<K extends keyof ClientEventMap<R, AudioVolumeSource>>(
    event: K,
    handler: (payload: ClientEventMap<R, AudioVolumeSource>[K]) => void,
    context?: unknown,
  ): void {
    this._assertNotDestroyed('on');
    const bound = context === undefined ? handler : handler.bind(context);
    const remove = this._emitter.on(event, bound);
    this._binding(event as string, handler as AnyHandler).set(context, remove);
  }

  /** Listens to an event once. */
  once<K extends keyof ClientEventMap<R, AudioVolumeSource>>(
    event: K,
    handler: (payload: ClientEventMap<R, AudioVolumeSource>[K]) => void,
    context?: unknown,
  ): void {
    const wrapper = (payload: ClientEventMap<R, AudioVolumeSource>[K]) => {
      this.off(event, wrapper);
      handler.call(context, payload);
    };
    this.on(event, wrapper);
  }

  /** Stops listening (trtc-js-sdk `client.off`); `off('*')` removes every handler. */
  off<K extends keyof ClientEventMap<R, AudioVolumeSource>>(
    event: K | '*',
    handler?: (payload: ClientEventMap<R, AudioVolumeSource>[K]) => void,
    context?: unknown,
  ): void {
    if (event === '*') {
      this._emitter.clear();
      this._bound.clear();
      return;
    }
    if (!handler) {
      this._emitter.off(event);
      this._bound.delete(event as string);
      return;
    }
    const byContext = this._bound.get(event as string)?.get(handler as AnyHandler);
    const remove = byContext?.get(context);
    if (remove) {
      remove();
      byContext!.delete(context);
    }
  }

  /** Every event as a discriminated union; returns the removal. The typed front of `on`. */
  onEvent(listener: (event: ClientEvent<R, AudioVolumeSource>) => void): () => void {
    this._allListeners.add(listener);
    return () => this._allListeners.delete(listener);
  }

  // ----------------------------------------------------------------- room

  /** Joins a room (trtc-js-sdk `client.join`). */
  async join(options: JoinOptions): Promise<void> {
    this._assertNotDestroyed('join');
    this._validateJoinOptions(options);
    // A bad `e2ee.key` rejects the join (with INVALID_PARAMETER), before anything is sent.
    if (this._encryption) await this._encryption.ready();
    if (this._phase !== 'idle') {
      throw new RtcError(ErrorCode.INVALID_OPERATION, 'join: the client is already in a room (or joining one)');
    }
    const role: Role = this._config.mode === 'live' ? (options.role ?? 'anchor') : 'anchor';
    this._joinOptions = { ...options };
    this._role = role;
    this._phase = 'joining';
    const generation = this._generation;
    this._setState('CONNECTING');
    try {
      await this._connect(false);
    } catch (error) {
      if (generation === this._generation) {
        this._closeSession();
        this._resetRoom();
        this._phase = 'idle';
        this._setState('DISCONNECTED');
      }
      throw toJoinError(error);
    }
    if (generation !== this._generation) {
      throw new RtcError(ErrorCode.API_CALL_ABORTED, 'join: aborted by leave()');
    }
    this._phase = 'joined';
    this._setState('CONNECTED');
    this._startRoomTimers();
    this._announceReadyStreams();
  }

  /** Leaves the room (trtc-js-sdk `client.leave`); resolves when not in a room. */
  async leave(): Promise<void> {
    if (this._phase === 'idle') return;
    this._generation++;
    const session = this._session;
    if (session && !session.closed && session.signal.isOpen && this._phase === 'joined') {
      try {
        await session.signal.request('room.leave', {}, Math.min(2000, this._deps.timeouts.requestMs));
      } catch (err) {
        // Leaving proceeds locally whether or not room-server acknowledged it.
        log.debug('room.leave was not acknowledged', err);
      }
    }
    this._closeSession();
    this._resetRoom();
    this._phase = 'idle';
    this._setState('DISCONNECTED');
  }

  /** Releases the client (trtc-js-sdk 4.13 `client.destroy`); leaves first if needed. */
  destroy(): void {
    if (this._destroyed) return;
    if (this._phase !== 'idle') {
      this.leave().catch((err) => log.debug('leave during destroy failed', err));
    }
    this._destroyed = true;
    this._encryption?.dispose();
    this._emitter.clear();
    this._bound.clear();
    this._allListeners.clear();
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
    const session = this._requireJoined('switchRole');
    if (role === this._role) return;
    if (role === 'audience') {
      // An audience may not send media: stop publishing first, as trtc-js-sdk does.
      for (const entry of [...this._local.values()]) await this.unpublish(entry.stream);
    }
    try {
      await session.signal.request('room.switchRole', {
        role,
        ...(this._joinOptions?.privateMapKey ? { privateMapKey: this._joinOptions.privateMapKey } : {}),
      });
    } catch (error) {
      throw new RtcError(ErrorCode.SWITCH_ROLE_FAILED, `switchRole('${role}') failed: ${describe(error)}`, {
        cause: error,
        extraCode: error instanceof SignalRequestError ? error.code : 0,
      });
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
    const session = this._requireJoined('publish');
    if (this._config.mode === 'live' && this._role === 'audience') {
      throw new RtcError(ErrorCode.INVALID_OPERATION, "publish: an audience cannot publish; switchRole('anchor') first");
    }
    const mediaStream = stream.getMediaStream();
    if (!mediaStream || mediaStream.getTracks().length === 0) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, 'publish: the stream has no tracks; call initialize() first');
    }
    const type: StreamType = options.isAuxiliary ? 'auxiliary' : stream.getType();
    for (const entry of this._local.values()) {
      if (entry.stream === stream) throw new RtcError(ErrorCode.INVALID_OPERATION, 'publish: the stream is already published');
      if (entry.type === type) {
        throw new RtcError(ErrorCode.INVALID_OPERATION, `publish: a ${type} stream is already published; unpublish it first`);
      }
    }
    const entry: LocalEntry = {
      stream,
      msid: mediaStream,
      type,
      state: stream.getMediaState(),
      simulcast: type === 'main' && this._smallStreamEnabled && mediaStream.getVideoTracks().length > 0,
      publication: null,
      link: null as unknown as PublisherLink,
    };
    entry.link = this._createPublisherLink(entry);
    this._local.set(mediaStream.id, entry);
    try {
      await this._publishEntry(session, entry);
    } catch (error) {
      this._local.delete(mediaStream.id);
      entry.publication?.unpublish().catch(() => undefined);
      entry.publication = null;
      throw toOperationError('publish', error);
    }
    stream.attachPublisher(entry.link);
  }

  /** Stops publishing a local stream (trtc-js-sdk `client.unpublish`). */
  async unpublish(stream: PublishableStream): Promise<void> {
    this._assertNotDestroyed('unpublish');
    if (!isPublishable(stream)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'unpublish: expected a LocalStream');
    }
    const entry = [...this._local.values()].find((e) => e.stream === stream);
    if (!entry) throw new RtcError(ErrorCode.INVALID_OPERATION, 'unpublish: the stream is not published');
    this._local.delete(entry.msid.id);
    stream.attachPublisher(null);
    const publication = entry.publication;
    entry.publication = null;
    const session = this._session;
    if (!session || session.closed) return;
    try {
      await publication?.unpublish();
      await session.signal.request('stream.unpublish', { streamId: entry.msid.id });
    } catch (error) {
      throw toOperationError('unpublish', error);
    }
  }

  // ------------------------------------------------------------ subscribe

  /** Subscribes a remote stream's audio and/or video (trtc-js-sdk `client.subscribe`). */
  async subscribe(remoteStream: R, options: SubscribeOptions = {}): Promise<void> {
    this._assertNotDestroyed('subscribe');
    this._requireJoined('subscribe');
    const entry = this._entryOf(remoteStream, 'subscribe');
    entry.subscribed = true;
    entry.subscribeOptions = { audio: options.audio ?? true, video: options.video ?? true };
    this._applyLayer(entry);
    this._emit('stream-subscribed', { stream: entry.handle! });
  }

  /** Stops receiving a remote stream (trtc-js-sdk `client.unsubscribe`). */
  async unsubscribe(remoteStream: R): Promise<void> {
    this._assertNotDestroyed('unsubscribe');
    this._requireJoined('unsubscribe');
    const entry = this._entryOf(remoteStream, 'unsubscribe');
    entry.subscribed = false;
    this._applyLayer(entry);
  }

  /** Chooses the big (high) or small (low simulcast layer) video of a remote stream. */
  async setRemoteVideoStreamType(remoteStream: R, status: 'big' | 'small'): Promise<void> {
    this._assertNotDestroyed('setRemoteVideoStreamType');
    if (status !== 'big' && status !== 'small') {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, "setRemoteVideoStreamType: status must be 'big' or 'small'");
    }
    const entry = this._entryOf(remoteStream, 'setRemoteVideoStreamType');
    if (status === 'small' && !entry.info.simulcast) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, 'setRemoteVideoStreamType: the remote stream has no small stream');
    }
    entry.videoLayer = status === 'small' ? 'low' : 'high';
    this._applyLayer(entry);
  }

  /** Mute and track state of every remote user (trtc-js-sdk `getRemoteMutedState`). */
  getRemoteMutedState(): RemoteMutedState[] {
    const byUser = new Map<string, RemoteMutedState>();
    for (const { info } of this._remote.values()) {
      if (info.type !== 'main') continue;
      byUser.set(info.userId, {
        userId: info.userId,
        hasAudio: info.hasAudio,
        hasVideo: info.hasVideo,
        hasSmall: info.simulcast,
        audioMuted: info.audioMuted,
        videoMuted: info.videoMuted,
      });
    }
    for (const peer of this._peers.values()) {
      if (!byUser.has(peer.userId)) {
        byUser.set(peer.userId, {
          userId: peer.userId,
          hasAudio: false,
          hasVideo: false,
          hasSmall: false,
          audioMuted: false,
          videoMuted: false,
        });
      }
    }
    return [...byUser.values()];
  }

  // ---------------------------------------------------------- small stream

  /** Publishes the main stream's video with a small simulcast layer (before publish). */
  async enableSmallStream(): Promise<void> {
    this._assertNotDestroyed('enableSmallStream');
    this._assertNoMainVideoPublished('enableSmallStream');
    this._smallStreamEnabled = true;
  }

  /** Publishes a single layer again (before publish). */
  async disableSmallStream(): Promise<void> {
    this._assertNotDestroyed('disableSmallStream');
    this._assertNoMainVideoPublished('disableSmallStream');
    this._smallStreamEnabled = false;
  }

  /** Size, bitrate (kbps) and frame rate of the small stream. */
  setSmallStreamProfile(profile: SmallStreamProfile): void {
    this._assertNotDestroyed('setSmallStreamProfile');
    const { width, height, bitrate, frameRate } = profile ?? ({} as SmallStreamProfile);
    if (![width, height, bitrate, frameRate].every((v) => typeof v === 'number' && v > 0)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'setSmallStreamProfile: width, height, bitrate and frameRate must be positive numbers');
    }
    this._smallStreamProfile = { width, height, bitrate, frameRate };
  }

  /** TURN servers for the next join (trtc-js-sdk `setTurnServer`, `url` per server). */
  setTurnServer(config: TurnServerConfig | TurnServerConfig[]): void {
    this._assertNotDestroyed('setTurnServer');
    const list = Array.isArray(config) ? config : [config];
    if (list.some((c) => !c || typeof c.url !== 'string' || !c.url)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'setTurnServer: every server needs a url');
    }
    this._iceServers = list.map((c) => ({
      urls: c.url,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.credential !== undefined ? { credential: c.credential } : {}),
    }));
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
    if (this._volumeTimer !== null) this._deps.clock.clearInterval(this._volumeTimer);
    this._volumeTimer = null;
    if (interval <= 0) return;
    this._volumeTimer = this._deps.clock.setInterval(() => this._emitAudioVolume(), Math.max(16, interval));
  }

  // ---------------------------------------------------------------- stats

  /** Uplink RTT and downlink RTT per remote user. */
  async getTransportStats(): Promise<TransportStats> {
    const transport = this._session?.transport ?? null;
    const pub = await transport?.getStats('publisher').catch(() => null);
    const sub = await transport?.getStats('subscriber').catch(() => null);
    const rtt = candidatePairRtt(pub ?? null);
    const downRtt = candidatePairRtt(sub ?? null);
    const downlinksRTT: Record<string, number> = {};
    for (const entry of this._remote.values()) {
      if (entry.handle) downlinksRTT[entry.info.userId] = Number.isNaN(downRtt) ? 0 : Math.round(downRtt);
    }
    return { rtt: Number.isNaN(rtt) ? 0 : Math.round(rtt), downlinksRTT };
  }

  /** Bytes/packets sent of the published audio. */
  async getLocalAudioStats(): Promise<LocalAudioStatsMap> {
    const result: LocalAudioStatsMap = {};
    const report = await this._stats('publisher');
    const senders = this._localSenderTrackIds('audio');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'outbound-rtp' || s['kind'] !== 'audio') return;
      if (senders.size && !senders.has(trackIdOf(report, s))) return;
      const prev = result[this._config.userId];
      result[this._config.userId] = {
        bytesSent: (prev?.bytesSent ?? 0) + num(s['bytesSent']),
        packetsSent: (prev?.packetsSent ?? 0) + num(s['packetsSent']),
      };
    });
    return result;
  }

  /** Bytes/packets/frames sent of the published video (all simulcast layers summed; size of the largest). */
  async getLocalVideoStats(): Promise<LocalVideoStatsMap> {
    const result: LocalVideoStatsMap = {};
    const report = await this._stats('publisher');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'outbound-rtp' || s['kind'] !== 'video') return;
      const prev = result[this._config.userId];
      result[this._config.userId] = {
        bytesSent: (prev?.bytesSent ?? 0) + num(s['bytesSent']),
        packetsSent: (prev?.packetsSent ?? 0) + num(s['packetsSent']),
        framesEncoded: (prev?.framesEncoded ?? 0) + num(s['framesEncoded']),
        framesSent: (prev?.framesSent ?? 0) + num(s['framesSent']),
        frameWidth: Math.max(prev?.frameWidth ?? 0, num(s['frameWidth'])),
        frameHeight: Math.max(prev?.frameHeight ?? 0, num(s['frameHeight'])),
      };
    });
    return result;
  }

  /** Received audio per remote user. */
  async getRemoteAudioStats(): Promise<RemoteAudioStatsMap> {
    const result: RemoteAudioStatsMap = {};
    const report = await this._stats('subscriber');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'inbound-rtp' || s['kind'] !== 'audio') return;
      const userId = this._userOfRemoteTrack(String(s['trackIdentifier'] ?? ''), 'main');
      if (!userId) return;
      result[userId] = {
        bytesReceived: num(s['bytesReceived']),
        packetsReceived: num(s['packetsReceived']),
        packetsLost: num(s['packetsLost']),
      };
    });
    return result;
  }

  /** Received video per remote user, of main (default) or auxiliary streams. */
  async getRemoteVideoStats(remoteStreamType: RemoteStreamType = 'main'): Promise<RemoteVideoStatsMap> {
    const result: RemoteVideoStatsMap = {};
    const report = await this._stats('subscriber');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'inbound-rtp' || s['kind'] !== 'video') return;
      const userId = this._userOfRemoteTrack(String(s['trackIdentifier'] ?? ''), remoteStreamType);
      if (!userId) return;
      result[userId] = {
        bytesReceived: num(s['bytesReceived']),
        packetsReceived: num(s['packetsReceived']),
        packetsLost: num(s['packetsLost']),
        framesDecoded: num(s['framesDecoded']),
        frameWidth: num(s['frameWidth']),
        frameHeight: num(s['frameHeight']),
      };
    });
    return result;
  }

  // ============================================================ internals

  private _emit<K extends keyof ClientEventMap<R, AudioVolumeSource>>(type: K, data: ClientEventMap<R, AudioVolumeSource>[K]): void {
    if (this._destroyed) return;
    this._emitter.emit(type, data);
    if (this._allListeners.size === 0) return;
    const event = { type, data } as ClientEvent<R, AudioVolumeSource>;
    for (const listener of [...this._allListeners]) {
      try {
        listener(event);
      } catch (err) {
        // An application listener's bug must not break the client.
        log.error('event listener threw', err);
      }
    }
  }

  private _setState(state: ConnectionState): void {
    if (state === this._state) return;
    const prevState = this._state;
    this._state = state;
    this._emit('connection-state-changed', { prevState, state });
  }

  private _binding(event: string, handler: AnyHandler): Map<unknown, () => void> {
    let byHandler = this._bound.get(event);
    if (!byHandler) this._bound.set(event, (byHandler = new Map()));
    let byContext = byHandler.get(handler);
    if (!byContext) byHandler.set(handler, (byContext = new Map()));
    return byContext;
  }

  private _assertNotDestroyed(method: string): void {
    if (this._destroyed) throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: the client was destroyed`);
  }

  private _requireJoined(method: string): Session {
    const session = this._session;
    if (this._phase === 'idle' || this._phase === 'joining' || !session) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: join a room first`);
    }
    if (this._phase === 'reconnecting' || session.closed || !session.transport) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: the client is reconnecting; try again when CONNECTED`);
    }
    return session;
  }

  private _assertNoMainVideoPublished(method: string): void {
    for (const entry of this._local.values()) {
      if (entry.type === 'main' && entry.msid.getVideoTracks().length > 0) {
        throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: call it before publishing (or after unpublishing) the main stream`);
      }
    }
  }

  private _validateJoinOptions(options: JoinOptions): void {
    if (!options || typeof options !== 'object') {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: options {roomId} are required');
    }
    const { roomId, role, privateMapKey } = options;
    if (this._config.useStringRoomId) {
      if (typeof roomId !== 'string' || !VALID_STRING_ROOM_ID.test(roomId)) {
        throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: roomId must be a string of 1–64 allowed characters (useStringRoomId)');
      }
    } else if (typeof roomId !== 'number' || !Number.isInteger(roomId) || roomId < 1 || roomId > 4294967294) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: roomId must be an integer in [1, 4294967294] (or set useStringRoomId)');
    }
    if (role !== undefined && role !== 'anchor' && role !== 'audience') {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, `join: role must be 'anchor' or 'audience', got ${String(role)}`);
    }
    if (privateMapKey !== undefined && typeof privateMapKey !== 'string') {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'join: privateMapKey must be a string');
    }
  }

  // ------------------------------------------------------------- sessions

  private _newSession(): Session {
    const { serverUrl, webSocketFactory, clock, timeouts } = this._deps;
    const signal = new RoomSignal({
      url: serverUrl,
      webSocketFactory,
      clock,
      requestTimeoutMs: timeouts.requestMs,
      connectTimeoutMs: timeouts.connectMs,
    });
    let abort!: (error: RtcError) => void;
    const aborted = new Promise<never>((_, reject) => (abort = reject));
    // Nobody may be racing against it when it fires; that is fine.
    aborted.catch(() => undefined);
    return {
      id: ++this._sessionIds,
      signal,
      transport: null,
      disposers: [],
      transportDisposers: [],
      closed: false,
      aborted,
      abort,
      heartbeat: null,
      pingInFlight: false,
    };
  }

  private _race<T>(session: Session, promise: Promise<T>): Promise<T> {
    return Promise.race([promise, session.aborted]);
  }

  /** Connects a new session: socket, room.join, SFU join; on reconnect also re-publishes. */
  private async _connect(isReconnect: boolean): Promise<void> {
    const session = this._newSession();
    this._session = session;
    const { signal } = session;
    await this._race(session, signal.connect());
    session.disposers.push(
      signal.on('notification', (n) => this._onNotification(session, n)),
      signal.on('close', (info) => this._onSignalClose(session, info)),
    );
    const options = this._joinOptions!;
    const snapshot = await this._race(
      session,
      signal.request('room.join', {
        sdkAppId: this._config.sdkAppId,
        userId: this._config.userId,
        userSig: this._config.userSig,
        roomId: options.roomId,
        mode: this._config.mode,
        ...(this._config.mode === 'live' ? { role: this._role } : {}),
        ...(options.privateMapKey ? { privateMapKey: options.privateMapKey } : {}),
      }),
    );
    if (snapshot.role && this._config.mode === 'live') this._role = snapshot.role;
    this._applySnapshot(snapshot, isReconnect);

    await this._joinMedia(session, isReconnect ? 'announce' : 'none');
    this._startHeartbeat(session, snapshot.heartbeatIntervalMs);
  }

  /**
   * Joins the SFU on a session's signal with a new transport; then re-publishes
   * local streams (`announce`: stream.publish first, on a new room-server
   * connection; `tracks`: the registry still has them) and restores subscriptions.
   */
  private async _joinMedia(session: Session, republish: 'none' | 'announce' | 'tracks'): Promise<void> {
    const rtcConfiguration: RTCConfiguration = {
      ...this._deps.rtcConfiguration,
      ...(this._iceServers ? { iceServers: this._iceServers } : {}),
    };
    const transport = this._deps.transportFactory(
      session.signal,
      rtcConfiguration,
      this._encryption ? { encryption: this._encryption } : undefined,
    );
    session.transport = transport;
    session.transportDisposers.push(
      transport.on('track', ({ stream }) => this._onTrack(session, transport, stream)),
      transport.on('ice-state', ({ role, state }) => this._onIceState(session, role, state)),
      transport.on('audio-levels', (ids) => this._onAudioLevels(ids)),
      transport.on('negotiation-failed', ({ role, error }) => log.warn(`${role} negotiation failed`, error)),
    );
    // ion-sfu's NoPublish would drop the publisher transport and its data channel, which
    // ion-sdk-js's join needs; an audience joins normally and room-server refuses its media.
    const joined = this._withTimeout(
      transport.join({}),
      this._deps.timeouts.mediaJoinMs,
      () =>
        new RtcError(
          ErrorCode.API_CALL_TIMEOUT,
          `join: the media connection to the SFU was not up within ${this._deps.timeouts.mediaJoinMs} ms (ICE or SFU not answering)`,
        ),
    );
    await this._race(session, joined);
    if (republish === 'none') return;
    for (const entry of this._local.values()) {
      entry.state = entry.stream.getMediaState();
      await this._race(session, this._publishEntry(session, entry, republish === 'announce'));
    }
    for (const entry of this._remote.values()) {
      if (entry.handle) this._applyLayer(entry);
    }
  }

  /** Drops the transport only, keeping the room-server connection. */
  private _closeTransport(session: Session): void {
    this._clearIceTimers();
    session.transportDisposers.splice(0).forEach((dispose) => dispose());
    session.transport?.close();
    session.transport = null;
    for (const entry of this._local.values()) entry.publication = null;
  }

  private _withTimeout<T>(promise: Promise<T>, ms: number, error: () => RtcError): Promise<T> {
    const { clock } = this._deps;
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(error()), ms);
      promise.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (err) => {
          clock.clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /**
   * Closes the current session (signal and transport) without touching room
   * state. `reconnecting`: a re-join follows, so room-server keeps our place.
   */
  private _closeSession(reconnecting = false): void {
    const session = this._session;
    this._session = null;
    this._clearIceTimers();
    if (!session || session.closed) return;
    session.closed = true;
    session.abort(new RtcError(ErrorCode.API_CALL_ABORTED, 'the connection was closed'));
    if (session.heartbeat !== null) this._deps.clock.clearInterval(session.heartbeat);
    session.disposers.splice(0).forEach((dispose) => dispose());
    session.transportDisposers.splice(0).forEach((dispose) => dispose());
    session.transport?.close();
    session.signal.close(reconnecting ? CLOSE_RECONNECTING : CLOSE_DONE);
    for (const entry of this._local.values()) entry.publication = null;
  }

  /** Forgets the room: remote streams, peers, published streams, timers. */
  private _resetRoom(): void {
    this._stopRoomTimers();
    for (const entry of this._remote.values()) {
      if (entry.waitTimer !== null) this._deps.clock.clearTimeout(entry.waitTimer);
      entry.handle?.dispose();
    }
    this._remote.clear();
    this._arrived.clear();
    this._peers.clear();
    for (const entry of this._local.values()) entry.stream.attachPublisher(null);
    this._local.clear();
    this._lastUplink = undefined;
    this._lastDownlink = undefined;
  }

  private _startHeartbeat(session: Session, intervalMs: number): void {
    if (!(intervalMs > 0)) return;
    const timeoutMs = Math.max(1000, Math.min(this._deps.timeouts.requestMs, intervalMs * 2));
    session.heartbeat = this._deps.clock.setInterval(() => {
      if (session.closed || session.pingInFlight) return;
      session.pingInFlight = true;
      session.signal.request('rtc.ping', {}, timeoutMs).then(
        () => (session.pingInFlight = false),
        (error) => {
          session.pingInFlight = false;
          if (isRtcError(error, ErrorCode.API_CALL_TIMEOUT) && session === this._session) {
            log.warn('heartbeat timed out; reconnecting');
            this._startReconnect('heartbeat-timeout');
          }
        },
      );
    }, intervalMs);
  }

  // ------------------------------------------------------------ registry

  private _applySnapshot(snapshot: RoomSnapshot, isReconnect: boolean): void {
    const peers = new Map((snapshot.peers ?? []).map((p) => [p.userId, p]));
    const streams = new Map((snapshot.streams ?? []).map((s) => [s.streamId, s]));
    if (isReconnect) {
      for (const [streamId, entry] of [...this._remote]) {
        if (!streams.has(streamId)) this._removeRemote(streamId, entry.info);
      }
      for (const userId of [...this._peers.keys()]) {
        if (!peers.has(userId)) {
          this._peers.delete(userId);
          this._emit('peer-leave', { userId });
        }
      }
      // Streams arrive again on the new subscriber connection.
      this._arrived.clear();
    }
    for (const peer of peers.values()) {
      const known = this._peers.has(peer.userId);
      this._peers.set(peer.userId, peer);
      if (!known && (isReconnect || this._phase === 'joining')) this._emit('peer-join', { userId: peer.userId });
    }
    for (const info of streams.values()) this._upsertRemote(info, false);
  }

  private _onNotification(session: Session, notification: ServerNotification): void {
    if (session !== this._session) return;
    switch (notification.method) {
      case 'peer-join': {
        const known = this._peers.has(notification.params.userId);
        this._peers.set(notification.params.userId, notification.params);
        if (!known) this._emit('peer-join', { userId: notification.params.userId });
        break;
      }
      case 'peer-leave': {
        const { userId } = notification.params;
        for (const [streamId, entry] of [...this._remote]) {
          if (entry.info.userId === userId) this._removeRemote(streamId, entry.info);
        }
        if (this._peers.delete(userId)) this._emit('peer-leave', { userId });
        break;
      }
      case 'role-changed':
        if (this._peers.has(notification.params.userId)) this._peers.set(notification.params.userId, notification.params);
        break;
      case 'stream-added':
      case 'stream-updated':
        this._upsertRemote(notification.params.stream, true);
        break;
      case 'stream-removed':
        this._removeRemote(notification.params.stream.streamId, notification.params.stream);
        break;
      case 'mute-audio':
      case 'unmute-audio':
      case 'mute-video':
      case 'unmute-video':
        this._onMute(notification.method, notification.params.userId, notification.params.streamId);
        break;
      case 'client-banned':
        this._onBanned(notification.params.reason, notification.params.message);
        break;
      case 'sfu-error':
        log.warn('room-server lost the SFU:', notification.params.message);
        if (this._phase === 'joined') this._restartMedia(session, 'sfu-error');
        else session.abort(new RtcError(ErrorCode.JOIN_ROOM_FAILED, `SFU error: ${notification.params.message}`));
        break;
      case 'offer':
      case 'trickle':
        break; // handled by ion-sdk-js through the signal's onnegotiate/ontrickle
    }
  }

  private _upsertRemote(info: StreamInfo, fromNotification: boolean): void {
    this._encryption?.bindStream(info.streamId, info.userId);
    const existing = this._remote.get(info.streamId);
    if (!existing) {
      this._remote.set(info.streamId, {
        info: { ...info },
        handle: null,
        mediaStream: null,
        subscribed: false,
        subscribeOptions: { audio: true, video: true },
        videoLayer: 'high',
        waitTimer: null,
      });
      this._maybeAnnounce(info.streamId);
      return;
    }
    const prev = existing.info;
    existing.info = { ...info };
    if (!existing.handle) {
      this._maybeAnnounce(info.streamId);
      return;
    }
    existing.handle.updateInfo(toRegistryInfo(existing.info));
    if (!fromNotification) {
      // A snapshot after reconnecting: report what changed while away.
      for (const [flag, on, off] of [
        ['audioMuted', 'mute-audio', 'unmute-audio'],
        ['videoMuted', 'mute-video', 'unmute-video'],
      ] as const) {
        if (prev[flag] !== info[flag]) this._emit(info[flag] ? on : off, { userId: info.userId });
      }
    }
    if (prev.hasAudio !== info.hasAudio || prev.hasVideo !== info.hasVideo || prev.simulcast !== info.simulcast) {
      this._emit('stream-updated', { stream: existing.handle });
    }
  }

  private _removeRemote(streamId: string, info: StreamInfo): void {
    const entry = this._remote.get(streamId);
    this._arrived.delete(streamId);
    if (!entry) return;
    this._remote.delete(streamId);
    if (entry.waitTimer !== null) this._deps.clock.clearTimeout(entry.waitTimer);
    if (entry.handle) {
      entry.handle.updateInfo(toRegistryInfo({ ...entry.info, ...info }));
      entry.handle.dispose();
      this._emit('stream-removed', { stream: entry.handle });
    }
  }

  private _onMute(
    method: 'mute-audio' | 'unmute-audio' | 'mute-video' | 'unmute-video',
    userId: string,
    streamId: string,
  ): void {
    const entry = this._remote.get(streamId);
    if (entry) {
      const flag = method.endsWith('audio') ? 'audioMuted' : 'videoMuted';
      entry.info = { ...entry.info, [flag]: method.startsWith('mute') };
      entry.handle?.updateInfo(toRegistryInfo(entry.info));
    }
    this._emit(method, { userId });
  }

  private _onBanned(reason: BanReason, message: string): void {
    if (this._phase === 'idle') return;
    this._generation++;
    const wasJoining = this._phase === 'joining';
    this._session?.abort(new RtcError(ErrorCode.CLIENT_BANNED, `banned (${reason}): ${message}`));
    this._closeSession();
    this._resetRoom();
    this._phase = 'idle';
    if (!wasJoining) this._emit('client-banned', { reason, message });
    this._setState('DISCONNECTED');
  }

  // -------------------------------------------------------- remote tracks

  private _onTrack(session: Session, transport: SfuTransport, stream: MediaStream): void {
    if (session !== this._session || session.transport !== transport) return;
    this._arrived.set(stream.id, stream);
    this._maybeAnnounce(stream.id);
  }

  /** Emits `stream-added` once the registry knows a stream and its tracks arrived. */
  private _maybeAnnounce(streamId: string): void {
    const entry = this._remote.get(streamId);
    const mediaStream = this._arrived.get(streamId);
    if (!entry || !mediaStream) return;
    if (entry.handle) {
      if (entry.mediaStream !== mediaStream) {
        // Same stream on a new subscriber connection (reconnect): no second stream-added.
        entry.mediaStream = mediaStream;
        entry.handle.setMediaStream(mediaStream);
        this._applyLayer(entry);
      }
      return;
    }
    if (this._phase !== 'joined' && this._phase !== 'reconnecting') return; // after join() resolves
    const complete =
      (!entry.info.hasAudio || mediaStream.getAudioTracks().length > 0) &&
      (!entry.info.hasVideo || mediaStream.getVideoTracks().length > 0);
    if (!complete) {
      if (entry.waitTimer === null) {
        entry.waitTimer = this._deps.clock.setTimeout(() => {
          entry.waitTimer = null;
          if (this._remote.get(streamId) === entry && !entry.handle) this._announce(entry, mediaStream);
        }, this._deps.timeouts.trackWaitMs);
      }
      return;
    }
    this._announce(entry, mediaStream);
  }

  private _announce(entry: RemoteEntry<R>, mediaStream: MediaStream): void {
    if (entry.waitTimer !== null) {
      this._deps.clock.clearTimeout(entry.waitTimer);
      entry.waitTimer = null;
    }
    const control: RemoteStreamControl = {
      setLayer: (options) => {
        const transport = this._session?.transport;
        transport?.sendApi({
          streamId: entry.info.streamId,
          video: options.video ?? (entry.subscribed && entry.subscribeOptions.video ? entry.videoLayer : 'none'),
          audio: options.audio ?? (entry.subscribed && entry.subscribeOptions.audio),
          framerate: 'high',
        });
      },
    };
    entry.mediaStream = mediaStream;
    entry.handle = this._deps.remoteStreamFactory(toRegistryInfo(entry.info), mediaStream, control);
    const handle = entry.handle;
    this._emit('stream-added', { stream: handle });
    if (this._config.autoSubscribe) {
      // After the app's stream-added handlers: a subscribe() they made takes precedence.
      queueMicrotask(() => {
        if (this._remote.get(entry.info.streamId) !== entry || entry.subscribed || this._phase === 'idle') return;
        entry.subscribed = true;
        this._applyLayer(entry);
        this._emit('stream-subscribed', { stream: handle });
      });
    } else {
      // ion-sfu forwards everything; hold it back until the app subscribes.
      this._applyLayer(entry);
    }
  }

  private _announceReadyStreams(): void {
    for (const streamId of this._remote.keys()) this._maybeAnnounce(streamId);
  }

  private _applyLayer(entry: RemoteEntry<R>): void {
    const on = entry.subscribed;
    this._session?.transport?.sendApi({
      streamId: entry.info.streamId,
      video: on && entry.subscribeOptions.video ? entry.videoLayer : 'none',
      audio: on && entry.subscribeOptions.audio,
      framerate: 'high',
    });
  }

  private _entryOf(remoteStream: R, method: string): RemoteEntry<R> {
    if (!remoteStream || typeof (remoteStream as RemoteStreamHandle).getId !== 'function') {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, `${method}: expected a RemoteStream`);
    }
    for (const entry of this._remote.values()) {
      if (entry.handle === remoteStream) return entry;
    }
    throw new RtcError(ErrorCode.REMOTE_STREAM_NOT_EXIST, `${method}: the remote stream is not in the room (any more)`);
  }

  private _onAudioLevels(streamIds: string[]): void {
    const userIds: string[] = [];
    for (const id of streamIds) {
      const userId = this._remote.get(id)?.info.userId;
      if (userId && !userIds.includes(userId)) userIds.push(userId);
    }
    this._emit('active-speakers', { userIds });
  }

  // ---------------------------------------------------------- publishing

  private async _publishEntry(session: Session, entry: LocalEntry, announce = true): Promise<void> {
    const mediaStream = entry.stream.getMediaStream() ?? entry.msid;
    const tracks = mediaStream.getTracks();
    const state = entry.state;
    if (announce) await this._announceStream(session, entry, tracks, state);
    if (!session.transport || session.closed) throw new RtcError(ErrorCode.API_CALL_ABORTED, 'publish: connection closed');
    entry.publication = await session.transport.publish(entry.msid, tracks, {
      simulcast: entry.simulcast ? this._simulcastEncodings(mediaStream) : undefined,
      limits: encodingLimitsOf(entry.stream),
    });
  }

  private async _announceStream(
    session: Session,
    entry: LocalEntry,
    tracks: MediaStreamTrack[],
    state: StreamMediaState,
  ): Promise<void> {
    await session.signal.request('stream.publish', {
      streamId: entry.msid.id,
      type: entry.type,
      hasAudio: tracks.some((t) => t.kind === 'audio'),
      hasVideo: tracks.some((t) => t.kind === 'video'),
      audioMuted: state.audioMuted,
      videoMuted: state.videoMuted,
      simulcast: entry.simulcast,
    });
  }

  private _simulcastEncodings(mediaStream: MediaStream): RTCRtpEncodingParameters[] {
    const video = mediaStream.getVideoTracks()[0];
    const height = video?.getSettings?.().height ?? 0;
    const small = this._smallStreamProfile;
    const scale = height > small.height ? height / small.height : 4;
    return [
      { rid: 'q', scaleResolutionDownBy: scale, maxBitrate: small.bitrate * 1000, maxFramerate: small.frameRate },
      { rid: 'f' },
    ];
  }

  private _createPublisherLink(entry: LocalEntry): PublisherLink {
    return {
      updateState: (change: StreamStateChange) => {
        entry.state = { ...entry.state, ...change };
        const session = this._session;
        if (!session || session.closed || !entry.publication || this._local.get(entry.msid.id) !== entry) return;
        session.signal.request('stream.update', { streamId: entry.msid.id, ...change }).catch((err) => {
          // The next re-publish (reconnect) carries the state again.
          log.warn('stream.update failed', err);
        });
      },
      replaceTrack: async (kind, track) => {
        await entry.publication?.replaceTrack(kind, track);
      },
      renegotiate: async () => {
        const session = this._session;
        const publication = entry.publication;
        if (!session || session.closed || !publication) return;
        const tracks = (entry.stream.getMediaStream() ?? entry.msid).getTracks();
        const hasAudio = tracks.some((t) => t.kind === 'audio');
        const hasVideo = tracks.some((t) => t.kind === 'video');
        entry.state = { ...entry.state, hasAudio, hasVideo };
        await session.signal.request('stream.update', { streamId: entry.msid.id, hasAudio, hasVideo });
        await publication.setTracks(tracks);
      },
      updateEncodings: async () => {
        await entry.publication?.setEncodingLimits(encodingLimitsOf(entry.stream));
      },
    };
  }

  // --------------------------------------------------------- reconnection

  private _onSignalClose(session: Session, info: SignalCloseInfo): void {
    if (session !== this._session || info.byClient) return;
    if (info.code === CLOSE_BANNED && isBanReason(info.reason)) {
      // The client-banned before this close was lost: reconnecting would only fight the eviction.
      this._onBanned(info.reason, `removed by room-server (${info.reason})`);
      return;
    }
    if (this._phase === 'joined') {
      this._startReconnect('signal-lost');
    } else {
      session.abort(new RtcError(ErrorCode.API_CALL_ABORTED, `the signaling link closed (code ${info.code})`));
    }
  }

  private _onIceState(session: Session, role: PeerConnectionRole, state: RTCIceConnectionState): void {
    if (session !== this._session || this._phase !== 'joined') return;
    const { clock, timeouts } = this._deps;
    if (state === 'connected' || state === 'completed') {
      const timer = this._iceTimers.get(role);
      if (timer !== undefined) clock.clearTimeout(timer);
      this._iceTimers.delete(role);
      if (this._iceRestartTimer !== null && session.transport?.iceState('publisher') !== 'failed') {
        clock.clearTimeout(this._iceRestartTimer);
        this._iceRestartTimer = null;
      }
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    if (this._iceTimers.has(role)) return;
    const grace = state === 'failed' ? 0 : timeouts.iceDisconnectedGraceMs;
    this._iceTimers.set(
      role,
      clock.setTimeout(() => {
        this._iceTimers.delete(role);
        if (session !== this._session || this._phase !== 'joined') return;
        const current = session.transport?.iceState(role);
        if (current !== 'disconnected' && current !== 'failed') return;
        if (role === 'subscriber') {
          // The SFU offers the subscriber connection; only a re-join restarts it.
          this._startReconnect('ice-failed');
          return;
        }
        log.info('publisher ICE lost; restarting ICE');
        session.transport?.restartIce().catch((err) => log.warn('ICE restart failed', err));
        if (this._iceRestartTimer === null) {
          this._iceRestartTimer = clock.setTimeout(() => {
            this._iceRestartTimer = null;
            const now = session.transport?.iceState('publisher');
            if (session === this._session && this._phase === 'joined' && now !== 'connected' && now !== 'completed') {
              this._startReconnect('ice-failed');
            }
          }, timeouts.iceRestartMs);
        }
      }, grace),
    );
  }

  private _clearIceTimers(): void {
    for (const timer of this._iceTimers.values()) this._deps.clock.clearTimeout(timer);
    this._iceTimers.clear();
    if (this._iceRestartTimer !== null) this._deps.clock.clearTimeout(this._iceRestartTimer);
    this._iceRestartTimer = null;
  }

  /**
   * A new SFU session on the same room-server connection after `sfu-error`
   * (room-server dropped its ion-sfu link): others see no peer-leave. Falls
   * back to a full re-join. (Lost ICE re-joins fully: room-server keeps the
   * old ion-sfu link of a connection, so a second `join` on it is refused.)
   */
  private _restartMedia(session: Session, reason: ReconnectReason): void {
    if (this._phase !== 'joined' || session !== this._session) return;
    this._phase = 'reconnecting';
    this._setState('RECONNECTING');
    this._closeTransport(session);
    this._arrived.clear();
    const generation = this._generation;
    const startedAt = this._deps.clock.now();
    this._joinMedia(session, 'tracks').then(
      () => {
        if (generation !== this._generation || session !== this._session) return;
        this._phase = 'joined';
        this._setState('CONNECTED');
        this._announceReadyStreams();
        this._emit('reconnected', { attempts: 1, durationMs: Math.round(this._deps.clock.now() - startedAt) });
      },
      (error) => {
        if (generation !== this._generation || session !== this._session) return;
        log.info('media restart failed; re-joining the room', error);
        this._phase = 'joined';
        this._startReconnect(reason);
      },
    );
  }

  /** Moves to RECONNECTING and re-joins per the retry policy. */
  private _startReconnect(reason: ReconnectReason): void {
    if (this._phase !== 'joined') return;
    this._phase = 'reconnecting';
    this._closeSession(true);
    this._setState('RECONNECTING');
    void this._reconnectLoop(reason, this._generation);
  }

  private async _reconnectLoop(reason: ReconnectReason, generation: number): Promise<void> {
    const { clock, retryPolicy } = this._deps;
    const startedAt = clock.now();
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      const delay = retryPolicy.nextRetryDelayMs({ attempt, elapsedMs: clock.now() - startedAt, reason, lastError });
      if (delay === null) break;
      if (delay > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      if (generation !== this._generation) return;
      try {
        await this._connect(true);
      } catch (error) {
        if (generation !== this._generation) return;
        lastError = error;
        this._closeSession(true);
        log.info(`reconnect attempt ${attempt + 1} failed`, error);
        if (isFatalJoinError(error)) break;
        continue;
      }
      if (generation !== this._generation) return;
      this._phase = 'joined';
      this._setState('CONNECTED');
      this._announceReadyStreams();
      this._emit('reconnected', { attempts: attempt + 1, durationMs: Math.round(clock.now() - startedAt) });
      return;
    }
    if (generation !== this._generation) return;
    if (isBannedError(lastError)) {
      // Banned while away (the notification could not reach us): the same end as a live ban, no error on top.
      log.info('re-join refused: banned from the room');
      this._onBanned('banned', bannedMessage(lastError));
      return;
    }
    this._generation++;
    this._closeSession();
    this._resetRoom();
    this._phase = 'idle';
    this._emit(
      'error',
      new RtcError(ErrorCode.SIGNAL_CHANNEL_RECONNECTION_FAILED, `could not reconnect to the room: ${describe(lastError)}`, {
        cause: lastError,
        extraCode: lastError instanceof SignalRequestError ? lastError.code : isRtcError(lastError) ? lastError.extraCode : 0,
      }),
    );
    this._setState('DISCONNECTED');
  }

  // ------------------------------------------------------ periodic events

  private _startRoomTimers(): void {
    const { clock, timeouts } = this._deps;
    if (this._qualityTimer === null) {
      this._qualityTimer = clock.setInterval(() => void this._emitNetworkQuality(), timeouts.networkQualityIntervalMs);
    }
  }

  private _stopRoomTimers(): void {
    if (this._qualityTimer !== null) this._deps.clock.clearInterval(this._qualityTimer);
    this._qualityTimer = null;
  }

  private _emitAudioVolume(): void {
    if (this._phase !== 'joined') return;
    const result: { userId: string; audioVolume: number; stream: AudioVolumeSource }[] = [];
    for (const { stream } of this._local.values()) {
      result.push({ userId: this._config.userId, audioVolume: toVolume(stream.getAudioLevel()), stream });
    }
    for (const entry of this._remote.values()) {
      if (!entry.handle) continue;
      result.push({ userId: entry.info.userId, audioVolume: toVolume(entry.handle.getAudioLevel()), stream: entry.handle });
    }
    this._emit('audio-volume', { result });
  }

  private async _emitNetworkQuality(): Promise<void> {
    const session = this._session;
    if (this._phase !== 'joined' && this._phase !== 'reconnecting') return;
    const transport = session?.transport;
    if (this._phase === 'reconnecting' || !transport) {
      this._emit('network-quality', {
        uplinkNetworkQuality: 6,
        downlinkNetworkQuality: 6,
        uplinkRTT: 0,
        uplinkLoss: 0,
        downlinkRTT: 0,
        downlinkLoss: 0,
      });
      return;
    }
    const [pub, sub] = await Promise.all([
      transport.getStats('publisher').catch(() => null),
      transport.getStats('subscriber').catch(() => null),
    ]);
    if (session !== this._session) return;
    const up = uplinkCounters(pub);
    const down = downlinkCounters(sub);
    const uplink = { rtt: candidatePairRtt(pub), loss: lossBetween(this._lastUplink, up) };
    const downlink = { rtt: candidatePairRtt(sub), loss: lossBetween(this._lastDownlink, down) };
    this._lastUplink = up;
    this._lastDownlink = down;
    const connected = (role: PeerConnectionRole) => {
      const s = transport.iceState(role);
      return s === 'connected' || s === 'completed' || s === 'checking' || s === 'new';
    };
    const quality: NetworkQuality = {
      uplinkNetworkQuality: this._local.size ? qualityLevel(uplink, connected('publisher')) : 0,
      downlinkNetworkQuality: qualityLevel(downlink, connected('subscriber')),
      uplinkRTT: round(uplink.rtt),
      uplinkLoss: round2(uplink.loss),
      downlinkRTT: round(downlink.rtt),
      downlinkLoss: round2(downlink.loss),
    };
    this._emit('network-quality', quality);
  }

  private async _stats(role: PeerConnectionRole): Promise<RTCStatsReport | null> {
    const transport = this._session?.transport;
    if (!transport) return null;
    return transport.getStats(role).catch(() => null);
  }

  private _localSenderTrackIds(kind: 'audio' | 'video'): Set<string> {
    const ids = new Set<string>();
    for (const entry of this._local.values()) {
      for (const sender of entry.publication?.getSenders() ?? []) {
        if (sender.track?.kind === kind) ids.add(sender.track.id);
      }
    }
    return ids;
  }

  private _userOfRemoteTrack(trackId: string, type: RemoteStreamType): string | null {
    for (const entry of this._remote.values()) {
      if (entry.info.type !== type || !entry.mediaStream) continue;
      if (entry.mediaStream.getTracks().some((t) => t.id === trackId)) return entry.info.userId;
    }
    return null;
  }
}

// ------------------------------------------------------------------ helpers

function validateConfig(config: ClientConfig): void {
  if (!config || typeof config !== 'object') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: a ClientConfig is required');
  }
  if (!Number.isInteger(config.sdkAppId) || config.sdkAppId <= 0) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: sdkAppId must be a positive integer');
  }
  if (typeof config.userId !== 'string' || !VALID_USER_ID.test(config.userId)) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: userId must be 1–32 of [A-Za-z0-9_.@-]');
  }
  if (typeof config.userSig !== 'string' || !config.userSig) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, 'createClient: userSig is required');
  }
  if (config.mode !== 'rtc' && config.mode !== 'live' && config.mode !== 'videoCall') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `createClient: mode must be 'rtc' or 'live', got ${String(config.mode)}`);
  }
}

function isPublishable(stream: unknown): stream is PublishableStream {
  const s = stream as PublishableStream | null;
  return (
    !!s &&
    typeof s.getId === 'function' &&
    typeof s.getMediaStream === 'function' &&
    typeof s.getMediaState === 'function' &&
    typeof s.attachPublisher === 'function'
  );
}

function toRegistryInfo(info: StreamInfo): RegistryStreamInfo {
  return {
    streamId: info.streamId,
    userId: info.userId,
    type: info.type,
    hasAudio: info.hasAudio,
    hasVideo: info.hasVideo,
    audioMuted: info.audioMuted,
    videoMuted: info.videoMuted,
    simulcast: info.simulcast,
  };
}

const AUTH_CODES = new Set<number>([
  RoomErrorCode.USERSIG_MALFORMED,
  RoomErrorCode.USERSIG_BAD_SIGNATURE,
  RoomErrorCode.USERSIG_EXPIRED,
  RoomErrorCode.USERSIG_WRONG_APP,
  RoomErrorCode.USERSIG_WRONG_USER,
  RoomErrorCode.PRIVATE_MAP_KEY_INVALID,
  RoomErrorCode.PRIVILEGE_DENIED,
  RoomErrorCode.ROOM_FULL,
  RoomErrorCode.SERVER_FULL,
  RoomErrorCode.INVALID_PARAMS,
  RoomErrorCode.BANNED,
]);

/** Errors a retry cannot fix: credentials, privileges, limits, a ban. */
function isFatalJoinError(error: unknown): boolean {
  if (error instanceof SignalRequestError) return AUTH_CODES.has(error.code);
  return isRtcError(error) && AUTH_CODES.has(error.extraCode);
}

/** Whether room-server refused a `room.join` because the user is banned from the room. */
function isBannedError(error: unknown): error is SignalRequestError {
  return error instanceof SignalRequestError && error.code === RoomErrorCode.BANNED;
}

/** What room-server said about a ban ("banned from this room until …: reason"). */
function bannedMessage(error: SignalRequestError): string {
  const data = (error.data ?? {}) as BannedErrorData;
  if (typeof data.detail === 'string' && data.detail) return data.detail;
  if (typeof data.expiresAt === 'number' && Number.isFinite(data.expiresAt)) {
    return `banned from this room until ${new Date(data.expiresAt * 1000).toISOString().replace('.000Z', 'Z')}`;
  }
  return 'banned from this room';
}

function isBanReason(reason: string): reason is BanReason {
  return reason === 'kick' || reason === 'banned' || reason === 'room-disband';
}

/**
 * join(): a ban → CLIENT_BANNED; other room-server refusals → JOIN_ROOM_FAILED;
 * both keep the JSON-RPC code as extraCode. RtcErrors as they are.
 */
function toJoinError(error: unknown): RtcError {
  if (isBannedError(error)) {
    return new RtcError(ErrorCode.CLIENT_BANNED, `join: ${bannedMessage(error)}`, { cause: error, extraCode: error.code });
  }
  if (error instanceof SignalRequestError) {
    return new RtcError(ErrorCode.JOIN_ROOM_FAILED, `join: room-server refused ${error.method} (${error.message})`, {
      cause: error,
      extraCode: error.code,
    });
  }
  if (isRtcError(error)) return error;
  return new RtcError(ErrorCode.JOIN_ROOM_FAILED, `join failed: ${describe(error)}`, { cause: error });
}

/** Other operations: room-server refusals keep their JSON-RPC code as extraCode. */
function toOperationError(method: string, error: unknown): RtcError {
  if (isRtcError(error)) return error;
  if (error instanceof SignalRequestError) {
    const code: ErrorCodeValue =
      error.code === RoomErrorCode.ROLE_FORBIDDEN || error.code === RoomErrorCode.PRIVILEGE_DENIED
        ? ErrorCode.INVALID_OPERATION
        : ErrorCode.UNKNOWN;
    return new RtcError(code, `${method}: room-server refused ${error.method} (${error.message})`, {
      cause: error,
      extraCode: error.code,
    });
  }
  return new RtcError(ErrorCode.UNKNOWN, `${method} failed: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function toVolume(level: number): number {
  if (!Number.isFinite(level)) return 0;
  return Math.max(0, Math.min(100, Math.round(level * 100)));
}

function trackIdOf(report: RTCStatsReport, stat: Record<string, unknown>): string {
  const source = report.get(String(stat['mediaSourceId'] ?? ''));
  return String(source?.['trackIdentifier'] ?? '');
}

function round(value: number): number {
  return Number.isNaN(value) ? 0 : Math.round(value);
}

function round2(value: number): number {
  return Number.isNaN(value) ? 0 : Math.round(value * 100) / 100;
}

/** The sender caps a published stream asks for (its profiles), or none. */
function encodingLimitsOf(stream: PublishableStream): EncodingLimits {
  const hints = stream.getEncodingHints?.();
  if (!hints) return {};
  return {
    videoMaxBitrateKbps: hints.videoBitrateKbps,
    audioMaxBitrateKbps: hints.audioBitrateKbps,
    maxFramerate: hints.frameRate,
  };
}
