/**
 * room-server as a whole, over real sockets on loopback, with a fake
 * ion-sfu link: HTTP endpoints, WebSocket limits, heartbeat, admin API.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { verifyUserSig } from '../src/auth/usersig.js';
import { silentLogger } from '../src/log.js';
import { startRoomServer, type RoomServerDeps, type RunningRoomServer } from '../src/server.js';
import { MemoryStateStore } from '../src/state/memory-store.js';
import { fakeSfuFactory } from './support/fake-sfu-link.js';
import { DATACHANNEL_OFFER } from './support/sdp.js';
import { NOW, SDK_APP_ID, SECRET_KEY } from './support/session-harness.js';
import { WsTestClient } from './support/ws-client.js';
import { generateUserSig } from '../src/auth/usersig.js';

const ADMIN_SECRET = 'admin-secret-for-tests-0123456789';
/** The servers' clock (Unix seconds); tests move it to let bans expire. */
let now = NOW;

async function start(over: Record<string, unknown> = {}, deps: RoomServerDeps = {}): Promise<RunningRoomServer> {
  return startRoomServer(
    {
      port: 0,
      host: '127.0.0.1',
      apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }],
      staticDir: null,
      logLevel: 'silent',
      ...over,
    },
    { log: silentLogger, clock: () => now, sfuLinkFactory: fakeSfuFactory().factory, ...deps },
  );
}

const sig = (userId: string) => generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds: 3600, now: NOW });

async function joinedClient(server: RunningRoomServer, userId: string, roomId: number | string = 1): Promise<WsTestClient> {
  const client = await WsTestClient.connect(server.url);
  const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId, mode: 'rtc' });
  if (res.error) throw new Error(JSON.stringify(res.error));
  return client;
}

function http(server: RunningRoomServer, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}${path}`, init);
}

describe('room-server (loopback, fake ion-sfu)', () => {
  let server: RunningRoomServer;
  const clients: WsTestClient[] = [];
  const track = (c: WsTestClient): WsTestClient => (clients.push(c), c);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    now = NOW;
  });

  describe('HTTP', () => {
    it('answers /healthz and /metrics', async () => {
      server = await start();
      track(await joinedClient(server, 'alice'));
      const health = (await (await http(server, '/healthz')).json()) as Record<string, unknown>;
      expect(health).toEqual(jasmine.objectContaining({ status: 'ok', rooms: 1, peers: 1, connections: 1 }));
      const res = await http(server, '/metrics');
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      for (const line of ['roomserver_rooms 1', 'roomserver_peers 1', 'roomserver_joins_total 1', '# TYPE roomserver_auth_failures_total counter']) {
        expect(text).toContain(line);
      }
    });

    it('counts auth failures by reason in /metrics', async () => {
      server = await start();
      const c = track(await WsTestClient.connect(server.url));
      await c.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'bob', userSig: sig('alice'), roomId: 1, mode: 'rtc' });
      expect(await (await http(server, '/metrics')).text()).toContain('roomserver_auth_failures_total{reason="USERSIG_WRONG_USER"} 1');
    });

    it('serves /dev/usersig only in dev mode', async () => {
      server = await start();
      expect((await http(server, '/dev/usersig?userId=alice')).status).toBe(404);
      await server.close();
      server = await start({ devMode: true });
      const body = (await (await http(server, `/dev/usersig?userId=alice&sdkAppId=${SDK_APP_ID}`)).json()) as { userSig: string };
      expect(() => verifyUserSig(body.userSig, { sdkAppId: SDK_APP_ID, userId: 'alice', secretKeyOf: () => SECRET_KEY, clock: () => NOW })).not.toThrow();
      expect((await http(server, '/dev/usersig?userId=a%20b')).status).toBe(400);
      expect((await http(server, '/dev/usersig?userId=alice&sdkAppId=7')).status).toBe(400);
      const withKey = (await (await http(server, '/dev/usersig?userId=alice&roomId=5&privileges=3')).json()) as { privateMapKey?: string };
      expect(withKey.privateMapKey).toBeDefined();
    });

    it('serves the app with SPA fallback and never outside its directory', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'room-server-static-'));
      try {
        mkdirSync(join(dir, 'assets'));
        writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
        writeFileSync(join(dir, 'assets', 'main.js'), 'console.log(1)');
        server = await start({ staticDir: dir });
        const index = await http(server, '/');
        expect(index.status).toBe(200);
        expect(index.headers.get('content-type')).toContain('text/html');
        expect((await http(server, '/assets/main.js')).headers.get('content-type')).toContain('javascript');
        expect(await (await http(server, '/room/42')).text()).toContain('<title>app</title>');
        expect((await http(server, '/missing.js')).status).toBe(404);
        for (const path of ['/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/assets/..%2f..%2f..%2fetc%2fpasswd']) {
          expect(await (await http(server, path)).text()).withContext(path).not.toContain('root:');
        }
        expect((await http(server, '/rtc')).status).toBe(426);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('admin API', () => {
    const post = (path: string, body: unknown, secret?: string) =>
      http(server, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret ? { 'x-admin-secret': secret } : {}) },
        body: JSON.stringify(body),
      });

    it('is disabled without an admin secret', async () => {
      server = await start();
      expect((await post('/admin/kick', { sdkAppId: SDK_APP_ID, roomId: 1, userId: 'a' }, 'x')).status).toBe(404);
    });

    it('refuses a wrong secret and bad bodies', async () => {
      server = await start({ adminSecret: ADMIN_SECRET });
      expect((await post('/admin/kick', { sdkAppId: SDK_APP_ID, roomId: 1, userId: 'a' })).status).toBe(401);
      expect((await post('/admin/kick', { sdkAppId: SDK_APP_ID, roomId: 1, userId: 'a' }, 'wrong')).status).toBe(401);
      expect((await post('/admin/kick', { sdkAppId: SDK_APP_ID, roomId: 1 }, ADMIN_SECRET)).status).toBe(400);
      expect((await post('/admin/kick', { sdkAppId: SDK_APP_ID, roomId: 1, userId: 'x'.repeat(5000) }, ADMIN_SECRET)).status).toBe(413);
      expect((await http(server, '/admin/kick', { headers: { 'x-admin-secret': ADMIN_SECRET } })).status).toBe(405);
    });

    it('kicks a user (client-banned kick) and dismisses a room (client-banned room-disband)', async () => {
      server = await start({ adminSecret: ADMIN_SECRET });
      const alice = track(await joinedClient(server, 'alice'));
      const bob = track(await joinedClient(server, 'bob'));
      const carol = track(await joinedClient(server, 'carol'));
      expect((await post('/admin/kick', { sdkAppId: SDK_APP_ID, roomId: 1, userId: 'alice' }, ADMIN_SECRET)).status).toBe(200);
      expect((await alice.waitFor('client-banned')).params).toEqual({ reason: 'kick', message: 'removed by the administrator' });
      expect((await alice.closed).code).toBe(4000);
      expect((await bob.waitFor('peer-leave')).params).toEqual({ userId: 'alice', reason: 'kick' });
      expect((await post('/admin/kick', { sdkAppId: SDK_APP_ID, roomId: 1, userId: 'alice' }, ADMIN_SECRET)).status).toBe(404);
      expect((await post('/admin/dismiss', { sdkAppId: SDK_APP_ID, roomId: 1 }, ADMIN_SECRET)).status).toBe(200);
      for (const c of [bob, carol]) {
        expect((await c.waitFor('client-banned')).params?.['reason']).toBe('room-disband');
        expect((await c.closed).code).toBe(4000);
      }
      expect(server.registry.roomCount).toBe(0);
    });
  });

  describe('admin API: bans', () => {
    const post = (path: string, body: unknown, secret: string | undefined = ADMIN_SECRET) =>
      http(server, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret ? { 'x-admin-secret': secret } : {}) },
        body: JSON.stringify(body),
      });
    const listBans = async (query = ''): Promise<Array<Record<string, unknown>>> => {
      const res = await http(server, `/admin/bans${query}`, { headers: { 'x-admin-secret': ADMIN_SECRET } });
      expect(res.status).withContext(query).toBe(200);
      return ((await res.json()) as { bans: Array<Record<string, unknown>> }).bans;
    };
    const tryJoin = async (userId: string, roomId: number | string = 1) => {
      const client = track(await WsTestClient.connect(server.url));
      return { client, res: await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId, mode: 'rtc' }) };
    };
    const ban = (extra: Record<string, unknown> = {}) => ({ sdkAppId: SDK_APP_ID, roomId: 1, userId: 'alice', ...extra });

    it('removes a banned user from the room (client-banned banned, 4000) and refuses their joins to it until the ban ends', async () => {
      server = await start({ adminSecret: ADMIN_SECRET });
      const alice = track(await joinedClient(server, 'alice'));
      const bob = track(await joinedClient(server, 'bob'));
      await alice.request('stream.publish', { streamId: 'alice-cam', type: 'main', hasAudio: true, hasVideo: true });
      const res = await post('/admin/ban', ban({ durationSec: 600, reason: 'spamming the chat' }));
      expect(res.status).toBe(200);
      const expiresAt = NOW + 600;
      expect(await res.json()).toEqual({
        banned: true,
        removed: true,
        ban: { sdkAppId: SDK_APP_ID, roomId: 1, userId: 'alice', createdAt: NOW, expiresAt, reason: 'spamming the chat' },
      });
      const until = new Date(expiresAt * 1000).toISOString().replace('.000Z', 'Z');
      expect((await alice.waitFor('client-banned')).params).toEqual({ reason: 'banned', message: `banned from this room until ${until}: spamming the chat` });
      expect(await alice.closed).toEqual({ code: 4000, reason: 'banned' });
      expect((await bob.waitFor('peer-leave')).params).toEqual({ userId: 'alice', reason: 'kick' });
      expect(bob.notifications.map((f) => f.method)).toEqual(['stream-added', 'stream-removed', 'peer-leave']);

      const again = await tryJoin('alice');
      expect(again.res.error).toEqual({ code: 4032, message: 'BANNED', data: { detail: `banned from this room until ${until}: spamming the chat`, expiresAt } });
      expect(server.registry.find(SDK_APP_ID, 1)!.memberOf('alice')).toBeUndefined();
      expect(bob.notifications.some((f) => f.method === 'peer-join')).withContext('a refused join is no peer-join').toBeFalse();
      // The ban is of one user from one room: other rooms and other users are unaffected.
      expect((await tryJoin('alice', 2)).res.result).toBeDefined();
      expect((await tryJoin('carol')).res.result).toBeDefined();
      // The refused connection may try again on the same socket once the ban is over.
      now = expiresAt - 1;
      expect((await again.client.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'alice', userSig: sig('alice'), roomId: 1, mode: 'rtc' })).error?.message).toBe('BANNED');
      now = expiresAt;
      expect((await again.client.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'alice', userSig: sig('alice'), roomId: 1, mode: 'rtc' })).result).toBeDefined();
      expect(await listBans()).toEqual([]);
      const metrics = await (await http(server, '/metrics')).text();
      expect(metrics).toContain('roomserver_banned_joins_total 2');
      expect(metrics).toContain('roomserver_kicks_total{reason="banned"} 1');
    });

    it('bans a user who is not in the room yet (removed: false), for an hour by default, without a reason', async () => {
      server = await start({ adminSecret: ADMIN_SECRET });
      const res = await post('/admin/ban', ban({ roomId: 'town hall' }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(jasmine.objectContaining({ removed: false, ban: jasmine.objectContaining({ roomId: 'town hall', expiresAt: NOW + 3600, reason: null }) }));
      const refused = (await tryJoin('alice', 'town hall')).res.error;
      expect(refused?.message).toBe('BANNED');
      expect(refused?.data?.detail).toBe(`banned from this room until ${new Date((NOW + 3600) * 1000).toISOString().replace('.000Z', 'Z')}`);
      // Room ids keep their namespaces: a string room is not the numeric room of the same digits.
      await post('/admin/ban', ban({ roomId: 7 }));
      expect((await tryJoin('alice', '7')).res.result).toBeDefined();
    });

    it('unbans (200, then 404) and lists bans in force, soonest to end first, filtered by app and room', async () => {
      server = await start({ adminSecret: ADMIN_SECRET, apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }, { sdkAppId: 1400000002, secretKey: SECRET_KEY }] });
      await post('/admin/ban', ban({ durationSec: 900 }));
      await post('/admin/ban', ban({ userId: 'bob', durationSec: 60 }));
      await post('/admin/ban', ban({ roomId: '1', userId: 'carol', durationSec: 120 }));
      await post('/admin/ban', ban({ sdkAppId: 1400000002, userId: 'dave', durationSec: 30 }));
      const users = (bans: Array<Record<string, unknown>>) => bans.map((b) => b['userId']);
      expect(users(await listBans())).toEqual(['dave', 'bob', 'carol', 'alice']);
      expect(users(await listBans(`?sdkAppId=${SDK_APP_ID}`))).toEqual(['bob', 'carol', 'alice']);
      expect(users(await listBans(`?sdkAppId=${SDK_APP_ID}&roomId=1`))).toEqual(['bob', 'alice']);
      expect(users(await listBans(`?roomId=1&strRoomId=1`))).toEqual(['carol']);
      // A new ban of the same user replaces the old one.
      await post('/admin/ban', ban({ userId: 'bob', durationSec: 1000 }));
      expect(users(await listBans(`?sdkAppId=${SDK_APP_ID}&roomId=1`))).toEqual(['alice', 'bob']);

      expect((await tryJoin('alice')).res.error?.message).toBe('BANNED');
      const unban = await post('/admin/unban', ban());
      expect(unban.status).toBe(200);
      expect(await unban.json()).toEqual({ unbanned: true });
      expect((await tryJoin('alice')).res.result).toBeDefined();
      expect((await post('/admin/unban', ban())).status).toBe(404);
      // Expired bans are neither listed nor lifted.
      now = NOW + 120;
      expect(users(await listBans())).toEqual(['bob']);
      expect((await post('/admin/unban', ban({ roomId: '1', userId: 'carol' }))).status).toBe(404);
    });

    it('answers bad input with 400 and a JSON error, a wrong secret with 401, a wrong method with 405', async () => {
      server = await start({ adminSecret: ADMIN_SECRET });
      const bad: Array<[string, unknown]> = [
        ['durationSec 0', ban({ durationSec: 0 })],
        ['durationSec over 7 days', ban({ durationSec: 7 * 86400 + 1 })],
        ['durationSec not an integer', ban({ durationSec: 1.5 })],
        ['durationSec as a string', ban({ durationSec: '60' })],
        ['durationSec negative', ban({ durationSec: -5 })],
        ['reason empty', ban({ reason: '' })],
        ['reason too long', ban({ reason: 'x'.repeat(201) })],
        ['reason with a control character', ban({ reason: 'bad\u0007bell' })],
        ['reason not a string', ban({ reason: 42 })],
        ['unknown field', ban({ until: 123 })],
        ['no userId', { sdkAppId: SDK_APP_ID, roomId: 1 }],
        ['bad userId', ban({ userId: 'a b' })],
        ['bad roomId', ban({ roomId: 0 })],
        ['unknown sdkAppId', ban({ sdkAppId: 1400000099 })],
        ['an array', [ban()]],
        ['null', null],
      ];
      for (const [what, body] of bad) {
        const res = await post('/admin/ban', body);
        expect(res.status).withContext(what).toBe(400);
        expect(((await res.json()) as { error?: unknown }).error).withContext(what).toEqual(jasmine.any(String));
      }
      const notJson = await http(server, '/admin/ban', { method: 'POST', headers: { 'x-admin-secret': ADMIN_SECRET }, body: '{"sdkAppId":' });
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toEqual({ error: 'body is not JSON' });
      expect((await post('/admin/ban', ban({ reason: 'x'.repeat(5000) }))).status).toBe(413);
      expect((await post('/admin/unban', { sdkAppId: SDK_APP_ID, roomId: 1 })).status).toBe(400);
      expect((await post('/admin/unban', ban({ durationSec: 5 }))).status).toBe(400);
      for (const query of ['?sdkAppId=abc', '?sdkAppId=0', '?roomId=0', `?roomId=${'x'.repeat(65)}`]) {
        const res = await http(server, `/admin/bans${query}`, { headers: { 'x-admin-secret': ADMIN_SECRET } });
        expect(res.status).withContext(query).toBe(400);
      }
      expect((await post('/admin/ban', ban(), '')).status).toBe(401);
      expect((await post('/admin/ban', ban(), 'wrong')).status).toBe(401);
      expect((await http(server, '/admin/bans')).status).toBe(401);
      expect((await http(server, '/admin/ban', { headers: { 'x-admin-secret': ADMIN_SECRET } })).status).toBe(405);
      expect((await post('/admin/bans', {})).status).toBe(405);
      // Nothing was banned by any of it, and the server still serves.
      expect(await listBans()).toEqual([]);
      expect((await tryJoin('alice')).res.result).toBeDefined();
    });

    it('is disabled (404) without an admin secret', async () => {
      server = await start();
      expect((await post('/admin/ban', ban(), 'x')).status).toBe(404);
      expect((await post('/admin/unban', ban(), 'x')).status).toBe(404);
      expect((await http(server, '/admin/bans', { headers: { 'x-admin-secret': 'x' } })).status).toBe(404);
    });

    it('answers 503 when the state store cannot record the ban, and keeps serving', async () => {
      const store = new MemoryStateStore();
      server = await start({ adminSecret: ADMIN_SECRET }, { stateStore: store });
      spyOn(store, 'ban').and.rejectWith(new Error('redis is down'));
      const res = await post('/admin/ban', ban());
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'the state store failed; retry' });
      expect((await http(server, '/healthz')).status).toBe(200);
    });

    it('admits a join whose ban check the store cannot answer, and evicts the user once the join is recorded if banned', async () => {
      const store = new MemoryStateStore();
      server = await start({ adminSecret: ADMIN_SECRET }, { stateStore: store });
      const banOf = store.banOf.bind(store);
      let calls = 0;
      spyOn(store, 'banOf').and.callFake((...args: Parameters<MemoryStateStore['banOf']>) => (++calls === 1 ? Promise.reject(new Error('redis is down')) : banOf(...args)));
      await post('/admin/ban', ban());
      // The check at join fails (admitted: rooms keep working through a store outage); the re-check after the record finds the ban.
      const { client, res } = await tryJoin('alice');
      expect(res.result).toBeDefined();
      expect((await client.waitFor('client-banned')).params?.['reason']).toBe('banned');
      expect((await client.closed).code).toBe(4000);
      expect(calls).toBe(2);
    });

    it('a ban made while a join is being checked still removes the user (re-checked once the join is recorded)', async () => {
      const store = new MemoryStateStore();
      server = await start({ adminSecret: ADMIN_SECRET }, { stateStore: store });
      const banOf = store.banOf.bind(store);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let calls = 0;
      spyOn(store, 'banOf').and.callFake(async (...args: Parameters<MemoryStateStore['banOf']>) => {
        // The first check reads "not banned", then is held until after the ban.
        const answer = await banOf(...args);
        if (++calls === 1) await gate;
        return answer;
      });
      const joining = tryJoin('alice');
      while (calls === 0) await new Promise((r) => setTimeout(r, 5));
      expect(await (await post('/admin/ban', ban())).json()).toEqual(jasmine.objectContaining({ removed: false }));
      release();
      const { client, res } = await joining;
      expect(res.result).toBeDefined();
      expect((await client.waitFor('client-banned')).params?.['reason']).toBe('banned');
      expect((await client.closed).code).toBe(4000);
      expect(server.registry.find(SDK_APP_ID, 1)).toBeUndefined();
    });
  });

  describe('WebSocket limits', () => {
    it('checks Origin against allowedOrigins (403 on upgrade)', async () => {
      server = await start({ allowedOrigins: ['https://app.example'] });
      await expectAsync(WsTestClient.connect(server.url, { origin: 'https://evil.example' })).toBeRejectedWithError(/403/);
      await expectAsync(WsTestClient.connect(server.url)).toBeRejectedWithError(/403/);
      track(await WsTestClient.connect(server.url, { origin: 'https://app.example' }));
      expect(await (await http(server, '/metrics')).text()).toContain('roomserver_connections_refused_total{reason="origin"} 2');
    });

    it('accepts any origin when allowedOrigins is empty', async () => {
      server = await start();
      track(await WsTestClient.connect(server.url, { origin: 'https://anything.example' }));
    });

    it('only upgrades on /rtc', async () => {
      server = await start();
      await expectAsync(WsTestClient.connect(`ws://127.0.0.1:${server.port}/ws`)).toBeRejectedWithError(/404/);
    });

    it('closes the socket with 1009 on an oversized frame', async () => {
      server = await start({ limits: { maxMessageBytes: 4096 } });
      const c = track(await joinedClient(server, 'alice'));
      c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rtc.ping', params: { pad: 'x'.repeat(5000) } }));
      expect((await c.closed).code).toBe(1009);
    });

    it('answers RATE_LIMITED beyond the per-connection budget, then recovers', async () => {
      server = await start({ limits: { messagesPerSecond: 5, messageBurst: 5 } });
      const c = track(await joinedClient(server, 'alice')); // the join took one token
      const answers = await Promise.all(Array.from({ length: 10 }, () => c.request('rtc.ping')));
      const limited = answers.filter((a) => a.error?.message === 'RATE_LIMITED').length;
      expect(limited).toBeGreaterThanOrEqual(5);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await c.request('rtc.ping')).result).toBeDefined();
    });

    it('drops a client that stops answering pings; the others get peer-leave timeout', async () => {
      server = await start({ heartbeat: { intervalMs: 50, maxMissed: 2 } });
      const watcher = track(await joinedClient(server, 'watcher'));
      const ghost = await WsTestClient.connect(server.url, { autoPong: false });
      track(ghost);
      await ghost.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'ghost', userSig: sig('ghost'), roomId: 1, mode: 'rtc' });
      // A real vanished client sends nothing at all, so the watcher must keep answering pings: ws does that for it.
      expect((await watcher.waitFor('peer-leave', 3000)).params).toEqual({ userId: 'ghost', reason: 'timeout' });
      await ghost.closed;
    });

    it('closes a connection that never sends room.join', async () => {
      server = await start({ limits: { joinTimeoutMs: 100 } });
      const c = track(await WsTestClient.connect(server.url));
      expect((await c.closed).code).toBe(4001);
    });

    it('refuses binary frames', async () => {
      server = await start();
      const c = track(await WsTestClient.connect(server.url));
      c.ws.send(Buffer.from([1, 2, 3]));
      await new Promise((r) => setTimeout(r, 100));
      expect(c.notifications.some((f) => f.error?.message === 'INVALID_REQUEST')).toBeTrue();
    });

    it('closes every connection on close()', async () => {
      server = await start();
      const c = await joinedClient(server, 'alice');
      await server.close();
      expect((await c.closed).code).toBe(1001);
    });
  });

  it('forgets every room, peer and connection once clients leave, or drop and the reconnect grace ends', async () => {
    server = await start({ limits: { reconnectGraceMs: 300 } });
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => joinedClient(server, `u${i}`, (i % 3) + 1)));
    await Promise.all(all.map((c, i) => c.request('stream.publish', { streamId: `s${i}`, type: 'main', hasAudio: true, hasVideo: false })));
    expect(server.registry.peerCount).toBe(20);
    await Promise.all(
      all.map(async (c, i) => {
        if (i % 2 === 0) await c.request('room.leave');
        else c.ws.terminate();
        await c.closed;
      }),
    );
    const deadline = Date.now() + 3000;
    let health: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      health = (await (await http(server, '/healthz')).json()) as Record<string, unknown>;
      if (health['connections'] === 0 && health['peers'] === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(health).toEqual(jasmine.objectContaining({ rooms: 0, peers: 0, connections: 0 }));
  });

  it('survives a fuzzed stream of malformed frames while a real call in the room keeps working', async () => {
    server = await start({ limits: { messagesPerSecond: 100000, messageBurst: 100000 } });
    const alice = track(await joinedClient(server, 'alice'));
    const bob = track(await joinedClient(server, 'bob'));
    const fuzzer = track(await WsTestClient.connect(server.url));
    const methods = ['room.join', 'join', 'offer', 'answer', 'trickle', 'stream.publish', 'stream.update', 'stream.unpublish', 'room.switchRole', 'room.leave', 'rtc.ping', 'x'];
    const frame = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.json({ maxDepth: 4 }),
      fc.record({
        jsonrpc: fc.constantFrom('2.0', '1.0', 2),
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)),
        method: fc.constantFrom(...methods),
        params: fc.anything({ maxDepth: 3 }),
      }).map((r) => JSON.stringify(r)),
    );
    const samples = fc.sample(frame, 3000).filter((s) => !s.includes('"room.leave"'));
    for (const s of samples) fuzzer.ws.send(s);
    // The call goes on meanwhile.
    await alice.request('stream.publish', { streamId: 'cam-alice', type: 'main', hasAudio: true, hasVideo: true });
    expect((await bob.waitFor('stream-added')).params?.['stream']).toEqual(jasmine.objectContaining({ userId: 'alice' }));
    expect((await alice.request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } })).result).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(fuzzer.ws.readyState === WebSocket.OPEN || fuzzer.ws.readyState === WebSocket.CLOSED).toBeTrue();
    expect((await (await http(server, '/healthz')).json()) as object).toEqual(jasmine.objectContaining({ status: 'ok' }));
    expect((await bob.request('rtc.ping')).result).toBeDefined();
  });
  describe('codec policy: published video is VP8', () => {
    /** A publisher-style offer whose video lists VP8 and H.264 (receive-only, so no stream has to be published first). */
    const MIXED_OFFER = [
      'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly',
      'a=rtpmap:96 VP8/90000', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
      'a=rtpmap:102 H264/90000', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      'a=rtpmap:103 rtx/90000', 'a=fmtp:103 apt=102', '',
    ].join('\r\n');

    async function offerSeenBySfu(over: Record<string, unknown>): Promise<string> {
      const sfu = fakeSfuFactory();
      server = await start(over, { sfuLinkFactory: sfu.factory });
      const alice = track(await joinedClient(server, 'alice'));
      expect((await alice.request('join', { offer: { type: 'offer', sdp: MIXED_OFFER } })).error).toBeUndefined();
      const join = sfu.links[0]!.calls.find((c) => c.method === 'join');
      return join?.method === 'join' ? join.request.offer.sdp : '';
    }

    it('limits every publisher offer to VP8 (+ its rtx) before ion-sfu sees it, with egress off too', async () => {
      const sdp = await offerSeenBySfu({ egress: { enabled: false } });
      expect(sdp).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n');
      expect(sdp).not.toContain('H264');
    });

    it('leaves offers alone with publishVideoCodecs: []', async () => {
      expect(await offerSeenBySfu({ publishVideoCodecs: [] })).toBe(MIXED_OFFER);
    });
  });
});
