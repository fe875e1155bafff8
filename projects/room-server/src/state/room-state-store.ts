/**
 * Shared room state and the event bus between room-server instances. Each
 * instance keeps its own rooms (see cluster-sync.ts); a store records every
 * membership and stream change cluster-wide and delivers it, in one total
 * order, to every other instance. Two implementations: {@link MemoryStateStore}
 * (default, one process) and {@link RedisStateStore} (hashes + pub/sub).
 */
import type { BanReason, BanRecord, LeaveReason, Role, RoomId, StreamInfo } from '../rooms/types.js';

/** Identifies one connection of one user in one room. */
export interface PeerRef {
  /** ion-sfu session id of the room (`sfuSessionId`). */
  readonly sessionId: string;
  readonly userId: string;
  readonly connectionId: string;
}

/** A peer as the shared state records it. */
export interface PeerRecord extends PeerRef {
  readonly sdkAppId: number;
  readonly roomId: RoomId;
  readonly role: Role;
  /** The room-server instance holding the connection. */
  readonly instanceId: string;
}

/** A change an instance makes to its rooms, to be recorded and fanned out. */
export type RoomChange =
  /** `resumed`: the user's new connection took over a dropped one within the reconnect grace (no leave/join for anyone). */
  | ({ readonly kind: 'join'; readonly resumed?: boolean } & PeerRecord)
  /** Like join, but only if the user has no connection recorded (an instance restoring its peers). */
  | ({ readonly kind: 'restore' } & PeerRecord)
  | ({ readonly kind: 'leave'; readonly reason: LeaveReason; readonly silent: boolean } & PeerRef)
  | ({ readonly kind: 'stream'; readonly stream: StreamInfo } & PeerRef)
  | ({ readonly kind: 'unstream'; readonly streamId: string } & PeerRef)
  | ({ readonly kind: 'role'; readonly role: Role } & PeerRef)
  /** A command, no state: the holding instance evicts the connection. */
  | ({ readonly kind: 'kick'; readonly reason: BanReason; readonly message: string } & PeerRef);

/** What a store delivers: a change plus where it came from and its place in the total order. */
export type RoomEvent =
  | (RoomChange & {
      readonly origin: string;
      readonly seq: number;
      /** join/restore: the connection the user had before (its holder evicts it), if any. */
      readonly replaced?: string | null;
      /** restore: refused because the user is connected elsewhere. */
      readonly refused?: boolean;
    })
  /** An instance stopped renewing its heartbeat; its peers were removed from the shared state. */
  | { readonly kind: 'instance-down'; readonly instanceId: string; readonly origin: string; readonly seq: number };

/** Every room's peers and streams at one point of the event order. */
export interface StateSnapshot {
  /** Events with a seq above this come after the snapshot. */
  readonly seq: number;
  readonly peers: PeerRecord[];
  readonly streams: Array<StreamInfo & { readonly sessionId: string; readonly connectionId: string }>;
}

/** Receives events from other instances, in order. */
export interface RoomEventHandler {
  event(event: RoomEvent): void;
  /** The delivery was interrupted (events may be lost): resynchronise from this snapshot. */
  resync(snapshot: StateSnapshot): void;
  /** This instance was declared dead while still running: re-announce its peers. */
  reclaim(): void;
}

/** Shared room state + event fan-out. */
export interface RoomStateStore {
  /** This room-server instance's id (unique in the cluster). */
  readonly instanceId: string;
  /** Registers the instance, subscribes, and returns the state to start from. */
  start(handler: RoomEventHandler): Promise<StateSnapshot>;
  /** Records a change and delivers it to the other instances. Resolves with the event as recorded. */
  apply(change: RoomChange): Promise<RoomEvent>;
  /** The ion-sfu node a room is assigned to, if any. */
  sfuNodeOf(sessionId: string): Promise<string | undefined>;
  /**
   * Assigns a room to a node unless another instance assigned it to some node
   * other than `previous` meanwhile; resolves with the node the room is on.
   */
  assignSfuNode(sessionId: string, nodeId: string, previous: string | undefined): Promise<string>;
  /**
   * Records a ban (replacing the user's earlier one in that room), to expire
   * by itself at `ban.expiresAt`. If the user is connected to the room, the
   * instance holding that connection is told, in the same step, to evict it
   * (a `kick` event, reason `banned`; not delivered to this instance): so a
   * join recorded before the ban is evicted, and one recorded after it finds
   * the ban. Resolves with that connection's record, if any.
   */
  ban(ban: BanRecord, message: string): Promise<PeerRecord | null>;
  /** Lifts a user's ban from a room; resolves whether a ban in force at `now` (Unix seconds) was lifted. */
  unban(sessionId: string, userId: string, now: number): Promise<boolean>;
  /** The user's ban from the room in force at `now` (Unix seconds), if any. */
  banOf(sessionId: string, userId: string, now: number): Promise<BanRecord | undefined>;
  /** Every ban in force at `now` (Unix seconds), of every room. */
  bans(now: number): Promise<BanRecord[]>;
  /** Stops: a graceful stop waits for pending changes and deregisters; otherwise it just drops the connection. */
  close(options?: { graceful?: boolean }): Promise<void>;
}
