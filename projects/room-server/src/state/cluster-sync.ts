/**
 * Keeps this instance's rooms in step with the other instances'. Each local
 * room holds its local peers plus a {@link RemoteMember} for every peer
 * connected to another instance, so presence, streams, snapshots, limits
 * and the duplicate-identity rule work as on one server. Local changes are
 * sent to the {@link RoomStateStore} as they happen; changes from other
 * instances are applied to the mirrors, which notify local peers through
 * the ordinary Room code.
 */
import type { Logger } from '../log.js';
import { Room, type StreamPatch } from '../rooms/room.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { BanReason, LeaveReason, Role, RoomId, RoomMember, StreamDescriptor, StreamInfo } from '../rooms/types.js';
import type { PeerRecord, RoomChange, RoomEvent, RoomEventHandler, RoomStateStore, StateSnapshot } from './room-state-store.js';

const DUPLICATE_MESSAGE = 'the same user joined the room from another connection';

/** A peer connected to another room-server instance, as this instance's rooms see it. */
export class RemoteMember implements RoomMember {
  constructor(
    /** ion-sfu session id of the member's room. */
    readonly sessionId: string,
    readonly userId: string,
    readonly connectionId: string,
    public role: Role,
    /** The instance holding the connection. */
    readonly instanceId: string,
    private readonly _kick: (member: RemoteMember, reason: BanReason, message: string) => void,
  ) {}

  /** Nothing to do: the instance holding the connection notifies it. */
  notify(): void {}

  /** Asks the holding instance to evict the connection. */
  evict(reason: BanReason, message: string): void {
    this._kick(this, reason, message);
  }
}

/** A room that reports its local peers' changes to a {@link ClusterSync}. */
export class ClusterRoom extends Room {
  constructor(
    sdkAppId: number,
    roomId: RoomId,
    private readonly _sync: ClusterSync,
  ) {
    super(sdkAppId, roomId);
  }

  override add(member: RoomMember): void {
    super.add(member);
    if (member instanceof RemoteMember) return;
    void this._sync.send(this, member, { kind: 'join', ...this._sync.recordOf(this, member) }).then((event) => this._sync.joinRecorded(this, member, event));
  }

  override replace(previous: RoomMember, member: RoomMember): void {
    super.replace(previous, member);
    if (member instanceof RemoteMember) return;
    // The shared state drops a replaced connection's streams: record them again under the new one.
    void this._sync
      .send(this, member, { kind: 'join', resumed: true, ...this._sync.recordOf(this, member) })
      .then((event) => this._sync.joinRecorded(this, member, event));
    for (const stream of this.streamsOf(member.userId)) this._sync.send(this, member, { kind: 'stream', stream });
  }

  override remove(member: RoomMember, reason: LeaveReason, options: { silent?: boolean } = {}): boolean {
    const removed = super.remove(member, reason, options);
    if (removed && !(member instanceof RemoteMember)) this._sync.send(this, member, { kind: 'leave', reason, silent: options.silent === true });
    return removed;
  }

  override publish(userId: string, descriptor: StreamDescriptor): StreamInfo {
    const stream = super.publish(userId, descriptor);
    this._sendStream(userId, stream);
    return stream;
  }

  override update(userId: string, streamId: string, patch: StreamPatch): StreamInfo {
    const stream = super.update(userId, streamId, patch);
    this._sendStream(userId, stream);
    return stream;
  }

  override unpublish(userId: string, streamId: string): StreamInfo {
    const stream = super.unpublish(userId, streamId);
    const member = this.memberOf(userId);
    if (member && !(member instanceof RemoteMember)) this._sync.send(this, member, { kind: 'unstream', streamId });
    return stream;
  }

  override changeRole(member: RoomMember, role: Role): void {
    super.changeRole(member, role);
    if (!(member instanceof RemoteMember)) this._sync.send(this, member, { kind: 'role', role });
  }

  private _sendStream(userId: string, stream: StreamInfo): void {
    const member = this.memberOf(userId);
    if (member && !(member instanceof RemoteMember)) this._sync.send(this, member, { kind: 'stream', stream });
  }
}

type ChangeBody = RoomChange extends infer C ? (C extends RoomChange ? Omit<C, 'sessionId' | 'userId' | 'connectionId'> : never) : never;

/** Options of a {@link ClusterSync}. */
export interface ClusterSyncOptions {
  /** A local member's join is now in the shared state (the ban list re-checks it). */
  readonly onJoinRecorded?: (room: Room, member: RoomMember) => void;
}

/** Connects a {@link RoomRegistry} to a {@link RoomStateStore}. */
export class ClusterSync implements RoomEventHandler {
  private _registry: RoomRegistry | undefined;

  constructor(
    private readonly _store: RoomStateStore,
    private readonly _log: Logger,
    private readonly _options: ClusterSyncOptions = {},
  ) {}

  /** The room factory for the registry. */
  readonly createRoom = (sdkAppId: number, roomId: RoomId): Room => new ClusterRoom(sdkAppId, roomId, this);

  /** Starts mirroring: loads the other instances' peers into `registry`, then follows their changes. */
  async start(registry: RoomRegistry): Promise<void> {
    this._registry = registry;
    this.resync(await this._store.start(this));
  }

  /** @internal The shared record of a local member. */
  recordOf(room: Room, member: RoomMember): PeerRecord {
    return {
      sessionId: room.sessionId,
      sdkAppId: room.sdkAppId,
      roomId: room.roomId,
      userId: member.userId,
      connectionId: member.connectionId,
      role: member.role,
      instanceId: this._store.instanceId,
    };
  }

  /** @internal Records a local change; returns the store's answer (failures are logged). */
  send(room: { readonly sessionId: string }, member: RoomMember, body: ChangeBody): Promise<RoomEvent | undefined> {
    const change = { ...body, sessionId: room.sessionId, userId: member.userId, connectionId: member.connectionId } as RoomChange;
    return this._store.apply(change).catch((err: unknown) => {
      // The local room is already changed and its peers told; the others catch up on the next resync.
      this._log.warn('state store: change not recorded', { kind: change.kind, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    });
  }

  /** @internal A local member's join was sent to the store; `event` is undefined when it could not be recorded. */
  joinRecorded(room: Room, member: RoomMember, event: RoomEvent | undefined): void {
    if (event && event.seq > 0) this._options.onJoinRecorded?.(room, member);
  }

  event(event: RoomEvent): void {
    try {
      this._apply(event);
    } catch (err) {
      // One bad event must not stop the ones after it.
      this._log.error('state store: event not applied', { kind: event.kind, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }

  resync(snapshot: StateSnapshot): void {
    const registry = this._registry!;
    const mine = this._store.instanceId;
    const wanted = new Map<string, PeerRecord>();
    for (const peer of snapshot.peers) if (peer.instanceId !== mine) wanted.set(`${peer.sessionId}\n${peer.userId}`, peer);
    for (const room of registry.rooms()) {
      for (const member of room.members()) {
        if (!(member instanceof RemoteMember)) continue;
        const peer = wanted.get(`${room.sessionId}\n${member.userId}`);
        if (peer?.connectionId !== member.connectionId) registry.leave(room, member, 'timeout');
      }
    }
    for (const peer of wanted.values()) {
      this.event({ kind: 'join', ...peer, origin: peer.instanceId, seq: snapshot.seq, replaced: null });
      const room = registry.find(peer.sdkAppId, peer.roomId);
      const member = room?.memberOf(peer.userId);
      if (!room || !(member instanceof RemoteMember) || member.connectionId !== peer.connectionId) continue;
      if (member.role !== peer.role) {
        member.role = peer.role;
        room.changeRole(member, peer.role);
      }
      const streams = snapshot.streams.filter((s) => s.sessionId === peer.sessionId && s.connectionId === peer.connectionId);
      for (const stream of room.streamsOf(peer.userId)) {
        if (!streams.some((s) => s.streamId === stream.streamId)) room.unpublish(peer.userId, stream.streamId);
      }
      for (const stream of streams) this._publishMirrored(room, peer.userId, stream);
    }
  }

  reclaim(): void {
    const registry = this._registry!;
    this._log.warn('state store: re-announcing this instance\'s peers');
    for (const room of registry.rooms()) {
      for (const member of room.members()) {
        if (member instanceof RemoteMember) continue;
        void this.send(room, member, { kind: 'restore', ...this.recordOf(room, member) }).then((event) => {
          if (event?.kind === 'restore' && event.refused) member.evict('kick', DUPLICATE_MESSAGE);
        });
        for (const stream of room.streamsOf(member.userId)) void this.send(room, member, { kind: 'stream', stream });
      }
    }
  }

  private _apply(event: RoomEvent): void {
    const registry = this._registry!;
    if (event.kind === 'instance-down') {
      for (const room of registry.rooms()) {
        for (const member of room.members()) {
          if (member instanceof RemoteMember && member.instanceId === event.instanceId) registry.leave(room, member, 'timeout');
        }
      }
      return;
    }
    if (event.kind === 'join' || event.kind === 'restore') return this._applyJoin(event);
    const { sdkAppId, roomId } = parseSessionId(event.sessionId);
    const room = registry.find(sdkAppId, roomId);
    const member = room?.memberOf(event.userId);
    if (!room || !member || member.connectionId !== event.connectionId) return;
    if (event.kind === 'kick') {
      if (!(member instanceof RemoteMember)) member.evict(event.reason, event.message);
      return;
    }
    // Every other change is about a peer of another instance.
    if (!(member instanceof RemoteMember)) return;
    switch (event.kind) {
      case 'leave':
        registry.leave(room, member, event.reason, { silent: event.silent });
        return;
      case 'stream':
        this._publishMirrored(room, event.userId, event.stream);
        return;
      case 'unstream':
        if (room.streamsOf(event.userId).some((s) => s.streamId === event.streamId)) room.unpublish(event.userId, event.streamId);
        return;
      case 'role':
        if (member.role === event.role) return;
        member.role = event.role;
        room.changeRole(member, event.role);
        return;
    }
  }

  private _applyJoin(event: RoomEvent & { kind: 'join' | 'restore' }): void {
    const registry = this._registry!;
    let room = registry.find(event.sdkAppId, event.roomId);
    const previous = room?.memberOf(event.userId);
    if (previous) {
      if (previous.connectionId === event.connectionId) return;
      if (previous instanceof RemoteMember && event.kind === 'join' && event.resumed && previous.role === event.role) {
        // A reconnect within the grace on the peer's own instance: swap the mirror, tell no one.
        room!.replace(previous, new RemoteMember(event.sessionId, event.userId, event.connectionId, event.role, event.instanceId, this._kick));
        return;
      }
      if (previous instanceof RemoteMember) {
        registry.leave(room!, previous, 'kick');
      } else {
        // Our own connection of this user: the shared state says which is newer.
        // Not replaced means ours was recorded after this join: this event is stale.
        if (event.replaced !== previous.connectionId) return;
        previous.evict('kick', DUPLICATE_MESSAGE);
      }
    }
    const mirror = new RemoteMember(event.sessionId, event.userId, event.connectionId, event.role, event.instanceId, this._kick);
    room = registry.find(event.sdkAppId, event.roomId);
    if (room) room.add(mirror);
    else registry.join(event.sdkAppId, event.roomId, mirror, { mayCreate: true });
  }

  private _publishMirrored(room: Room, userId: string, stream: StreamInfo): void {
    const descriptor: StreamDescriptor = {
      streamId: stream.streamId,
      type: stream.type,
      hasAudio: stream.hasAudio,
      hasVideo: stream.hasVideo,
      audioMuted: stream.audioMuted,
      videoMuted: stream.videoMuted,
      simulcast: stream.simulcast,
    };
    room.publish(userId, descriptor);
  }

  private readonly _kick = (member: RemoteMember, reason: BanReason, message: string): void => {
    void this.send(member, member, { kind: 'kick', reason, message });
  };
}

/** The app and room of an ion-sfu session id (the inverse of `sfuSessionId`). */
export function parseSessionId(sessionId: string): { sdkAppId: number; roomId: RoomId } {
  const first = sessionId.indexOf(':');
  const kind = sessionId.slice(first + 1, first + 2);
  const rest = sessionId.slice(first + 3);
  return { sdkAppId: Number(sessionId.slice(0, first)), roomId: kind === 'n' ? Number(rest) : rest };
}
