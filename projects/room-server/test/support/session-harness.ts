/** Drives PeerSessions without sockets: a fake channel, a shared context, a FakeSfu. */
import { Authenticator } from '../../src/auth/authenticator.js';
import { generatePrivateMapKey } from '../../src/auth/private-map-key.js';
import { generateUserSig } from '../../src/auth/usersig.js';
import { silentLogger } from '../../src/log.js';
import { ServerMetrics } from '../../src/metrics.js';
import { parseFrame } from '../../src/rpc/jsonrpc.js';
import { RoomRegistry } from '../../src/rooms/room-registry.js';
import { PeerSession, type PeerChannel, type SessionContext } from '../../src/session/peer-session.js';
import type { BanList } from '../../src/rooms/ban-list.js';
import { fakeSfuFactory, type FakeSfuLink } from './fake-sfu-link.js';

export const SDK_APP_ID = 1400000000;
export const SECRET_KEY = 'test-secret-key-0123456789abcdef';
export const NOW = 1_700_000_000;

/** A JSON-RPC response or notification as the client sees it. */
export interface ClientFrame {
  id?: number | string | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: { detail: string; expiresAt?: number } };
}

/** Shared server state for a test. */
export class Harness {
  readonly metrics = new ServerMetrics();
  readonly registry: RoomRegistry;
  readonly sfu = fakeSfuFactory();
  readonly ctx: SessionContext;
  now = NOW;

  constructor(limits = { maxRooms: 100, maxPeersPerRoom: 100 }, reconnectGraceMs = 10_000, bans?: Pick<BanList, 'checkJoin'>) {
    this.registry = new RoomRegistry(limits);
    this.ctx = {
      registry: this.registry,
      auth: new Authenticator([{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }], () => this.now),
      sfuLinkFactory: this.sfu.factory,
      metrics: this.metrics,
      log: silentLogger,
      heartbeatIntervalMs: 5000,
      reconnectGraceMs,
      ...(bans ? { bans } : {}),
    };
  }

  userSig(userId: string, expireSeconds = 3600): string {
    return generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds, now: this.now });
  }

  privateMapKey(userId: string, roomId: number | string, privileges: number): string {
    return generatePrivateMapKey({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, roomId, privileges, expireSeconds: 3600, now: this.now });
  }

  /** The most recently created upstream link. */
  lastLink(): FakeSfuLink {
    const link = this.sfu.links[this.sfu.links.length - 1];
    if (!link) throw new Error('no upstream link was created');
    return link;
  }

  client(): TestClient {
    return new TestClient(this);
  }

  /** A client that has joined `roomId`. */
  async joined(userId: string, extra: Record<string, unknown> = {}, roomId: number | string = 1234): Promise<TestClient> {
    const client = this.client();
    const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: this.userSig(userId), roomId, mode: 'rtc', ...extra });
    if (res.error) throw new Error(`join failed: ${JSON.stringify(res.error)}`);
    return client;
  }
}

/** One client connection. */
export class TestClient {
  readonly frames: ClientFrame[] = [];
  closedWith: { code: number; reason: string } | undefined;
  readonly session: PeerSession;
  private _nextId = 1;

  constructor(readonly harness: Harness) {
    const channel: PeerChannel = {
      send: (frame) => {
        if (!this.closedWith) this.frames.push(JSON.parse(frame) as ClientFrame);
      },
      close: (code, reason) => {
        this.closedWith ??= { code, reason };
      },
    };
    this.session = new PeerSession(channel, harness.ctx);
  }

  /** Sends a request and returns its response. */
  async request(method: string, params?: unknown): Promise<ClientFrame> {
    const id = this._nextId++;
    await this.raw(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    const res = this.frames.find((f) => f.id === id && f.method === undefined);
    if (!res) throw new Error(`no response to ${method}`);
    return res;
  }

  /** Sends a request without waiting for its response (for hanging upstream calls). */
  requestLater(method: string, params?: unknown): { id: number; done: Promise<void> } {
    const id = this._nextId++;
    const done = this.raw(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return { id, done };
  }

  /** Sends a notification. */
  notify(method: string, params?: unknown): Promise<void> {
    return this.raw(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** Sends any text frame. */
  raw(text: string): Promise<void> {
    return this.session.receive(parseFrame(text));
  }

  /** Notifications received, optionally of one method. */
  notifications(method?: string): ClientFrame[] {
    return this.frames.filter((f) => f.method !== undefined && (method === undefined || f.method === method));
  }
}
