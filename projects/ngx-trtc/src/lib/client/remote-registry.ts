import { ErrorCode, RtcError } from '../errors/rtc-error';
import type { Clock, TimerHandle } from '../util/clock';
import type { PeerInfo, RoomSnapshot, ServerNotification, StreamInfo } from '../signal/protocol';
import type { RemoteStreamControl, RemoteStreamHandle, RemoteStreamInfo } from '../stream/stream-contracts';
import type { RemoteStreamBuilder } from './client-options';
import type { AudioVolumeSource, ClientEventMap, RemoteMutedState, RemoteStreamType, SubscribeOptions } from './client-types';
import type { EmitFn } from './event-binder';
import { LayerMessage, layerMessage } from '../transport/layer-message';

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

/** A mute or unmute notification's method. */
type MuteMethod = 'mute-audio' | 'unmute-audio' | 'mute-video' | 'unmute-video';

/** What the registry needs from the client above it. */
export interface RemoteRegistryDeps<R extends RemoteStreamHandle> {
  clock: Clock;
  /** After a stream's first track, how long to wait for the rest before `stream-added`. */
  trackWaitMs: number;
  remoteStreamFactory: RemoteStreamBuilder<R>;
  /** Subscribe each stream right after `stream-added` (trtc-js-sdk's `autoSubscribe`). */
  autoSubscribe: boolean;
  emit: EmitFn<ClientEventMap<R, AudioVolumeSource>>;
  /** Whether `stream-added` may be emitted now (join() has resolved; not idle). */
  canAnnounce(): boolean;
  /** Whether the client is in a room at all. */
  isInRoom(): boolean;
  /** Sends a layer/mute message on the current transport's data channel (dropped without one). */
  sendLayer(message: LayerMessage): void;
  /** Learns each stream's publisher as soon as room-server names it (E2EE keys by sender). */
  onStreamInfo?(info: StreamInfo): void;
}

/**
 * The other peers and their streams, as room-server's snapshot and
 * notifications describe them and the SFU's tracks deliver them: it emits
 * peer-join/leave, stream-added (once per stream, after its tracks arrived),
 * stream-updated/removed and mute events, and keeps each stream's
 * subscription and layer choice on ion-sfu's data channel.
 */
export class RemoteRegistry<R extends RemoteStreamHandle> {
  private readonly _peers = new Map<string, PeerInfo>();
  private readonly _remote = new Map<string, RemoteEntry<R>>();
  /** MediaStreams that arrived from the SFU on the current transport, by id (= publisher's msid). */
  private readonly _arrived = new Map<string, MediaStream>();

  constructor(private readonly _deps: RemoteRegistryDeps<R>) {}

  /** The other peers in the room. */
  peers(): PeerInfo[] {
    return [...this._peers.values()];
  }

  /** Remote streams announced with `stream-added` and not yet removed. */
  streams(): R[] {
    return [...this._remote.values()].flatMap((e) => (e.handle ? [e.handle] : []));
  }

  /** Announced streams with their publisher's userId. */
  announced(): { userId: string; stream: R }[] {
    return [...this._remote.values()].flatMap((e) => (e.handle ? [{ userId: e.info.userId, stream: e.handle }] : []));
  }

  /** Mute and track state of every remote user (trtc-js-sdk `getRemoteMutedState`). */
  mutedStates(): RemoteMutedState[] {
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

  /** The publisher of a stream room-server announced, if known. */
  userIdOf(streamId: string): string | undefined {
    return this._remote.get(streamId)?.info.userId;
  }

  /** The publisher of the received track, among streams of that type. */
  userOfTrack(trackId: string, type: RemoteStreamType): string | null {
    for (const entry of this._remote.values()) {
      if (entry.info.type !== type || !entry.mediaStream) continue;
      if (entry.mediaStream.getTracks().some((t) => t.id === trackId)) return entry.info.userId;
    }
    return null;
  }

  // ------------------------------------------------------------- room state

  /** Takes room.join's snapshot; after a reconnect, reports what changed while away. */
  applySnapshot(snapshot: RoomSnapshot, isReconnect: boolean): void {
    const peers = new Map((snapshot.peers ?? []).map((p) => [p.userId, p]));
    const streams = new Map((snapshot.streams ?? []).map((s) => [s.streamId, s]));
    if (isReconnect) {
      for (const [streamId, entry] of [...this._remote]) {
        if (!streams.has(streamId)) this._removeRemote(streamId, entry.info);
      }
      for (const userId of [...this._peers.keys()]) {
        if (!peers.has(userId)) {
          this._peers.delete(userId);
          this._deps.emit('peer-leave', { userId });
        }
      }
      // Streams arrive again on the new subscriber connection.
      this._arrived.clear();
    }
    for (const peer of peers.values()) {
      const known = this._peers.has(peer.userId);
      this._peers.set(peer.userId, peer);
      if (!known) this._deps.emit('peer-join', { userId: peer.userId });
    }
    for (const info of streams.values()) this._upsertRemote(info, false);
  }

  /** Applies a room event notification; others (SFU negotiation, lifecycle) are ignored. */
  onNotification(notification: ServerNotification): void {
    switch (notification.method) {
      case 'peer-join': {
        const known = this._peers.has(notification.params.userId);
        this._peers.set(notification.params.userId, notification.params);
        if (!known) this._deps.emit('peer-join', { userId: notification.params.userId });
        break;
      }
      case 'peer-leave': {
        const { userId } = notification.params;
        for (const [streamId, entry] of [...this._remote]) {
          if (entry.info.userId === userId) this._removeRemote(streamId, entry.info);
        }
        if (this._peers.delete(userId)) this._deps.emit('peer-leave', { userId });
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
    }
  }

  /** A MediaStream arrived from the SFU. */
  onTrack(stream: MediaStream): void {
    this._arrived.set(stream.id, stream);
    this._maybeAnnounce(stream.id);
  }

  /** userIds of the streams ion-sfu's audio-level observer names, loudest first, each once. */
  speakersOf(streamIds: string[]): string[] {
    const userIds: string[] = [];
    for (const id of streamIds) {
      const userId = this._remote.get(id)?.info.userId;
      if (userId && !userIds.includes(userId)) userIds.push(userId);
    }
    return userIds;
  }

  /** Emits `stream-added` for every stream whose tracks are here (after join or reconnect). */
  announceReady(): void {
    for (const streamId of this._remote.keys()) this._maybeAnnounce(streamId);
  }

  /** Sends every announced stream's layer choice again (a new subscriber connection). */
  reapplyLayers(): void {
    for (const entry of this._remote.values()) {
      if (entry.handle) this._applyLayer(entry);
    }
  }

  /** The transport closed: its MediaStreams are gone; streams wait for the next ones. */
  forgetArrived(): void {
    this._arrived.clear();
  }

  /** Forgets the room: disposes every remote stream. */
  clear(): void {
    for (const entry of this._remote.values()) {
      if (entry.waitTimer !== null) this._deps.clock.clearTimeout(entry.waitTimer);
      entry.handle?.dispose();
    }
    this._remote.clear();
    this._arrived.clear();
    this._peers.clear();
  }

  // ----------------------------------------------------------- subscription

  /** Subscribes audio and/or video (`client.subscribe`); REMOTE_STREAM_NOT_EXIST for a stream not here. */
  subscribe(remoteStream: R, options: SubscribeOptions, method: string): void {
    const entry = this._entryOf(remoteStream, method);
    entry.subscribed = true;
    entry.subscribeOptions = { audio: options.audio ?? true, video: options.video ?? true };
    this._applyLayer(entry);
    this._deps.emit('stream-subscribed', { stream: entry.handle! });
  }

  /** Stops receiving a stream (`client.unsubscribe`). */
  unsubscribe(remoteStream: R, method: string): void {
    const entry = this._entryOf(remoteStream, method);
    entry.subscribed = false;
    this._applyLayer(entry);
  }

  /** Big (high) or small (low simulcast layer) video; INVALID_OPERATION for 'small' without simulcast. */
  setVideoStreamType(remoteStream: R, status: 'big' | 'small', method: string): void {
    const entry = this._entryOf(remoteStream, method);
    if (status === 'small' && !entry.info.simulcast) {
      throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: the remote stream has no small stream`);
    }
    entry.videoLayer = status === 'small' ? 'low' : 'high';
    this._applyLayer(entry);
  }

  // -------------------------------------------------------------- internals

  private _upsertRemote(info: StreamInfo, fromNotification: boolean): void {
    this._deps.onStreamInfo?.(info);
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
        if (prev[flag] !== info[flag]) this._deps.emit(info[flag] ? on : off, { userId: info.userId });
      }
    }
    if (prev.hasAudio !== info.hasAudio || prev.hasVideo !== info.hasVideo || prev.simulcast !== info.simulcast) {
      this._deps.emit('stream-updated', { stream: existing.handle });
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
      this._deps.emit('stream-removed', { stream: entry.handle });
    }
  }

  private _onMute(method: MuteMethod, userId: string, streamId: string): void {
    const entry = this._remote.get(streamId);
    if (entry) {
      const flag = method.endsWith('audio') ? 'audioMuted' : 'videoMuted';
      entry.info = { ...entry.info, [flag]: method.startsWith('mute') };
      entry.handle?.updateInfo(toRegistryInfo(entry.info));
    }
    this._deps.emit(method, { userId });
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
    if (!this._deps.canAnnounce()) return; // after join() resolves
    const complete =
      (!entry.info.hasAudio || mediaStream.getAudioTracks().length > 0) &&
      (!entry.info.hasVideo || mediaStream.getVideoTracks().length > 0);
    if (!complete) {
      if (entry.waitTimer === null) {
        entry.waitTimer = this._deps.clock.setTimeout(() => {
          entry.waitTimer = null;
          if (this._remote.get(streamId) === entry && !entry.handle) this._announce(entry, mediaStream);
        }, this._deps.trackWaitMs);
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
        const current = currentLayer(entry);
        this._deps.sendLayer(
          layerMessage(entry.info.streamId, options.video ?? current.video, options.audio ?? current.audio),
        );
      },
    };
    entry.mediaStream = mediaStream;
    entry.handle = this._deps.remoteStreamFactory(toRegistryInfo(entry.info), mediaStream, control);
    const handle = entry.handle;
    this._deps.emit('stream-added', { stream: handle });
    if (this._deps.autoSubscribe) {
      // After the app's stream-added handlers: a subscribe() they made takes precedence.
      queueMicrotask(() => {
        if (this._remote.get(entry.info.streamId) !== entry || entry.subscribed || !this._deps.isInRoom()) return;
        entry.subscribed = true;
        this._applyLayer(entry);
        this._deps.emit('stream-subscribed', { stream: handle });
      });
    } else {
      // ion-sfu forwards everything; hold it back until the app subscribes.
      this._applyLayer(entry);
    }
  }

  private _applyLayer(entry: RemoteEntry<R>): void {
    const { video, audio } = currentLayer(entry);
    this._deps.sendLayer(layerMessage(entry.info.streamId, video, audio));
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
}

function toRegistryInfo(info: StreamInfo): RemoteStreamInfo {
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

/** What ion-sfu should forward of a stream given its subscription: nothing until subscribed. */
function currentLayer<R>(entry: RemoteEntry<R>): Pick<LayerMessage, 'video' | 'audio'> {
  const on = entry.subscribed;
  return { video: on && entry.subscribeOptions.video ? entry.videoLayer : 'none', audio: on && entry.subscribeOptions.audio };
}
