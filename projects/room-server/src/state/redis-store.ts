/**
 * The Redis {@link RoomStateStore}: room state in hashes, events on one
 * pub/sub channel. Every change runs as one Lua script that updates the
 * hashes, takes the next sequence number and PUBLISHes the event, so all
 * instances see changes in one total order, consistent with the state.
 *
 * Keys (prefix `ngx-trtc:` by default; a single Redis, not Redis Cluster):
 *   seq                         event sequence (INCR)
 *   rooms                       set of room session ids with peers
 *   room:<sid>:peers            hash userId → PeerRecord JSON
 *   room:<sid>:streams          hash streamId → stream JSON (+ sessionId, connectionId)
 *   room:<sid>:sfu              the room's ion-sfu node id
 *   room:<sid>:ban:<userId>     a user's ban from the room (JSON), expiring with the ban
 *   bans                        sorted set of [sid, userId] JSON by expiry, to list bans
 *   instances                   set of live instance ids
 *   instance:<id>               heartbeat, expires after 3 missed beats
 *   instance:<id>:peers         set of [sid, userId, connectionId] JSON, for clean-up
 *   events (channel)            {seq, origin, replaced, change}
 *
 * An instance whose heartbeat key expired is reaped by whichever instance
 * notices first: its peers leave the state and `instance-down` is published.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { BanRecord } from '../rooms/types.js';
import type { PeerRecord, RoomChange, RoomEvent, RoomEventHandler, RoomStateStore, StateSnapshot } from './room-state-store.js';

/** Settings of a {@link RedisStateStore}. */
export interface RedisStateStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  readonly url: string;
  /** Unique per instance; default hostname-pid-random. */
  readonly instanceId?: string | null;
  readonly keyPrefix?: string;
  /** Heartbeat period; an instance silent for 3 periods is reaped. */
  readonly heartbeatMs?: number;
  readonly log: Logger;
}

const LUA_HELPERS = `
local p = ARGV[1]
local function peersKey(sid) return p .. 'room:' .. sid .. ':peers' end
local function streamsKey(sid) return p .. 'room:' .. sid .. ':streams' end
local function indexKey(inst) return p .. 'instance:' .. inst .. ':peers' end
local function indexMember(sid, uid, conn) return cjson.encode({sid, uid, conn}) end
local function currentPeer(sid, uid)
  local v = redis.call('HGET', peersKey(sid), uid)
  if v then return cjson.decode(v) end
  return nil
end
local function dropStreams(sid, uid, conn)
  local all = redis.call('HGETALL', streamsKey(sid))
  for i = 1, #all, 2 do
    local s = cjson.decode(all[i + 1])
    if s.userId == uid and s.connectionId == conn then redis.call('HDEL', streamsKey(sid), all[i]) end
  end
end
local function dropPeer(sid, peer)
  dropStreams(sid, peer.userId, peer.connectionId)
  redis.call('HDEL', peersKey(sid), peer.userId)
  redis.call('SREM', indexKey(peer.instanceId), indexMember(sid, peer.userId, peer.connectionId))
  if redis.call('HLEN', peersKey(sid)) == 0 then
    redis.call('DEL', peersKey(sid), streamsKey(sid), p .. 'room:' .. sid .. ':sfu')
    redis.call('SREM', p .. 'rooms', sid)
  end
end
local function publish(origin, replaced, changeJson)
  local seq = redis.call('INCR', p .. 'seq')
  local r = 'null'
  if replaced then r = cjson.encode(replaced) end
  redis.call('PUBLISH', p .. 'events', '{"seq":' .. seq .. ',"origin":' .. cjson.encode(origin) .. ',"replaced":' .. r .. ',"change":' .. changeJson .. '}')
  return seq
end
`;

/** ARGV: prefix, change JSON, origin, stored JSON (peer record or stream). Returns {seq (0 = nothing recorded), replaced or '', refused 0/1}. */
const APPLY_SCRIPT = `${LUA_HELPERS}
local c = cjson.decode(ARGV[2])
local origin = ARGV[3]
local sid = c.sessionId
local cur = currentPeer(sid, c.userId)
local isCurrent = cur ~= nil and cur.connectionId == c.connectionId
local replaced = nil
if c.kind == 'join' or c.kind == 'restore' then
  if cur and not isCurrent then
    if c.kind == 'restore' then return {0, cur.connectionId, 1} end
    replaced = cur.connectionId
    dropStreams(sid, cur.userId, cur.connectionId)
    redis.call('SREM', indexKey(cur.instanceId), indexMember(sid, cur.userId, cur.connectionId))
  end
  redis.call('HSET', peersKey(sid), c.userId, ARGV[4])
  redis.call('SADD', p .. 'rooms', sid)
  redis.call('SADD', indexKey(c.instanceId), indexMember(sid, c.userId, c.connectionId))
elseif c.kind == 'leave' then
  if not isCurrent then return {0, '', 0} end
  dropPeer(sid, cur)
elseif c.kind == 'stream' then
  if not isCurrent then return {0, '', 0} end
  redis.call('HSET', streamsKey(sid), c.stream.streamId, ARGV[4])
elseif c.kind == 'unstream' then
  local v = redis.call('HGET', streamsKey(sid), c.streamId)
  if not v or cjson.decode(v).connectionId ~= c.connectionId then return {0, '', 0} end
  redis.call('HDEL', streamsKey(sid), c.streamId)
elseif c.kind == 'role' then
  if not isCurrent then return {0, '', 0} end
  cur.role = c.role
  redis.call('HSET', peersKey(sid), c.userId, cjson.encode(cur))
end
local seq = publish(origin, replaced, ARGV[2])
return {seq, replaced or '', 0}
`;

/** ARGV: prefix. Returns {seq, peer JSONs, stream JSONs}. */
const SNAPSHOT_SCRIPT = `${LUA_HELPERS}
local seq = tonumber(redis.call('GET', p .. 'seq') or '0')
local peers, streams = {}, {}
for _, sid in ipairs(redis.call('SMEMBERS', p .. 'rooms')) do
  for _, v in ipairs(redis.call('HVALS', peersKey(sid))) do peers[#peers + 1] = v end
  for _, v in ipairs(redis.call('HVALS', streamsKey(sid))) do streams[#streams + 1] = v end
end
return {seq, peers, streams}
`;

/** ARGV: prefix, instance id, ttl ms. Returns 1 when the instance was not registered (first beat, or it had been reaped). */
const HEARTBEAT_SCRIPT = `${LUA_HELPERS}
redis.call('SET', p .. 'instance:' .. ARGV[2], '1', 'PX', ARGV[3])
return redis.call('SADD', p .. 'instances', ARGV[2])
`;

/** ARGV: prefix, dead instance id, origin. Reaps the instance if its heartbeat expired; returns 1 if it did. */
const REAP_SCRIPT = `${LUA_HELPERS}
local dead = ARGV[2]
if redis.call('EXISTS', p .. 'instance:' .. dead) == 1 then return 0 end
if redis.call('SREM', p .. 'instances', dead) == 0 then return 0 end
for _, m in ipairs(redis.call('SMEMBERS', indexKey(dead))) do
  local t = cjson.decode(m)
  local cur = currentPeer(t[1], t[2])
  if cur and cur.connectionId == t[3] then dropPeer(t[1], cur) end
end
redis.call('DEL', indexKey(dead))
publish(ARGV[3], nil, '{"kind":"instance-down","instanceId":' .. cjson.encode(dead) .. '}')
return 1
`;

/**
 * ARGV: prefix, sid, userId, ban JSON, ttl s, expiresAt, now, origin, message.
 * Records the ban; if the user is in the room, publishes a kick (reason
 * banned) for its connection. Returns that peer's JSON, or ''.
 */
const BAN_SCRIPT = `${LUA_HELPERS}
local sid, uid = ARGV[2], ARGV[3]
redis.call('SET', p .. 'room:' .. sid .. ':ban:' .. uid, ARGV[4], 'EX', ARGV[5])
redis.call('ZREMRANGEBYSCORE', p .. 'bans', '-inf', ARGV[7])
redis.call('ZADD', p .. 'bans', ARGV[6], cjson.encode({sid, uid}))
local cur = redis.call('HGET', peersKey(sid), uid)
if not cur then return '' end
local peer = cjson.decode(cur)
publish(ARGV[8], nil, cjson.encode({kind = 'kick', reason = 'banned', message = ARGV[9], sessionId = sid, userId = uid, connectionId = peer.connectionId}))
return cur
`;

/** ARGV: prefix, sid, userId. Deletes the ban; returns its JSON, or ''. */
const UNBAN_SCRIPT = `${LUA_HELPERS}
local key = p .. 'room:' .. ARGV[2] .. ':ban:' .. ARGV[3]
local v = redis.call('GET', key)
redis.call('DEL', key)
redis.call('ZREM', p .. 'bans', cjson.encode({ARGV[2], ARGV[3]}))
return v or ''
`;

/** ARGV: prefix, now. Drops bans expired by now; returns the JSON of the others. */
const BANS_SCRIPT = `${LUA_HELPERS}
redis.call('ZREMRANGEBYSCORE', p .. 'bans', '-inf', ARGV[2])
local out = {}
for _, m in ipairs(redis.call('ZRANGE', p .. 'bans', 0, -1)) do
  local t = cjson.decode(m)
  local v = redis.call('GET', p .. 'room:' .. t[1] .. ':ban:' .. t[2])
  if v then out[#out + 1] = v else redis.call('ZREM', p .. 'bans', m) end
end
return out
`;

/** ARGV: prefix, sid, node, previous ('' = none). Returns the room's node. */
const ASSIGN_SCRIPT = `${LUA_HELPERS}
local key = p .. 'room:' .. ARGV[2] .. ':sfu'
local cur = redis.call('GET', key)
if not cur or cur == ARGV[4] then
  redis.call('SET', key, ARGV[3])
  return ARGV[3]
end
return cur
`;

interface ScriptedRedis extends Redis {
  rsApply(prefix: string, change: string, origin: string, stored: string): Promise<[number, string, number]>;
  rsSnapshot(prefix: string): Promise<[number, string[], string[]]>;
  rsHeartbeat(prefix: string, instanceId: string, ttlMs: number): Promise<number>;
  rsReap(prefix: string, dead: string, origin: string): Promise<number>;
  rsAssign(prefix: string, sessionId: string, nodeId: string, previous: string): Promise<string>;
  rsBan(prefix: string, sessionId: string, userId: string, ban: string, ttlSeconds: number, expiresAt: number, now: number, origin: string, message: string): Promise<string>;
  rsUnban(prefix: string, sessionId: string, userId: string): Promise<string>;
  rsBans(prefix: string, now: number): Promise<string[]>;
}

interface WireEvent {
  readonly seq: number;
  readonly origin: string;
  readonly replaced: string | null;
  readonly change: RoomChange | { kind: 'instance-down'; instanceId: string };
}

/** Room state shared through Redis. */
export class RedisStateStore implements RoomStateStore {
  readonly instanceId: string;
  private readonly _prefix: string;
  private readonly _heartbeatMs: number;
  private readonly _log: Logger;
  private readonly _cmd: ScriptedRedis;
  private readonly _sub: Redis;
  /** The URL without credentials, for messages. */
  private readonly _where: string;
  private _handler: RoomEventHandler | undefined;
  private _timer: NodeJS.Timeout | undefined;
  /** Events received while a snapshot is being read; null when delivering live. */
  private _buffer: WireEvent[] | null = [];
  private _lastSeq = 0;
  private _subscriberReadies = 0;
  private readonly _pending = new Set<Promise<unknown>>();
  private _isClosed = false;

  constructor(options: RedisStateStoreOptions) {
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this._prefix = options.keyPrefix ?? 'ngx-trtc:';
    this._heartbeatMs = options.heartbeatMs ?? 2000;
    this._log = options.log.child({ component: 'redis', instance: this.instanceId });
    const where = new URL(options.url);
    where.username = '';
    where.password = '';
    this._where = where.toString();
    const common = {
      lazyConnect: true,
      // Commands wait through a reconnect instead of failing after 20 retries.
      maxRetriesPerRequest: null,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    };
    this._cmd = new Redis(options.url, { ...common, connectionName: `room-server:${this.instanceId}` }) as ScriptedRedis;
    this._cmd.defineCommand('rsApply', { numberOfKeys: 0, lua: APPLY_SCRIPT });
    this._cmd.defineCommand('rsSnapshot', { numberOfKeys: 0, lua: SNAPSHOT_SCRIPT });
    this._cmd.defineCommand('rsHeartbeat', { numberOfKeys: 0, lua: HEARTBEAT_SCRIPT });
    this._cmd.defineCommand('rsReap', { numberOfKeys: 0, lua: REAP_SCRIPT });
    this._cmd.defineCommand('rsAssign', { numberOfKeys: 0, lua: ASSIGN_SCRIPT });
    this._cmd.defineCommand('rsBan', { numberOfKeys: 0, lua: BAN_SCRIPT });
    this._cmd.defineCommand('rsUnban', { numberOfKeys: 0, lua: UNBAN_SCRIPT });
    this._cmd.defineCommand('rsBans', { numberOfKeys: 0, lua: BANS_SCRIPT });
    this._sub = new Redis(options.url, { ...common, connectionName: `room-server:${this.instanceId}:events` });
    for (const [name, conn] of [['commands', this._cmd], ['events', this._sub]] as const) {
      // ioredis reconnects by itself; an 'error' listener keeps the process alive meanwhile.
      conn.on('error', (err: Error) => this._log.warn('redis connection error', { connection: name, error: err.message }));
    }
  }

  async start(handler: RoomEventHandler): Promise<StateSnapshot> {
    this._handler = handler;
    try {
      await Promise.all([this._cmd.connect(), this._sub.connect()]);
    } catch (err) {
      throw new Error(`cannot reach Redis at ${this._where}`, { cause: err });
    }
    this._sub.on('message', (_channel: string, message: string) => this._onMessage(message));
    this._sub.on('ready', () => {
      // Not the first connection: events may have been lost while it was down.
      if (++this._subscriberReadies > 1) void this._resync();
    });
    await this._sub.subscribe(`${this._prefix}events`);
    this._subscriberReadies = 1;
    await this._cmd.rsHeartbeat(this._prefix, this.instanceId, this._heartbeatMs * 3);
    this._timer = setInterval(() => void this._tick(), this._heartbeatMs);
    this._timer.unref();
    return this._readSnapshot();
  }

  apply(change: RoomChange): Promise<RoomEvent> {
    if (this._isClosed) return Promise.reject(new Error('the state store is closed'));
    const stored =
      change.kind === 'join' || change.kind === 'restore'
        ? JSON.stringify(peerRecordOf(change))
        : change.kind === 'stream'
          ? JSON.stringify({ ...change.stream, sessionId: change.sessionId, connectionId: change.connectionId })
          : '';
    const run = this._cmd.rsApply(this._prefix, JSON.stringify(change), this.instanceId, stored).then(([seq, replaced, refused]): RoomEvent => ({
      ...change,
      origin: this.instanceId,
      seq: Number(seq),
      ...(change.kind === 'join' || change.kind === 'restore' ? { replaced: replaced === '' ? null : replaced, refused: refused === 1 } : {}),
    }));
    return this._track(run);
  }

  sfuNodeOf(sessionId: string): Promise<string | undefined> {
    return this._track(this._cmd.get(`${this._prefix}room:${sessionId}:sfu`).then((v) => v ?? undefined));
  }

  assignSfuNode(sessionId: string, nodeId: string, previous: string | undefined): Promise<string> {
    return this._track(this._cmd.rsAssign(this._prefix, sessionId, nodeId, previous ?? ''));
  }

  ban(ban: BanRecord, message: string): Promise<PeerRecord | null> {
    if (this._isClosed) return Promise.reject(new Error('the state store is closed'));
    // Redis expires the key by itself; the expiry time is checked on every read as well.
    const ttlSeconds = Math.max(1, ban.expiresAt - ban.createdAt);
    const run = this._cmd
      .rsBan(this._prefix, ban.sessionId, ban.userId, JSON.stringify(ban), ttlSeconds, ban.expiresAt, ban.createdAt, this.instanceId, message)
      .then((peer) => (peer === '' ? null : (JSON.parse(peer) as PeerRecord)));
    return this._track(run);
  }

  unban(sessionId: string, userId: string, now: number): Promise<boolean> {
    const run = this._cmd.rsUnban(this._prefix, sessionId, userId).then((v) => v !== '' && now < (JSON.parse(v) as BanRecord).expiresAt);
    return this._track(run);
  }

  banOf(sessionId: string, userId: string, now: number): Promise<BanRecord | undefined> {
    const run = this._cmd.get(`${this._prefix}room:${sessionId}:ban:${userId}`).then((v) => {
      const ban = v === null ? undefined : (JSON.parse(v) as BanRecord);
      return ban && now < ban.expiresAt ? ban : undefined;
    });
    return this._track(run);
  }

  bans(now: number): Promise<BanRecord[]> {
    return this._track(this._cmd.rsBans(this._prefix, now).then((all) => all.map((v) => JSON.parse(v) as BanRecord).filter((b) => now < b.expiresAt)));
  }

  async close(options: { graceful?: boolean } = {}): Promise<void> {
    if (this._isClosed) return;
    this._isClosed = true;
    clearInterval(this._timer);
    this._handler = undefined;
    if (options.graceful === false) {
      this._cmd.disconnect();
      this._sub.disconnect();
      return;
    }
    await Promise.allSettled([...this._pending]);
    try {
      // Anything still recorded for this instance is cleaned up at once instead of after the heartbeat expires.
      await this._cmd.del(`${this._prefix}instance:${this.instanceId}`);
      await this._cmd.rsReap(this._prefix, this.instanceId, this.instanceId);
      await Promise.all([this._cmd.quit(), this._sub.quit()]);
    } catch (err) {
      this._log.warn('redis: unclean close', { error: err instanceof Error ? err.message : String(err) });
      this._cmd.disconnect();
      this._sub.disconnect();
    }
  }

  private _track<T>(promise: Promise<T>): Promise<T> {
    this._pending.add(promise);
    const done = (): void => void this._pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  private async _readSnapshot(): Promise<StateSnapshot> {
    this._buffer ??= [];
    const [seq, peers, streams] = await this._cmd.rsSnapshot(this._prefix);
    const snapshot: StateSnapshot = { seq: Number(seq), peers: peers.map((p) => JSON.parse(p)), streams: streams.map((s) => JSON.parse(s)) };
    this._lastSeq = snapshot.seq;
    const buffered = this._buffer;
    this._buffer = null;
    // Events the snapshot already contains are dropped; later ones are delivered after it.
    queueMicrotask(() => {
      for (const event of buffered) this._deliver(event);
    });
    return snapshot;
  }

  private async _resync(): Promise<void> {
    if (this._isClosed) return;
    try {
      this._buffer = [];
      const snapshot = await this._readSnapshot();
      this._log.info('redis: event delivery resumed; resynchronising', { seq: snapshot.seq });
      this._handler?.resync(snapshot);
    } catch (err) {
      this._buffer = null;
      this._log.warn('redis: resync failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private _onMessage(message: string): void {
    let event: WireEvent;
    try {
      event = JSON.parse(message) as WireEvent;
    } catch {
      this._log.warn('redis: unreadable event');
      return;
    }
    if (this._buffer) this._buffer.push(event);
    else this._deliver(event);
  }

  private _deliver(wire: WireEvent): void {
    if (wire.seq <= this._lastSeq) return;
    this._lastSeq = wire.seq;
    const handler = this._handler;
    if (!handler) return;
    if (wire.change.kind === 'instance-down') {
      if (wire.change.instanceId === this.instanceId) handler.reclaim();
      else handler.event({ kind: 'instance-down', instanceId: wire.change.instanceId, origin: wire.origin, seq: wire.seq });
      return;
    }
    if (wire.origin === this.instanceId) return;
    handler.event({ ...wire.change, origin: wire.origin, seq: wire.seq, ...(wire.change.kind === 'join' || wire.change.kind === 'restore' ? { replaced: wire.replaced } : {}) });
  }

  private async _tick(): Promise<void> {
    try {
      const added = await this._cmd.rsHeartbeat(this._prefix, this.instanceId, this._heartbeatMs * 3);
      if (added === 1) {
        // This instance had been reaped (Redis unreachable for too long): its peers must be announced again.
        this._log.warn('redis: this instance had been declared dead; re-announcing its peers');
        this._handler?.reclaim();
      }
      for (const id of await this._cmd.smembers(`${this._prefix}instances`)) {
        if (id !== this.instanceId && (await this._cmd.rsReap(this._prefix, id, this.instanceId)) === 1) {
          this._log.warn('redis: reaped a silent instance', { dead: id });
        }
      }
    } catch (err) {
      this._log.warn('redis: heartbeat failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function peerRecordOf(change: RoomChange & { kind: 'join' | 'restore' }): object {
  const { kind: _kind, ...record } = change;
  return record;
}
