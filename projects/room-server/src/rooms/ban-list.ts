/**
 * Bans of users from rooms (admin API): kept in the state store, so every
 * room-server instance enforces them, each with its expiry time. Nothing
 * here holds a timer: a ban ends when a read finds it expired (and, with
 * Redis, when its key's TTL runs out).
 */
import type { UnixClock } from '../auth/usersig.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { RpcError } from '../rpc/errors.js';
import type { RoomStateStore } from '../state/room-state-store.js';
import { withTimeout } from '../util/timeout.js';
import type { Room } from './room.js';
import { sfuSessionId } from './room-key.js';
import type { RoomRegistry } from './room-registry.js';
import type { BanRecord, RoomId, RoomMember } from './types.js';

/** Shortest and longest ban, seconds. */
export const BAN_DURATION_LIMITS = { min: 1, max: 7 * 86400 } as const;
/** Ban length when the request names none: one hour. */
export const DEFAULT_BAN_SECONDS = 3600;
/** How long a join waits for the state store to say whether the user is banned. */
export const BAN_CHECK_TIMEOUT_MS = 2000;

/** What an administrator asks for. */
export interface BanRequest {
  readonly sdkAppId: number;
  readonly roomId: RoomId;
  readonly userId: string;
  readonly durationSec?: number;
  readonly reason?: string;
}

/** What a ban did. */
export interface BanOutcome {
  readonly ban: BanRecord;
  /** The user was in the room (on any instance) and was evicted. */
  readonly removed: boolean;
}

/** The text a banned user is told, in `client-banned` and in a refused `room.join`. */
export function banMessage(ban: BanRecord): string {
  const until = new Date(ban.expiresAt * 1000).toISOString().replace('.000Z', 'Z');
  return `banned from this room until ${until}${ban.reason ? `: ${ban.reason}` : ''}`;
}

/** Bans, unbans, and the check `room.join` makes. */
export class BanList {
  constructor(
    private readonly _store: RoomStateStore,
    private readonly _registry: RoomRegistry,
    private readonly _clock: UnixClock,
    private readonly _metrics: ServerMetrics,
    private readonly _log: Logger,
  ) {}

  /**
   * Bans a user from a room for `durationSec` (default {@link DEFAULT_BAN_SECONDS});
   * a user in the room gets `client-banned {reason: 'banned'}` and is removed,
   * wherever connected. A new ban replaces the user's earlier one in that room.
   */
  async ban(request: BanRequest): Promise<BanOutcome> {
    const durationSec = request.durationSec ?? DEFAULT_BAN_SECONDS;
    if (!Number.isSafeInteger(durationSec) || durationSec < BAN_DURATION_LIMITS.min || durationSec > BAN_DURATION_LIMITS.max) {
      throw new RangeError(`durationSec must be an integer in ${BAN_DURATION_LIMITS.min}..${BAN_DURATION_LIMITS.max}`);
    }
    const now = this._clock();
    const ban: BanRecord = {
      sessionId: sfuSessionId(request.sdkAppId, request.roomId),
      sdkAppId: request.sdkAppId,
      roomId: request.roomId,
      userId: request.userId,
      createdAt: now,
      expiresAt: now + durationSec,
      reason: request.reason ?? null,
    };
    const message = banMessage(ban);
    const holder = await this._store.ban(ban, message);
    // The store evicts a connection held by another instance; this instance's own is evicted here.
    const member = this._registry.find(ban.sdkAppId, ban.roomId)?.memberOf(ban.userId);
    const isHandledElsewhere = holder !== null && holder.instanceId !== this._store.instanceId && member?.connectionId === holder.connectionId;
    if (member && !isHandledElsewhere) member.evict('banned', message);
    this._log.info('user banned', { sessionId: ban.sessionId, userId: ban.userId, expiresAt: ban.expiresAt, removed: holder !== null || !!member });
    return { ban, removed: holder !== null || !!member };
  }

  /** Lifts a ban; false when the user had none in force. */
  unban(sdkAppId: number, roomId: RoomId, userId: string): Promise<boolean> {
    return this._store.unban(sfuSessionId(sdkAppId, roomId), userId, this._clock());
  }

  /** Bans in force, optionally of one app or one room, soonest to end first. */
  async list(filter: { sdkAppId?: number; roomId?: RoomId } = {}): Promise<BanRecord[]> {
    const all = await this._store.bans(this._clock());
    return all
      .filter((b) => (filter.sdkAppId === undefined || b.sdkAppId === filter.sdkAppId) && (filter.roomId === undefined || b.roomId === filter.roomId))
      .sort((a, b) => a.expiresAt - b.expiresAt || a.sessionId.localeCompare(b.sessionId) || a.userId.localeCompare(b.userId));
  }

  /**
   * Refuses a banned user's `room.join` (BANNED, with the expiry in
   * `data.expiresAt`). A store that does not answer in
   * {@link BAN_CHECK_TIMEOUT_MS} lets the join through, logged: rooms keep
   * working through a Redis outage, and {@link recheck} evicts a banned user
   * once the join reaches the store.
   */
  async checkJoin(sdkAppId: number, roomId: RoomId, userId: string): Promise<void> {
    let ban: BanRecord | undefined;
    try {
      ban = await withTimeout(this._store.banOf(sfuSessionId(sdkAppId, roomId), userId, this._clock()), BAN_CHECK_TIMEOUT_MS, 'ban check');
    } catch (err) {
      this._log.warn('ban check failed; admitting the join', { sdkAppId, roomId, userId, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (!ban) return;
    this._metrics.bannedJoins.inc();
    throw new RpcError('BANNED', banMessage(ban), { facts: { expiresAt: ban.expiresAt } });
  }

  /**
   * Called once a local member's join is recorded in the store: a ban made
   * between its {@link checkJoin} and that record found no one to evict, so
   * it is looked for again now and the member evicted if banned.
   */
  async recheck(room: Room, member: RoomMember): Promise<void> {
    try {
      const ban = await this._store.banOf(room.sessionId, member.userId, this._clock());
      if (ban && room.memberOf(member.userId) === member) member.evict('banned', banMessage(ban));
    } catch (err) {
      // The next join of this user is checked again; nothing else to do with a store that cannot answer.
      this._log.warn('ban re-check failed', { sessionId: room.sessionId, userId: member.userId, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
