/**
 * Two room-server instances sharing room state, over real sockets on
 * loopback with a fake ion-sfu: peers of one room connected to different
 * instances see each other as on one server. Run once with in-memory
 * stores sharing a bus and once with a real redis-server.
 */
import { randomUUID } from 'node:crypto';
import { generateUserSig } from '../../src/auth/usersig.js';
import { sfuSessionId } from '../../src/rooms/room-key.js';
import { silentLogger } from '../../src/log.js';
import type { RoomServerConfigInput } from '../../src/config.js';
import { startRoomServer, type RunningRoomServer } from '../../src/server.js';
import { MemoryStateBus, MemoryStateStore } from '../../src/state/memory-store.js';
import { fakeSfuFactory } from '../support/fake-sfu-link.js';
import { findRedisServer, startRedis, type RedisProcess } from '../support/redis-process.js';
import { NOW, SDK_APP_ID, SECRET_KEY } from '../support/session-harness.js';
import { WsTestClient } from '../support/ws-client.js';

const ADMIN_SECRET = 'admin-secret-for-tests-0123456789';
const ROOM = 4242;
const redisBinary = findRedisServer();
/** The instances' clock (Unix seconds); a test moves it to let a ban expire. */
let now = NOW;
const sig = (userId: string) => generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds: 3600, now: NOW });

/** Polls until `check` holds. */
async function eventually(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Which stores two instances share. */
interface Backend {
  /** Config and deps for one of a pair of instances. */
  instance(): { state?: RoomServerConfigInput['state']; stateStore?: MemoryStateStore };
}

function clusterSpecs(name: string, backend: () => Backend | undefined, skip: () => string | undefined): void {
  describe(`two room-servers sharing state (${name})`, () => {
    let servers: RunningRoomServer[] = [];
    const clients: WsTestClient[] = [];

    async function startPair(): Promise<[RunningRoomServer, RunningRoomServer]> {
      const b = backend()!;
      for (let i = 0; i < 2; i++) {
        const { state, stateStore } = b.instance();
        servers.push(
          await startRoomServer(
            { port: 0, apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }], staticDir: null, logLevel: 'silent', adminSecret: ADMIN_SECRET, ...(state ? { state } : {}) },
            { log: silentLogger, clock: () => now, sfuLinkFactory: fakeSfuFactory().factory, ...(stateStore ? { stateStore } : {}) },
          ),
        );
      }
      return [servers[0]!, servers[1]!];
    }

    /** Whether `server` knows `userId` is in the room (joined there or mirrored from the other instance). */
    const knows = (server: RunningRoomServer, userId: string, roomId: number | string = ROOM): boolean =>
      server.registry.find(SDK_APP_ID, roomId)?.memberOf(userId) !== undefined;

    async function join(server: RunningRoomServer, userId: string, extra: Record<string, unknown> = {}): Promise<{ client: WsTestClient; snapshot: Record<string, unknown> }> {
      const client = await WsTestClient.connect(server.url);
      clients.push(client);
      const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId: ROOM, mode: 'rtc', ...extra });
      if (res.error) throw new Error(JSON.stringify(res.error));
      return { client, snapshot: res.result! };
    }

    const methods = (c: WsTestClient): string[] => c.notifications.map((f) => f.method ?? '');
    const paramsOf = (c: WsTestClient, method: string): Array<Record<string, unknown>> => c.notifications.filter((f) => f.method === method).map((f) => f.params ?? {});

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(servers.map((s) => s.close()));
      servers = [];
      now = NOW;
    });

    it('peers on different instances see each other join (snapshot and peer-join) and leave', async () => {
      if (skip()) return pending(skip());
      const [s1, s2] = await startPair();
      const alice = await join(s1, 'alice');
      await eventually(() => knows(s2, 'alice'), 'alice on s2');
      const bob = await join(s2, 'bob');
      expect(bob.snapshot['peers']).toEqual([{ userId: 'alice', role: 'anchor' }]);
      expect((await alice.client.waitFor('peer-join')).params).toEqual({ userId: 'bob', role: 'anchor' });
      await bob.client.request('room.leave');
      expect((await alice.client.waitFor('peer-leave')).params).toEqual({ userId: 'bob', reason: 'leave' });
      await eventually(() => !knows(s1, 'bob'), 'bob gone from s1');
    });

    it('streams, mute events and role changes cross instances exactly as on one server', async () => {
      if (skip()) return pending(skip());
      const [s1, s2] = await startPair();
      const alice = await join(s1, 'alice', { mode: 'live', role: 'anchor' });
      const published = await alice.client.request('stream.publish', { streamId: 'alice-main', type: 'main', hasAudio: true, hasVideo: true });
      expect(published.error).toBeUndefined();
      await eventually(() => s2.registry.find(SDK_APP_ID, ROOM)?.streamCount === 1, 'stream on s2');
      const viewer = await join(s2, 'viewer', { mode: 'live', role: 'audience' });
      expect(viewer.snapshot['streams']).toEqual([jasmine.objectContaining({ streamId: 'alice-main', userId: 'alice', type: 'main', hasAudio: true, hasVideo: true })]);

      await alice.client.request('stream.publish', { streamId: 'alice-share', type: 'auxiliary', hasAudio: false, hasVideo: true });
      expect((await viewer.client.waitFor('stream-added')).params?.['stream']).toEqual(jasmine.objectContaining({ streamId: 'alice-share', type: 'auxiliary' }));
      await alice.client.request('stream.update', { streamId: 'alice-main', audioMuted: true });
      await viewer.client.waitFor('mute-audio');
      await alice.client.request('stream.update', { streamId: 'alice-main', audioMuted: false, videoMuted: true });
      await viewer.client.waitFor('mute-video');
      await alice.client.request('stream.unpublish', { streamId: 'alice-share' });
      await viewer.client.waitFor('stream-removed');
      expect(methods(viewer.client)).toEqual(['stream-added', 'stream-updated', 'mute-audio', 'stream-updated', 'unmute-audio', 'mute-video', 'stream-removed']);
      expect(paramsOf(viewer.client, 'stream-updated')[1]!['stream']).toEqual(jasmine.objectContaining({ audioMuted: false, videoMuted: true }));

      // role changes, both ways
      expect((await viewer.client.request('room.switchRole', { role: 'anchor' })).result).toEqual({ role: 'anchor' });
      expect((await alice.client.waitFor('role-changed')).params).toEqual({ userId: 'viewer', role: 'anchor' });
      await alice.client.request('room.switchRole', { role: 'audience' });
      // everyone, the switcher included, hears of a role change
      await eventually(() => paramsOf(viewer.client, 'role-changed').length === 2, 'role-changed at viewer');
      // becoming audience withdraws alice's stream first
      expect(methods(viewer.client).slice(-2)).toEqual(['stream-removed', 'role-changed']);
      expect(paramsOf(viewer.client, 'role-changed')).toEqual([{ userId: 'viewer', role: 'anchor' }, { userId: 'alice', role: 'audience' }]);
    });

    it('a duplicate userId on the other instance kicks the older connection', async () => {
      if (skip()) return pending(skip());
      const [s1, s2] = await startPair();
      const old = await join(s1, 'alice');
      await old.client.request('stream.publish', { streamId: 'old-main', type: 'main', hasAudio: true, hasVideo: false });
      const bob = await join(s1, 'bob');
      await eventually(() => knows(s2, 'alice') && knows(s2, 'bob') && s2.registry.find(SDK_APP_ID, ROOM)!.streamCount === 1, 'mirrors on s2');
      const fresh = await join(s2, 'alice');
      expect(fresh.snapshot['peers']).toEqual([{ userId: 'bob', role: 'anchor' }]);
      expect(fresh.snapshot['streams']).toEqual([]);
      expect((await old.client.waitFor('client-banned')).params?.['reason']).toBe('kick');
      expect((await old.client.closed).code).toBe(4000);
      await eventually(() => methods(bob.client).includes('peer-join'), 'bob sees the new alice');
      expect(methods(bob.client)).toEqual(['stream-removed', 'peer-leave', 'peer-join']);
      expect(paramsOf(bob.client, 'peer-leave')[0]).toEqual({ userId: 'alice', reason: 'kick' });
      // both instances agree on who is in the room
      await new Promise((r) => setTimeout(r, 100));
      for (const s of [s1, s2]) expect(s.registry.find(SDK_APP_ID, ROOM)!.members().map((m) => `${m.userId}:${m.connectionId}`).sort()).toEqual(
        s1.registry.find(SDK_APP_ID, ROOM)!.members().map((m) => `${m.userId}:${m.connectionId}`).sort(),
      );
      expect(fresh.client.notifications.map((f) => f.method)).toEqual([]);
    });

    it('admin kick and dismiss on one instance reach peers on the other', async () => {
      if (skip()) return pending(skip());
      const [s1, s2] = await startPair();
      const alice = await join(s1, 'alice');
      const bob = await join(s1, 'bob');
      const carol = await join(s2, 'carol');
      await eventually(() => knows(s2, 'alice') && knows(s2, 'bob') && knows(s1, 'carol'), 'mirrors');
      const admin = (server: RunningRoomServer, path: string, body: unknown): Promise<Response> =>
        fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', headers: { 'x-admin-secret': ADMIN_SECRET, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await admin(s2, '/admin/kick', { sdkAppId: SDK_APP_ID, roomId: ROOM, userId: 'alice' })).status).toBe(200);
      expect((await alice.client.waitFor('client-banned')).params).toEqual({ reason: 'kick', message: 'removed by the administrator' });
      expect((await carol.client.waitFor('peer-leave')).params).toEqual({ userId: 'alice', reason: 'kick' });
      expect((await admin(s2, '/admin/dismiss', { sdkAppId: SDK_APP_ID, roomId: ROOM })).status).toBe(200);
      for (const c of [bob, carol]) {
        expect((await c.client.waitFor('client-banned')).params?.['reason']).toBe('room-disband');
        expect((await c.client.closed).code).toBe(4000);
      }
      await eventually(() => !s1.registry.find(SDK_APP_ID, ROOM) && !s2.registry.find(SDK_APP_ID, ROOM), 'room gone everywhere');
    });

    it('an admin ban on one instance removes the user from the other and refuses their join on every instance until it ends', async () => {
      if (skip()) return pending(skip());
      const [s1, s2] = await startPair();
      const alice = await join(s1, 'alice');
      const carol = await join(s2, 'carol');
      await eventually(() => knows(s2, 'alice') && knows(s1, 'carol'), 'mirrors');
      const admin = (server: RunningRoomServer, path: string, body: unknown): Promise<Response> =>
        fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', headers: { 'x-admin-secret': ADMIN_SECRET, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const res = await admin(s2, '/admin/ban', { sdkAppId: SDK_APP_ID, roomId: ROOM, userId: 'alice', durationSec: 300 });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { removed: boolean }).removed).toBeTrue();
      expect((await alice.client.waitFor('client-banned')).params?.['reason']).toBe('banned');
      expect((await alice.client.closed).code).toBe(4000);
      expect((await carol.client.waitFor('peer-leave')).params).toEqual({ userId: 'alice', reason: 'kick' });
      await eventually(() => !knows(s1, 'alice') && !knows(s2, 'alice'), 'alice gone everywhere');
      for (const s of [s1, s2]) {
        const refused = await WsTestClient.connect(s.url);
        clients.push(refused);
        const answer = await refused.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'alice', userSig: sig('alice'), roomId: ROOM, mode: 'rtc' });
        expect(answer.error).toEqual(jasmine.objectContaining({ code: 4032, message: 'BANNED', data: jasmine.objectContaining({ expiresAt: NOW + 300 }) }));
      }
      const listed = (await (await fetch(`http://127.0.0.1:${s1.port}/admin/bans`, { headers: { 'x-admin-secret': ADMIN_SECRET } })).json()) as { bans: unknown[] };
      expect(listed.bans).toEqual([jasmine.objectContaining({ userId: 'alice', roomId: ROOM, expiresAt: NOW + 300 })]);
      // Unbanned through the first instance, alice may join through the second.
      expect((await admin(s1, '/admin/unban', { sdkAppId: SDK_APP_ID, roomId: ROOM, userId: 'alice' })).status).toBe(200);
      const back = await join(s2, 'alice');
      await back.client.request('room.leave');
      // A ban ends by itself at its expiry.
      await admin(s1, '/admin/ban', { sdkAppId: SDK_APP_ID, roomId: ROOM, userId: 'alice', durationSec: 60 });
      await expectAsync(join(s2, 'alice')).toBeRejectedWithError(/BANNED/);
      now = NOW + 60;
      expect((await join(s2, 'alice')).snapshot['peers']).toEqual([{ userId: 'carol', role: 'anchor' }]);
      expect(methods(carol.client).filter((m) => m === 'peer-join').length).toBe(2);
    });

    it('when an instance dies, the others drop its peers (stream-removed, peer-leave timeout)', async () => {
      if (skip()) return pending(skip());
      const [s1, s2] = await startPair();
      const alice = await join(s1, 'alice');
      await alice.client.request('stream.publish', { streamId: 'alice-main', type: 'main', hasAudio: true, hasVideo: true });
      await eventually(() => s2.registry.find(SDK_APP_ID, ROOM)?.streamCount === 1, 'stream on s2');
      const bob = await join(s2, 'bob');
      // A crash: the store stops without a word, then the connections go (their leaves can no longer be recorded).
      await s1.stateStore.close({ graceful: false });
      await s1.close();
      await eventually(() => methods(bob.client).includes('peer-leave'), 'peer-leave at bob', 10_000);
      expect(methods(bob.client)).toEqual(['stream-removed', 'peer-leave']);
      expect(paramsOf(bob.client, 'peer-leave')[0]).toEqual({ userId: 'alice', reason: 'timeout' });
      expect(knows(s2, 'alice')).toBeFalse();
      // and the room carries on: a new peer on the survivor sees only bob
      const carol = await join(s2, 'carol');
      expect(carol.snapshot['peers']).toEqual([{ userId: 'bob', role: 'anchor' }]);
    });

    it('a peer joining its room on any instance gets the same ion-sfu session id', async () => {
      if (skip()) return pending(skip());
      const [s1, s2] = await startPair();
      await join(s1, 'alice');
      await join(s2, 'bob');
      expect(s1.registry.find(SDK_APP_ID, ROOM)!.sessionId).toBe(sfuSessionId(SDK_APP_ID, ROOM));
      expect(s2.registry.find(SDK_APP_ID, ROOM)!.sessionId).toBe(sfuSessionId(SDK_APP_ID, ROOM));
    });
  });
}

clusterSpecs(
  'in memory',
  () => {
    const bus = new MemoryStateBus();
    return { instance: () => ({ stateStore: new MemoryStateStore(bus) }) };
  },
  () => undefined,
);

describe('with redis', () => {
  let redis: RedisProcess | undefined;
  beforeAll(async () => {
    if (redisBinary) redis = await startRedis(redisBinary);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  clusterSpecs(
    'redis',
    () => {
      const keyPrefix = `c${randomUUID().slice(0, 8)}:`;
      return { instance: () => ({ state: { kind: 'redis', url: redis!.url, keyPrefix, heartbeatMs: 200 } }) };
    },
    () => (redis ? undefined : 'no redis-server (install Debian\'s redis-server or set REDIS_SERVER_BIN)'),
  );
});
