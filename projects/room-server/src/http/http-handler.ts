/**
 * The HTTP side of room-server: /healthz, /metrics, the dev-only test
 * UserSig, the admin API, and the built conference app.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generatePrivateMapKey } from '../auth/private-map-key.js';
import { generateUserSig, systemClock, type UnixClock } from '../auth/usersig.js';
import type { RoomServerConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { roomIdSchema, userIdSchema } from '../rpc/messages.js';
import { integer, object, optional, SchemaError, string, type Schema } from '../rpc/schema.js';
import { BAN_DURATION_LIMITS, type BanList } from '../rooms/ban-list.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { BanRecord } from '../rooms/types.js';
import { TimeoutError, withTimeout } from '../util/timeout.js';
import { EGRESS_ADMIN_ROUTES, handleEgressAdmin } from '../egress/egress-http.js';
import type { EgressManager } from '../egress/egress-manager.js';
import { createStaticHandler } from './static-files.js';

/** What the HTTP handler needs. */
export interface HttpDeps {
  readonly config: RoomServerConfig;
  readonly registry: RoomRegistry;
  /** Without it, the ban endpoints answer 404. */
  readonly bans?: BanList;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  readonly clock?: UnixClock;
  /** Open client connections (for /healthz). */
  readonly connectionCount: () => number;
  /** Without it, the egress endpoints answer 404. */
  readonly egress?: EgressManager;
}

/** Header carrying the admin secret. */
export const ADMIN_SECRET_HEADER = 'x-admin-secret';
const MAX_ADMIN_BODY = 4096;
const sdkAppIdSchema = integer({ min: 1, max: 4294967295 });
const kickSchema = object({ sdkAppId: sdkAppIdSchema, roomId: roomIdSchema, userId: userIdSchema });
const dismissSchema = object({ sdkAppId: sdkAppIdSchema, roomId: roomIdSchema });
/** Printable text, no control characters: it is shown to the banned user. */
const banReasonSchema = string({ min: 1, max: 200, pattern: /^[^\u0000-\u001f\u007f]+$/ });
const banSchema = object({
  sdkAppId: sdkAppIdSchema,
  roomId: roomIdSchema,
  userId: userIdSchema,
  durationSec: optional(integer(BAN_DURATION_LIMITS)),
  reason: optional(banReasonSchema),
});
const unbanSchema = kickSchema;
/** Admin endpoints and the method each takes. */
const ADMIN_ROUTES: Readonly<Record<string, string>> = {
  '/admin/kick': 'POST',
  '/admin/dismiss': 'POST',
  '/admin/ban': 'POST',
  '/admin/unban': 'POST',
  '/admin/bans': 'GET',
  ...EGRESS_ADMIN_ROUTES,
};
/** How long an admin request waits for the state store (Redis) before answering 503. */
const ADMIN_STORE_TIMEOUT_MS = 5000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Creates the request listener. Every failure becomes a status code; nothing throws out of it. */
export function createHttpHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, registry, metrics, log } = deps;
  const clock = deps.clock ?? systemClock;
  const startedAt = Date.now();
  const serveStatic = config.staticDir ? createStaticHandler(config.staticDir) : undefined;
  const adminDigest = config.adminSecret ? sha256(config.adminSecret) : undefined;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://room-server');
    const path = url.pathname;
    if (path === '/healthz') {
      allowMethods(req, 'GET', 'HEAD');
      return sendJson(res, 200, {
        status: 'ok',
        rooms: registry.roomCount,
        peers: registry.peerCount,
        connections: deps.connectionCount(),
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      });
    }
    if (path === '/metrics') {
      allowMethods(req, 'GET', 'HEAD');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.render());
      return;
    }
    if (path === '/dev/usersig') {
      if (!config.devMode) throw new HttpError(404, 'not found');
      allowMethods(req, 'GET');
      return sendJson(res, 200, devUserSig(url.searchParams), { 'access-control-allow-origin': '*' });
    }
    if (Object.prototype.hasOwnProperty.call(ADMIN_ROUTES, path)) {
      if (!adminDigest) throw new HttpError(404, 'not found');
      allowMethods(req, ADMIN_ROUTES[path]!);
      const given = req.headers[ADMIN_SECRET_HEADER];
      if (typeof given !== 'string' || !timingSafeEqual(sha256(given), adminDigest)) {
        log.warn('admin API: bad secret', { path, remote: req.socket.remoteAddress });
        throw new HttpError(401, 'unauthorized');
      }
      if (path === '/admin/bans') return sendJson(res, 200, { bans: (await store(requireBans().list(banFilter(url.searchParams)))).map(banView) });
      if (Object.prototype.hasOwnProperty.call(EGRESS_ADMIN_ROUTES, path)) {
        if (!deps.egress) throw new HttpError(404, 'not found');
        const egressBody = req.method === 'POST' ? await readJsonBody(req) : undefined;
        const answer = await handleEgressAdmin({ config, registry, egress: deps.egress, log }, path, egressBody, url.searchParams);
        return sendJson(res, answer.status, answer.body);
      }
      const body = await readJsonBody(req);
      if (path === '/admin/ban') {
        const p = parseOr400(banSchema, body);
        if (!config.apps.some((a) => a.sdkAppId === p.sdkAppId)) throw new HttpError(400, 'sdkAppId: not a configured app');
        const { ban, removed } = await store(requireBans().ban(p));
        log.info('admin: ban', { sdkAppId: p.sdkAppId, roomId: p.roomId, userId: p.userId, expiresAt: ban.expiresAt, removed });
        return sendJson(res, 200, { banned: true, removed, ban: banView(ban) });
      }
      if (path === '/admin/unban') {
        const p = parseOr400(unbanSchema, body);
        const done = await store(requireBans().unban(p.sdkAppId, p.roomId, p.userId));
        log.info('admin: unban', { ...p, done });
        return sendJson(res, done ? 200 : 404, done ? { unbanned: true } : { error: 'no ban in force for that user in that room' });
      }
      if (path === '/admin/kick') {
        const p = parseOr400(kickSchema, body);
        const done = registry.kick(p.sdkAppId, p.roomId, p.userId);
        log.info('admin: kick', { ...p, done });
        return sendJson(res, done ? 200 : 404, done ? { kicked: true } : { error: 'no such user in that room' });
      }
      const p = parseOr400(dismissSchema, body);
      const done = registry.dismiss(p.sdkAppId, p.roomId);
      log.info('admin: dismiss', { ...p, done });
      return sendJson(res, done ? 200 : 404, done ? { dismissed: true } : { error: 'no such room' });
    }
    if (path === '/rtc') throw new HttpError(426, 'use a WebSocket');
    if (serveStatic && (await serveStatic(req, res, path))) return;
    throw new HttpError(404, 'not found');
  };

  const requireBans = (): BanList => {
    if (!deps.bans) throw new HttpError(404, 'not found');
    return deps.bans;
  };

  /** Waits for the state store, bounded: a 503 says "not known to be done; retry" (ban and unban are idempotent). */
  const store = async <T>(operation: Promise<T>): Promise<T> => {
    try {
      return await withTimeout(operation, ADMIN_STORE_TIMEOUT_MS, 'state store');
    } catch (err) {
      log.warn('admin API: state store failed', { error: err instanceof Error ? err.message : String(err) });
      throw new HttpError(503, err instanceof TimeoutError ? 'the state store did not answer in time; retry' : 'the state store failed; retry');
    }
  };

  const devUserSig = (query: URLSearchParams): object => {
    const userId = parseOr400(userIdSchema, query.get('userId') ?? undefined, 'userId');
    const sdkAppIdText = query.get('sdkAppId');
    const sdkAppId = sdkAppIdText === null ? config.apps[0]?.sdkAppId : Number(sdkAppIdText);
    const app = config.apps.find((a) => a.sdkAppId === sdkAppId);
    if (!app) throw new HttpError(400, 'unknown sdkAppId');
    const expire = query.has('expire') ? parseOr400(integer({ min: 1, max: 7 * 86400 }), Number(query.get('expire')), 'expire') : 86400;
    const now = clock();
    const result: Record<string, unknown> = {
      sdkAppId: app.sdkAppId,
      userId,
      expire,
      userSig: generateUserSig({ sdkAppId: app.sdkAppId, secretKey: app.secretKey, userId, expireSeconds: expire, now }),
    };
    if (query.has('roomId')) {
      const rawRoom = query.get('roomId')!;
      const roomId = parseOr400(roomIdSchema, /^\d+$/.test(rawRoom) && query.get('strRoomId') !== '1' ? Number(rawRoom) : rawRoom, 'roomId');
      const privileges = query.has('privileges') ? parseOr400(integer({ min: 0, max: 255 }), Number(query.get('privileges')), 'privileges') : 255;
      result['privateMapKey'] = generatePrivateMapKey({ sdkAppId: app.sdkAppId, secretKey: app.secretKey, userId, roomId, privileges, expireSeconds: expire, now });
    }
    return result;
  };

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error('http: internal error', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendJson(res, status, { error: err instanceof HttpError ? err.message : 'internal error' });
      else res.destroy();
    });
  };
}

/** `?sdkAppId=N&roomId=R[&strRoomId=1]` of GET /admin/bans; a numeric-looking roomId is numeric unless strRoomId=1. */
function banFilter(query: URLSearchParams): { sdkAppId?: number; roomId?: number | string } {
  const filter: { sdkAppId?: number; roomId?: number | string } = {};
  const sdkAppId = query.get('sdkAppId');
  if (sdkAppId !== null) filter.sdkAppId = parseOr400(sdkAppIdSchema, /^\d+$/.test(sdkAppId) ? Number(sdkAppId) : sdkAppId, 'sdkAppId');
  const roomId = query.get('roomId');
  if (roomId !== null) filter.roomId = parseOr400(roomIdSchema, /^\d+$/.test(roomId) && query.get('strRoomId') !== '1' ? Number(roomId) : roomId, 'roomId');
  return filter;
}

/** A ban as the admin API shows it. */
function banView(ban: BanRecord): object {
  return { sdkAppId: ban.sdkAppId, roomId: ban.roomId, userId: ban.userId, createdAt: ban.createdAt, expiresAt: ban.expiresAt, reason: ban.reason };
}

function allowMethods(req: IncomingMessage, ...methods: string[]): void {
  if (!methods.includes(req.method ?? '')) throw new HttpError(405, 'method not allowed');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function parseOr400<T>(schema: Schema<T>, value: unknown, path = 'body'): T {
  try {
    return schema.parse(value, path);
  } catch (err) {
    if (err instanceof SchemaError) throw new HttpError(400, err.message);
    throw err;
  }
}

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_ADMIN_BODY) {
        cleanup();
        req.resume();
        reject(new HttpError(413, 'body too large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'body is not JSON'));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new HttpError(400, err.message));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
