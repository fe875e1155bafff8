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
import { startRoomServer, type RunningRoomServer } from '../src/server.js';
import { fakeSfuFactory } from './support/fake-sfu-link.js';
import { DATACHANNEL_OFFER } from './support/sdp.js';
import { NOW, SDK_APP_ID, SECRET_KEY } from './support/session-harness.js';
import { WsTestClient } from './support/ws-client.js';
import { generateUserSig } from '../src/auth/usersig.js';

const ADMIN_SECRET = 'admin-secret-for-tests-0123456789';

async function start(over: Record<string, unknown> = {}): Promise<RunningRoomServer> {
  return startRoomServer(
    {
      port: 0,
      host: '127.0.0.1',
      apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }],
      staticDir: null,
      logLevel: 'silent',
      ...over,
    },
    { log: silentLogger, clock: () => NOW, sfuLinkFactory: fakeSfuFactory().factory },
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
});
