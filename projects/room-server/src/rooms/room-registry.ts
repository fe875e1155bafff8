/**
 * Every room on this server, keyed by ion-sfu session id, with the
 * server-wide limits and the duplicate-identity rule.
 */
import { RpcError } from '../rpc/errors.js';
import { Room } from './room.js';
import { sfuSessionId } from './room-key.js';
import { resumes, type LeaveReason, type RoomId, type RoomMember } from './types.js';

/** Room and peer limits. */
export interface RoomLimits {
  readonly maxRooms: number;
  readonly maxPeersPerRoom: number;
}

/** Rooms on this server. */
export class RoomRegistry {
  private readonly _rooms = new Map<string, Room>();

  constructor(
    private readonly _limits: RoomLimits,
    /** Makes a room (the cluster's rooms report their changes to the state store). */
    private readonly _createRoom: (sdkAppId: number, roomId: RoomId) => Room = (sdkAppId, roomId) => new Room(sdkAppId, roomId),
  ) {}

  /** Number of rooms. */
  get roomCount(): number {
    return this._rooms.size;
  }

  /** Number of members over all rooms. */
  get peerCount(): number {
    let n = 0;
    for (const room of this._rooms.values()) n += room.size;
    return n;
  }

  /** The room, if it exists. */
  find(sdkAppId: number, roomId: RoomId): Room | undefined {
    return this._rooms.get(sfuSessionId(sdkAppId, roomId));
  }

  /**
   * Puts `member` into the room, creating the room when allowed. A member of
   * the same user already there is evicted first (`client-banned`, reason
   * `kick`). Throws SERVER_FULL, ROOM_FULL, or PRIVILEGE_DENIED when the
   * room would have to be created and `mayCreate` is false.
   */
  join(sdkAppId: number, roomId: RoomId, member: RoomMember, options: { mayCreate: boolean }): Room {
    const key = sfuSessionId(sdkAppId, roomId);
    const current = this._rooms.get(key);
    const previous = current?.memberOf(member.userId);
    if (!current) {
      if (this._rooms.size >= this._limits.maxRooms) throw new RpcError('SERVER_FULL', 'room limit of this server reached');
      if (!options.mayCreate) throw new RpcError('PRIVILEGE_DENIED', 'privateMapKey does not allow creating the room');
    } else if (!previous && current.size >= this._limits.maxPeersPerRoom) {
      throw new RpcError('ROOM_FULL', 'peer limit of this room reached');
    }
    if (current && resumes(previous, member)) {
      previous.handOver();
      current.replace(previous, member);
      return current;
    }
    if (previous) {
      // The older connection goes; evict() leaves the room through leave(),
      // which may drop the room if it emptied, so look it up again below.
      previous.evict('kick', 'the same user joined the room from another connection');
      const stillThere = this._rooms.get(key)?.memberOf(member.userId);
      if (stillThere) this.leave(this._rooms.get(key)!, stillThere, 'kick');
    }
    let room = this._rooms.get(key);
    if (!room) {
      room = this._createRoom(sdkAppId, roomId);
      this._rooms.set(key, room);
    }
    room.add(member);
    return room;
  }

  /** Takes a member out of its room (idempotent); an emptied room is dropped. */
  leave(room: Room, member: RoomMember, reason: LeaveReason, options: { silent?: boolean } = {}): void {
    room.remove(member, reason, options);
    if (room.size === 0 && this._rooms.get(room.sessionId) === room) this._rooms.delete(room.sessionId);
  }

  /** Evicts one user (`client-banned`, reason `kick`); false when not found. */
  kick(sdkAppId: number, roomId: RoomId, userId: string, message = 'removed by the administrator'): boolean {
    const member = this.find(sdkAppId, roomId)?.memberOf(userId);
    if (!member) return false;
    member.evict('kick', message);
    return true;
  }

  /** Evicts everyone (`client-banned`, reason `room-disband`) and drops the room; false when not found. */
  dismiss(sdkAppId: number, roomId: RoomId, message = 'the room was dismissed'): boolean {
    const room = this.find(sdkAppId, roomId);
    if (!room) return false;
    for (const member of room.members()) member.evict('room-disband', message);
    this._rooms.delete(room.sessionId);
    return true;
  }

  /** Every room (a copy). */
  rooms(): Room[] {
    return [...this._rooms.values()];
  }
}
