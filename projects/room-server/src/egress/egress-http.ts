/**
 * The admin API of egress, beside room-server's other admin endpoints (same
 * `x-admin-secret`): start a recording and/or RTMP push of a room, change
 * it, stop it, list them (docs/egress.md).
 */
import type { RoomServerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { mixUserSchema, roomIdSchema } from '../rpc/messages.js';
import { RpcError } from '../rpc/errors.js';
import { array, boolean, integer, literal, nullable, object, optional, SchemaError, string, union, type Infer, type Schema } from '../rpc/schema.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { EgressManager } from './egress-manager.js';
import { resolveEncoding } from './encoding.js';
import type { LayoutSpec } from './types.js';

/** Egress admin endpoints and the method each takes. */
export const EGRESS_ADMIN_ROUTES: Readonly<Record<string, string>> = {
  '/admin/egress/start': 'POST',
  '/admin/egress/update': 'POST',
  '/admin/egress/stop': 'POST',
  '/admin/egress': 'GET',
};

const sdkAppIdSchema = integer({ min: 1, max: 4294967295 });
const egressIdSchema = string({ min: 1, max: 64, pattern: /^eg_[0-9a-f]+$/ });
const rtmpUrlSchema = string({ min: 8, max: 2048, pattern: /^rtmps?:\/\/[^\s]+$/ });
const layoutSchema = union(literal('grid'), object({ mixUsers: array(mixUserSchema, { max: 16 }) }));

const startSchema = object({
  sdkAppId: sdkAppIdSchema,
  roomId: roomIdSchema,
  layout: optional(layoutSchema),
  width: optional(integer({ min: 16, max: 3840 })),
  height: optional(integer({ min: 16, max: 2160 })),
  frameRate: optional(integer({ min: 1, max: 60 })),
  videoBitrateKbps: optional(integer({ min: 50, max: 20_000 })),
  audioBitrateKbps: optional(integer({ min: 32, max: 192 })),
  backgroundColor: optional(integer({ min: 0, max: 0xffffff })),
  file: optional(boolean()),
  rtmpUrl: optional(rtmpUrlSchema),
});
const updateSchema = object({
  egressId: egressIdSchema,
  layout: optional(layoutSchema),
  file: optional(boolean()),
  rtmpUrl: optional(nullable(rtmpUrlSchema)),
});
const stopSchema = object({ egressId: egressIdSchema });

/** What an endpoint answers. */
export interface AdminAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** What the egress endpoints need. */
export interface EgressAdminDeps {
  readonly config: RoomServerConfig;
  readonly registry: RoomRegistry;
  readonly egress: EgressManager;
  readonly log: Logger;
}

/** How long POST /admin/egress/start waits for the egress to become active. */
const START_WAIT_MS = 20_000;

/** Answers one egress admin request (the caller checked the method and the secret). */
export async function handleEgressAdmin(deps: EgressAdminDeps, path: string, body: unknown, query: URLSearchParams): Promise<AdminAnswer> {
  try {
    switch (path) {
      case '/admin/egress':
        return list(deps, query);
      case '/admin/egress/start':
        return await start(deps, parse(startSchema, body));
      case '/admin/egress/update':
        return update(deps, parse(updateSchema, body));
      default: {
        const { egressId } = parse(stopSchema, body);
        const info = await deps.egress.stop(egressId);
        deps.log.info('admin: egress stop', { egressId, done: info !== undefined });
        return info ? { status: 200, body: { egress: info } } : { status: 404, body: { error: 'no such running egress' } };
      }
    }
  } catch (err) {
    if (err instanceof RpcError) {
      const status = err.reason === 'SERVER_FULL' ? 503 : err.reason === 'EGRESS_FAILED' ? 502 : 400;
      return { status, body: { error: err.message, code: err.reason } };
    }
    throw err;
  }
}

function list(deps: EgressAdminDeps, query: URLSearchParams): AdminAnswer {
  const egressId = query.get('egressId');
  if (egressId !== null) {
    const info = deps.egress.get(egressId);
    return info ? { status: 200, body: { egress: info } } : { status: 404, body: { error: 'no such egress' } };
  }
  const filter: { sdkAppId?: number; roomId?: number | string } = {};
  const sdkAppId = query.get('sdkAppId');
  if (sdkAppId !== null) filter.sdkAppId = parse(sdkAppIdSchema, Number(sdkAppId), 'sdkAppId');
  const roomId = query.get('roomId');
  if (roomId !== null) filter.roomId = parse(roomIdSchema, /^\d+$/.test(roomId) && query.get('strRoomId') !== '1' ? Number(roomId) : roomId, 'roomId');
  return { status: 200, body: { egresses: deps.egress.list(filter) } };
}

async function start(deps: EgressAdminDeps, p: Infer<typeof startSchema>): Promise<AdminAnswer> {
  if (!deps.config.apps.some((a) => a.sdkAppId === p.sdkAppId)) return { status: 400, body: { error: 'sdkAppId: not a configured app' } };
  const room = deps.registry.find(p.sdkAppId, p.roomId);
  if (!room || room.size === 0) return { status: 404, body: { error: 'no such room (nobody is in it)' } };
  const encoding = resolveEncoding(deps.config.egress, p);
  const { info, whenActive } = deps.egress.start({
    sdkAppId: p.sdkAppId,
    roomId: p.roomId,
    owner: null,
    streamId: null,
    layout: layoutOf(p.layout),
    encoding,
    outputs: { file: p.file ?? true, rtmpUrl: p.rtmpUrl ?? null },
  });
  deps.log.info('admin: egress start', { egressId: info.egressId, sdkAppId: p.sdkAppId, roomId: p.roomId });
  try {
    const active = await Promise.race([
      whenActive,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not active within ${START_WAIT_MS} ms`)), START_WAIT_MS).unref()),
    ]);
    return { status: 200, body: { egress: active } };
  } catch (err) {
    await deps.egress.stop(info.egressId);
    return { status: 502, body: { error: err instanceof Error ? err.message : String(err), code: 'EGRESS_FAILED', egress: deps.egress.get(info.egressId) } };
  }
}

function update(deps: EgressAdminDeps, p: Infer<typeof updateSchema>): AdminAnswer {
  const current = deps.egress.get(p.egressId);
  if (!current || current.status === 'stopped' || current.status === 'failed') return { status: 404, body: { error: 'no such running egress' } };
  const outputs = p.file !== undefined || p.rtmpUrl !== undefined ? { file: p.file ?? current.isRecording, rtmpUrl: p.rtmpUrl === undefined ? current.rtmpUrl : p.rtmpUrl } : undefined;
  if (outputs && !outputs.file && outputs.rtmpUrl === null) return { status: 400, body: { error: 'an egress needs an output: stop it instead' } };
  deps.egress.update(p.egressId, { ...(p.layout !== undefined ? { layout: layoutOf(p.layout) } : {}), ...(outputs ? { outputs } : {}) });
  return { status: 200, body: { egress: deps.egress.get(p.egressId) } };
}

function layoutOf(layout: Infer<typeof layoutSchema> | undefined): LayoutSpec {
  if (layout === undefined || layout === 'grid') return { kind: 'grid' };
  if (layout.mixUsers.some((u) => u.userId.startsWith('$'))) throw new RpcError('INVALID_PARAMS', 'layout.mixUsers: placeholders are for a client\'s preset layout');
  return { kind: 'mix', mode: 'manual', owner: '', mixUsers: layout.mixUsers };
}

function parse<T>(schema: Schema<T>, value: unknown, path = 'body'): T {
  try {
    return schema.parse(value, path);
  } catch (err) {
    if (err instanceof SchemaError) throw new RpcError('INVALID_PARAMS', err.message);
    throw err;
  }
}
