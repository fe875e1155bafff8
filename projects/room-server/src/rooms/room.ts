/**
 * One room: its members, their streams, and the notifications that keep
 * every member's view of both in step.
 */
import { RpcError } from '../rpc/errors.js';
import { sfuSessionId } from './room-key.js';
import type {
  LeaveReason,
  PeerInfo,
  Role,
  RoomId,
  RoomMember,
  ServerNotification,
  StreamDescriptor,
  StreamInfo,
} from './types.js';

/** A partial update of a stream's flags. */
export type StreamPatch = Partial<Pick<StreamDescriptor, 'hasAudio' | 'hasVideo' | 'audioMuted' | 'videoMuted' | 'simulcast'>>;

/** Members, presence and the stream registry of one room. */
export class Room {
  /** ion-sfu session id. */
  readonly sessionId: string;
  private readonly _members = new Map<string, RoomMember>();
  /** Stream registry: stream id (msid) → stream. */
  private readonly _streams = new Map<string, StreamInfo>();

  constructor(
    readonly sdkAppId: number,
    readonly roomId: RoomId,
  ) {
    this.sessionId = sfuSessionId(sdkAppId, roomId);
  }

  /** Number of members. */
  get size(): number {
    return this._members.size;
  }

  /** Number of published streams. */
  get streamCount(): number {
    return this._streams.size;
  }

  /** The member with this user id, if any. */
  memberOf(userId: string): RoomMember | undefined {
    return this._members.get(userId);
  }

  /** Every member (a copy, safe to iterate while members leave). */
  members(): RoomMember[] {
    return [...this._members.values()];
  }

  /** Adds a member and tells the others (`peer-join`). The caller has made room for it. */
  add(member: RoomMember): void {
    if (this._members.has(member.userId)) throw new RpcError('INTERNAL', 'user is already a member');
    this._members.set(member.userId, member);
    this._broadcast({ method: 'peer-join', params: peerInfo(member) }, member.userId);
  }

  /**
   * Removes a member (if it still is one: a replaced connection is not),
   * withdrawing its streams first (`stream-removed`), then `peer-leave`.
   */
  remove(member: RoomMember, reason: LeaveReason, options: { silent?: boolean } = {}): boolean {
    if (this._members.get(member.userId) !== member) return false;
    for (const stream of this.streamsOf(member.userId)) {
      this._streams.delete(stream.streamId);
      if (!options.silent) this._broadcast({ method: 'stream-removed', params: { stream } }, member.userId);
    }
    this._members.delete(member.userId);
    if (!options.silent) this._broadcast({ method: 'peer-leave', params: { userId: member.userId, reason } }, member.userId);
    return true;
  }

  /**
   * Puts `member` in `previous`'s place, keeping the user's streams and
   * telling no one: a reconnect within the grace is not a leave and a join.
   */
  replace(previous: RoomMember, member: RoomMember): void {
    if (this._members.get(previous.userId) !== previous || previous.userId !== member.userId) {
      throw new RpcError('INTERNAL', 'only a member can be replaced, by the same user');
    }
    this._members.set(member.userId, member);
  }

  /** What a joining member sees: everyone else and their streams. */
  snapshotFor(userId: string): { peers: PeerInfo[]; streams: StreamInfo[] } {
    const peers = [...this._members.values()].filter((m) => m.userId !== userId).map(peerInfo);
    const streams = [...this._streams.values()].filter((s) => s.userId !== userId);
    return { peers, streams };
  }

  /** A user's streams. */
  streamsOf(userId: string): StreamInfo[] {
    return [...this._streams.values()].filter((s) => s.userId === userId);
  }

  /**
   * Registers a stream and tells the others (`stream-added`). Re-publishing
   * one's own stream id replaces it (`stream-updated`). Throws
   * STREAM_CONFLICT for another user's stream id, or a second stream of the same type.
   */
  publish(userId: string, descriptor: StreamDescriptor): StreamInfo {
    const existing = this._streams.get(descriptor.streamId);
    if (existing && existing.userId !== userId) throw new RpcError('STREAM_CONFLICT', 'stream id is taken by another user');
    const sameType = this.streamsOf(userId).find((s) => s.type === descriptor.type && s.streamId !== descriptor.streamId);
    if (sameType) throw new RpcError('STREAM_CONFLICT', `a ${descriptor.type} stream is already published (${sameType.streamId})`);
    const stream: StreamInfo = { ...descriptor, userId };
    this._streams.set(stream.streamId, stream);
    if (existing) this._notifyChanged(existing, stream);
    else this._broadcast({ method: 'stream-added', params: { stream } }, userId);
    return stream;
  }

  /** Withdraws one of the user's streams (`stream-removed`). Throws STREAM_NOT_FOUND. */
  unpublish(userId: string, streamId: string): StreamInfo {
    const stream = this._ownStream(userId, streamId);
    this._streams.delete(streamId);
    this._broadcast({ method: 'stream-removed', params: { stream } }, userId);
    return stream;
  }

  /**
   * Updates a stream's flags: `stream-updated` when anything changed, plus
   * `mute-*`/`unmute-*` for each mute flag that flipped. Throws STREAM_NOT_FOUND.
   */
  update(userId: string, streamId: string, patch: StreamPatch): StreamInfo {
    const before = this._ownStream(userId, streamId);
    const after: StreamInfo = { ...before, ...definedOnly(patch) };
    this._streams.set(streamId, after);
    this._notifyChanged(before, after);
    return after;
  }

  /** Tells everyone (including the member) about a role change (`role-changed`); an audience member's streams are withdrawn. */
  changeRole(member: RoomMember, role: Role): void {
    if (role === 'audience') {
      for (const stream of this.streamsOf(member.userId)) this.unpublish(member.userId, stream.streamId);
    }
    this._broadcast({ method: 'role-changed', params: { userId: member.userId, role } });
  }

  private _ownStream(userId: string, streamId: string): StreamInfo {
    const stream = this._streams.get(streamId);
    if (!stream || stream.userId !== userId) throw new RpcError('STREAM_NOT_FOUND', `no stream ${streamId} of yours`);
    return stream;
  }

  private _notifyChanged(before: StreamInfo, after: StreamInfo): void {
    const changed = (Object.keys(after) as (keyof StreamInfo)[]).some((k) => before[k] !== after[k]);
    if (!changed) return;
    const target = { userId: after.userId, streamId: after.streamId };
    this._broadcast({ method: 'stream-updated', params: { stream: after } }, after.userId);
    if (before.audioMuted !== after.audioMuted) {
      this._broadcast({ method: after.audioMuted ? 'mute-audio' : 'unmute-audio', params: target }, after.userId);
    }
    if (before.videoMuted !== after.videoMuted) {
      this._broadcast({ method: after.videoMuted ? 'mute-video' : 'unmute-video', params: target }, after.userId);
    }
  }

  private _broadcast(notification: ServerNotification, exceptUserId?: string): void {
    for (const member of this._members.values()) {
      if (member.userId !== exceptUserId) member.notify(notification);
    }
  }
}

function peerInfo(member: RoomMember): PeerInfo {
  return { userId: member.userId, role: member.role };
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
