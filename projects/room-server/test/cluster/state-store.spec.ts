/**
 * The RoomStateStore contract, run against both implementations: the
 * in-memory store (stores sharing one bus) and the Redis store (against a
 * real redis-server on loopback).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger } from '../../src/log.js';
import { MemoryStateBus, MemoryStateStore } from '../../src/state/memory-store.js';
import { RedisStateStore } from '../../src/state/redis-store.js';
import type { PeerRecord, RoomEvent, RoomEventHandler, RoomStateStore, StateSnapshot } from '../../src/state/room-state-store.js';
import type { BanRecord, StreamInfo } from '../../src/rooms/types.js';
import { findRedisServer, startRedis, type RedisProcess } from '../support/redis-process.js';

const redisBinary = findRedisServer();
const SID = '1400000001:n:42';
/** A Unix time (seconds) for bans. */
const T0 = 1_700_000_000;

/** Records what a store delivers. */
class RecordingHandler implements RoomEventHandler {
  readonly events: RoomEvent[] = [];
  readonly resyncs: StateSnapshot[] = [];
  reclaims = 0;
  event(event: RoomEvent): void {
    this.events.push(event);
  }
  resync(snapshot: StateSnapshot): void {
    this.resyncs.push(snapshot);
  }
  reclaim(): void {
    this.reclaims++;
  }
  /** Resolves once `count` events arrived. */
  async waitForEvents(count: number, timeoutMs = 5000): Promise<RoomEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.events.length} of ${count} events: ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.events;
  }
}

const peer = (store: RoomStateStore, userId: string, connectionId = `${userId}-${randomUUID().slice(0, 6)}`): PeerRecord => ({
  sessionId: SID,
  sdkAppId: 1400000001,
  roomId: 42,
  userId,
  connectionId,
  role: 'anchor',
  instanceId: store.instanceId,
});

const stream = (userId: string, streamId: string): StreamInfo => ({
  streamId,
  userId,
  type: 'main',
  hasAudio: true,
  hasVideo: true,
  audioMuted: false,
  videoMuted: false,
  simulcast: false,
});

interface Fixture {
  makeStore(instanceId?: string): RoomStateStore;
}

function contract(name: string, setup: () => Fixture | undefined, skipReason: () => string | undefined): void {
  describe(`${name} state store`, () => {
    let fixture: Fixture;
    const stores: RoomStateStore[] = [];
    const started = async (instanceId?: string): Promise<{ store: RoomStateStore; handler: RecordingHandler; snapshot: StateSnapshot }> => {
      const store = fixture.makeStore(instanceId);
      stores.push(store);
      const handler = new RecordingHandler();
      const snapshot = await store.start(handler);
      return { store, handler, snapshot };
    };

    beforeEach(() => {
      const f = setup();
      if (f) fixture = f;
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    it('delivers a join to the other instances, not back to its origin, and a snapshot to a late starter', async () => {
      if (skipReason()) return pending(skipReason());
      const a = await started();
      const b = await started();
      const alice = peer(a.store, 'alice');
      await a.store.apply({ kind: 'join', ...alice });
      await a.store.apply({ kind: 'stream', sessionId: SID, userId: 'alice', connectionId: alice.connectionId, stream: stream('alice', 's1') });
      const [join, added] = await b.handler.waitForEvents(2);
      expect(join).toEqual(jasmine.objectContaining({ kind: 'join', userId: 'alice', connectionId: alice.connectionId, origin: a.store.instanceId, replaced: null }));
      expect(added).toEqual(jasmine.objectContaining({ kind: 'stream', stream: stream('alice', 's1') }));
      expect(added!.seq).toBeGreaterThan(join!.seq);
      expect(a.handler.events).toEqual([]);
      const c = await started();
      expect(c.snapshot.peers).toEqual([alice]);
      expect(c.snapshot.streams).toEqual([{ ...stream('alice', 's1'), sessionId: SID, connectionId: alice.connectionId }]);
      expect(c.snapshot.seq).toBe(added!.seq);
    });

    it('a second join of a user replaces the first (reported as replaced) and drops its streams', async () => {
      if (skipReason()) return pending(skipReason());
      const a = await started();
      const b = await started();
      const first = peer(a.store, 'alice');
      await a.store.apply({ kind: 'join', ...first });
      await a.store.apply({ kind: 'stream', sessionId: SID, userId: 'alice', connectionId: first.connectionId, stream: stream('alice', 's1') });
      const second = peer(b.store, 'alice');
      const event = await b.store.apply({ kind: 'join', ...second });
      expect(event).toEqual(jasmine.objectContaining({ replaced: first.connectionId }));
      const [seen] = await a.handler.waitForEvents(1);
      expect(seen).toEqual(jasmine.objectContaining({ kind: 'join', connectionId: second.connectionId, replaced: first.connectionId }));
      // The replaced connection's late leave changes nothing and is not published.
      expect((await a.store.apply({ kind: 'leave', sessionId: SID, userId: 'alice', connectionId: first.connectionId, reason: 'kick', silent: false })).seq).toBe(0);
      const late = await started();
      expect(late.snapshot.peers).toEqual([second]);
      expect(late.snapshot.streams).toEqual([]);
    });

    it('restore only re-registers a user who is not connected elsewhere', async () => {
      if (skipReason()) return pending(skipReason());
      const a = await started();
      const b = await started();
      const old = peer(a.store, 'alice');
      await b.store.apply({ kind: 'join', ...peer(b.store, 'alice') });
      expect(await a.store.apply({ kind: 'restore', ...old })).toEqual(jasmine.objectContaining({ refused: true }));
      const bob = peer(a.store, 'bob');
      expect(await a.store.apply({ kind: 'restore', ...bob })).toEqual(jasmine.objectContaining({ refused: false }));
    });

    it('records leave, unstream and role; drops changes of a connection that is not current; relays kicks', async () => {
      if (skipReason()) return pending(skipReason());
      const a = await started();
      const b = await started();
      const alice = peer(a.store, 'alice');
      const ref = { sessionId: SID, userId: 'alice', connectionId: alice.connectionId };
      await a.store.apply({ kind: 'join', ...alice });
      await a.store.apply({ kind: 'stream', ...ref, stream: stream('alice', 's1') });
      await a.store.apply({ kind: 'unstream', ...ref, streamId: 's1' });
      await a.store.apply({ kind: 'role', ...ref, role: 'audience' });
      expect((await a.store.apply({ kind: 'stream', ...ref, connectionId: 'stale', stream: stream('alice', 's2') })).seq).toBe(0);
      await b.store.apply({ kind: 'kick', ...ref, reason: 'kick', message: 'bye' });
      await a.store.apply({ kind: 'leave', ...ref, reason: 'leave', silent: false });
      expect((await b.handler.waitForEvents(5)).map((e) => e.kind)).toEqual(['join', 'stream', 'unstream', 'role', 'leave']);
      expect((await a.handler.waitForEvents(1)).map((e) => e.kind)).toEqual(['kick']);
      expect((await started()).snapshot.peers).toEqual([]);
    });

    it('records bans with their expiry; a ban of a connected user tells its instance to evict it; bans outlive the room', async () => {
      if (skipReason()) return pending(skipReason());
      const a = await started();
      const b = await started();
      const alice = peer(a.store, 'alice');
      await a.store.apply({ kind: 'join', ...alice });
      await b.handler.waitForEvents(1);
      const ban = (userId: string, expiresAt: number): BanRecord => ({ sessionId: SID, sdkAppId: 1400000001, roomId: 42, userId, createdAt: T0, expiresAt, reason: 'flooding' });
      // Banned through the other instance: the holder gets a kick with reason banned, the banning instance nothing.
      expect(await b.store.ban(ban('alice', T0 + 60), 'banned for a minute')).toEqual(alice);
      const [kick] = await a.handler.waitForEvents(1);
      expect(kick).toEqual(jasmine.objectContaining({ kind: 'kick', reason: 'banned', message: 'banned for a minute', userId: 'alice', connectionId: alice.connectionId, origin: b.store.instanceId }));
      expect(b.handler.events.length).toBe(1);
      // Nobody connected: recorded, nothing published.
      expect(await a.store.ban(ban('bob', T0 + 30), 'x')).toBeNull();
      await a.store.apply({ kind: 'leave', sessionId: SID, userId: 'alice', connectionId: alice.connectionId, reason: 'kick', silent: false });
      // The room is empty now; its bans stay.
      expect(await b.store.banOf(SID, 'alice', T0)).toEqual(ban('alice', T0 + 60));
      expect(await b.store.banOf(SID, 'alice', T0 + 59)).toEqual(ban('alice', T0 + 60));
      expect(await b.store.banOf(SID, 'alice', T0 + 60)).toBeUndefined();
      expect(await b.store.banOf('1400000001:n:43', 'alice', T0)).toBeUndefined();
      expect((await a.store.bans(T0)).map((x) => x.userId).sort()).toEqual(['alice', 'bob']);
      expect((await a.store.bans(T0 + 30)).map((x) => x.userId)).toEqual(['alice']);
      // A later ban replaces the earlier one.
      await a.store.ban(ban('alice', T0 + 600), 'longer');
      expect((await b.store.banOf(SID, 'alice', T0 + 300))?.expiresAt).toBe(T0 + 600);
      expect(await b.store.unban(SID, 'alice', T0)).toBeTrue();
      expect(await b.store.unban(SID, 'alice', T0)).toBeFalse();
      expect(await a.store.banOf(SID, 'alice', T0)).toBeUndefined();
      // An expired ban is not "lifted".
      expect(await a.store.unban(SID, 'bob', T0 + 30)).toBeFalse();
      expect(await a.store.bans(T0)).toEqual([]);
    });

    it('records a room\'s ion-sfu node; a conflicting assignment yields the current one', async () => {
      if (skipReason()) return pending(skipReason());
      const a = await started();
      const b = await started();
      expect(await a.store.sfuNodeOf(SID)).toBeUndefined();
      expect(await a.store.assignSfuNode(SID, 'sfu-1', undefined)).toBe('sfu-1');
      expect(await b.store.assignSfuNode(SID, 'sfu-2', undefined)).toBe('sfu-1');
      expect(await b.store.assignSfuNode(SID, 'sfu-2', 'sfu-1')).toBe('sfu-2');
      expect(await a.store.sfuNodeOf(SID)).toBe('sfu-2');
    });

    it('an instance that goes away without leaving loses its peers; the others get instance-down', async () => {
      if (skipReason()) return pending(skipReason());
      const a = await started();
      const b = await started();
      await a.store.apply({ kind: 'join', ...peer(a.store, 'alice') });
      await b.handler.waitForEvents(1);
      await a.store.close({ graceful: false });
      // Redis notices through the expired heartbeat (3 × 200 ms here), memory at once.
      const events = await b.handler.waitForEvents(2, 8000);
      expect(events[1]).toEqual(jasmine.objectContaining({ kind: 'instance-down', instanceId: a.store.instanceId }));
      expect((await started()).snapshot.peers).toEqual([]);
    });
  });
}

contract(
  'memory',
  () => {
    const bus = new MemoryStateBus();
    return { makeStore: (id?: string) => new MemoryStateStore(bus, id) };
  },
  () => undefined,
);

describe('redis (real redis-server)', () => {
  let redis: RedisProcess | undefined;
  beforeAll(async () => {
    if (redisBinary) redis = await startRedis(redisBinary);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  contract(
    'redis',
    () => {
      if (!redis) return undefined;
      // A key prefix per test keeps tests apart in one redis-server.
      const keyPrefix = `t${randomUUID().slice(0, 8)}:`;
      return { makeStore: (instanceId?: string) => new RedisStateStore({ url: redis!.url, keyPrefix, instanceId: instanceId ?? null, heartbeatMs: 200, log: silentLogger }) };
    },
    () => (redis ? undefined : 'no redis-server (install Debian\'s redis-server or set REDIS_SERVER_BIN)'),
  );

  it('keeps each ban in a key that Redis expires with the ban, and forgets expired ones in its index', async () => {
    if (!redis) return pending('no redis-server');
    const keyPrefix = `t${randomUUID().slice(0, 8)}:`;
    const store = new RedisStateStore({ url: redis.url, keyPrefix, heartbeatMs: 200, log: silentLogger });
    const admin = new Redis(redis.url);
    try {
      await store.start(new RecordingHandler());
      const now = Math.floor(Date.now() / 1000);
      await store.ban({ sessionId: SID, sdkAppId: 1400000001, roomId: 42, userId: 'alice', createdAt: now, expiresAt: now + 90, reason: null }, 'm');
      await store.ban({ sessionId: SID, sdkAppId: 1400000001, roomId: 42, userId: 'bob', createdAt: now, expiresAt: now + 1, reason: null }, 'm');
      const ttl = await admin.ttl(`${keyPrefix}room:${SID}:ban:alice`);
      expect(ttl).toBeGreaterThan(80);
      expect(ttl).toBeLessThanOrEqual(90);
      expect(await admin.zcard(`${keyPrefix}bans`)).toBe(2);
      // Redis drops bob's key by itself after a second; listing then prunes the index too.
      const deadline = Date.now() + 5000;
      while ((await admin.exists(`${keyPrefix}room:${SID}:ban:bob`)) === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await store.bans(now)).map((b) => b.userId)).toEqual(['alice']);
      expect(await admin.zcard(`${keyPrefix}bans`)).toBe(1);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  it('resynchronises from a snapshot when its event subscription is cut', async () => {
    if (!redis) return pending('no redis-server');
    const keyPrefix = `t${randomUUID().slice(0, 8)}:`;
    const make = (): RedisStateStore => new RedisStateStore({ url: redis!.url, keyPrefix, heartbeatMs: 200, log: silentLogger });
    const a = make();
    const b = make();
    const handler = new RecordingHandler();
    await a.start(new RecordingHandler());
    await b.start(handler);
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
      const deadline = Date.now() + 5000;
      while (handler.resyncs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(handler.resyncs.length).toBe(1);
    } finally {
      admin.disconnect();
      await Promise.all([a.close(), b.close()]);
    }
  });
});
