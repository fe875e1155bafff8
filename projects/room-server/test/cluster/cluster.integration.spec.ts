/**
 * The whole cluster on one machine: 2 ion-sfu (each with its own UDP
 * range), 2 room-server processes sharing state through 1 redis-server.
 * Two clients of one room, on different room-server instances, in a call
 * with real media (@roamhq/wrtc); then one room-server and the room's
 * ion-sfu are killed and the call recovers the way the library recovers:
 * re-join on sfu-error, reconnect when the WebSocket drops.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { generateUserSig } from '../../src/auth/usersig.js';
import { sfuSessionId } from '../../src/rooms/room-key.js';
import { findIonSfuBinary, startIonSfu, type IonSfuProcess } from '../support/ion-sfu-process.js';
import { findRedisServer, startRedis, type RedisProcess } from '../support/redis-process.js';
import { startRoomServerProcess, type RoomServerProcess } from '../support/room-server-process.js';
import { SDK_APP_ID, SECRET_KEY } from '../support/session-harness.js';
import { WsTestClient } from '../support/ws-client.js';
import { loadWrtc, WrtcPeer } from '../support/wrtc-peer.js';

const sfuBinary = findIonSfuBinary();
const redisBinary = findRedisServer();
const wrtc = loadWrtc();
const ROOM = 9090;
const SID = sfuSessionId(SDK_APP_ID, ROOM);
const sig = (userId: string) => generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds: 3600 });

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function missing(): string | undefined {
  if (!sfuBinary) return 'no ion-sfu binary (bin/ion-sfu or $ION_SFU_BIN)';
  if (!redisBinary) return 'no redis-server (Debian package redis-server, or $REDIS_SERVER_BIN)';
  if (!wrtc) return '@roamhq/wrtc is not installed';
  return undefined;
}

describe('cluster: 2 ion-sfu + 2 room-server + redis (real media)', () => {
  const sfus = new Map<string, IonSfuProcess>();
  const roomServers: RoomServerProcess[] = [];
  const clients: WsTestClient[] = [];
  const peers: WrtcPeer[] = [];
  let redis: RedisProcess | undefined;
  let admin: Redis | undefined;
  const keyPrefix = `it${randomUUID().slice(0, 6)}:`;

  beforeAll(async () => {
    if (missing()) return;
    redis = await startRedis(redisBinary!);
    admin = new Redis(redis.url);
    // Distinct UDP ranges: two ion-sfu on one host would collide on config/ion-sfu.toml's 50000–50200.
    sfus.set('sfu-a', await startIonSfu(sfuBinary!, { udpPortMin: 50720, udpPortMax: 50820 }));
    sfus.set('sfu-b', await startIonSfu(sfuBinary!, { udpPortMin: 50830, udpPortMax: 50930 }));
    const config = {
      apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }],
      staticDir: null,
      logLevel: 'warn',
      sfuNodes: [...sfus].map(([id, sfu]) => ({ id, url: sfu.url })),
      sfuHealthCheck: { intervalMs: 500, timeoutMs: 500 },
      state: { kind: 'redis', url: redis.url, keyPrefix, heartbeatMs: 300 },
    };
    roomServers.push(...(await Promise.all([startRoomServerProcess(config), startRoomServerProcess(config)])));
  }, 90_000);

  afterAll(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(roomServers.map((s) => s.stop()));
    await Promise.all([...sfus.values()].map((s) => s.stop()));
    admin?.disconnect();
    await redis?.stop();
  }, 60_000);

  async function enter(server: RoomServerProcess, userId: string): Promise<{ client: WsTestClient; peer: WrtcPeer; streamId: string; snapshot: Record<string, unknown> }> {
    const client = await WsTestClient.connect(server.url);
    clients.push(client);
    const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId: ROOM, mode: 'rtc' });
    if (res.error) throw new Error(JSON.stringify(res.error));
    const { peer, streamId } = await publishAndJoin(client);
    return { client, peer, streamId, snapshot: res.result! };
  }

  /** Fresh peer connections on `client`: announce a new stream, join ion-sfu through room-server. */
  async function publishAndJoin(client: WsTestClient): Promise<{ peer: WrtcPeer; streamId: string }> {
    const peer = new WrtcPeer(wrtc!, client);
    peers.push(peer);
    const media = peer.addMedia();
    const published = await client.request('stream.publish', { streamId: media.stream.id, type: 'main', hasAudio: true, hasVideo: true });
    if (published.error) throw new Error(JSON.stringify(published.error));
    const joined = await peer.join();
    if (joined.error) throw new Error(JSON.stringify(joined.error));
    return { peer, streamId: media.stream.id };
  }

  /** Media of `streamId` reaches `at`: counted in 2-s windows until enough arrives (a loaded machine is slow to start ICE/DTLS). */
  async function expectMedia(at: WrtcPeer, streamId: string): Promise<void> {
    const stream = await at.waitForStream(streamId, 20_000);
    let seen = { videoFrames: 0, audioChunks: 0 };
    for (let window = 0; window < 8 && (seen.videoFrames <= 5 || seen.audioChunks <= 10); window++) seen = await at.measure(stream, 2000);
    expect(seen.videoFrames).withContext('video frames').toBeGreaterThan(5);
    expect(seen.audioChunks).withContext('audio chunks').toBeGreaterThan(10);
  }

  it('two clients on different instances are in a call; killing one instance and the room\'s ion-sfu, the call recovers', async () => {
    if (missing()) return pending(missing());
    const [r1, r2] = roomServers as [RoomServerProcess, RoomServerProcess];
    const alice = await enter(r1, 'alice');
    const bob = await enter(r2, 'bob');
    const home = await admin!.get(`${keyPrefix}room:${SID}:sfu`);
    expect(sfus.has(home!)).withContext(`room assigned to ${home}`).toBeTrue();
    // Both instances used the same node: both peers are in one ion-sfu session and see each other's media.
    const bobSawAlice = (bob.snapshot['peers'] as unknown[]).length === 1 || bob.client.notifications.some((f) => f.method === 'peer-join');
    expect(bobSawAlice).toBeTrue();
    await Promise.all([expectMedia(bob.peer, alice.streamId), expectMedia(alice.peer, bob.streamId)]);

    // 1. The room-server instance holding alice dies: bob's instance drops her after the heartbeat expires.
    await r1.kill();
    await bob.client.waitFor('peer-leave', 10_000);
    expect(bob.client.notifications.filter((f) => f.method === 'peer-leave').map((f) => f.params)).toEqual([{ userId: 'alice', reason: 'timeout' }]);
    expect(bob.client.notifications.some((f) => f.method === 'stream-removed' && (f.params?.['stream'] as { streamId: string }).streamId === alice.streamId)).toBeTrue();

    // 2. The room's ion-sfu dies: bob gets sfu-error and re-joins, which lands on the other node.
    sfus.get(home!)!.child.kill('SIGKILL');
    await bob.client.waitFor('sfu-error', 10_000);
    bob.peer.close();
    expect((await bob.client.request('stream.unpublish', { streamId: bob.streamId })).error).toBeUndefined();
    const bobAgain = await publishAndJoin(bob.client);
    const moved = await admin!.get(`${keyPrefix}room:${SID}:sfu`);
    expect(moved).not.toBe(home);

    // 3. Alice reconnects (the load balancer sends her to the surviving instance) and re-joins.
    const aliceAgain = await enter(r2, 'alice');
    expect(aliceAgain.snapshot['peers']).toEqual([{ userId: 'bob', role: 'anchor' }]);
    expect(aliceAgain.snapshot['streams']).toEqual([jasmine.objectContaining({ userId: 'bob', streamId: bobAgain.streamId })]);
    await eventually(() => bob.client.notifications.some((f) => f.method === 'stream-added' && (f.params?.['stream'] as { streamId: string }).streamId === aliceAgain.streamId), 'alice\'s new stream at bob');
    const afterLeave = bob.client.notifications.map((f) => f.method).filter((m) => m === 'peer-leave' || m === 'peer-join');
    expect(afterLeave.slice(-2)).toEqual(['peer-leave', 'peer-join']);
    await Promise.all([expectMedia(bobAgain.peer, aliceAgain.streamId), expectMedia(aliceAgain.peer, bobAgain.streamId)]);
  }, 180_000);
});
