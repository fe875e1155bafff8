/**
 * Configuration: a JSON file, then environment variables over it, then
 * defaults for anything unset. Every value is validated at start-up.
 */
import { readFileSync } from 'node:fs';
import { applyEnv } from './config-env.js';
import { type LogLevel } from './log.js';
import { array, boolean, integer, literal, nullable, object, optional, SchemaError, string, type Infer } from './rpc/schema.js';

/** An app and its secret key (the key signs UserSigs). */
export interface AppCredentials {
  readonly sdkAppId: number;
  readonly secretKey: string;
}

/** Per-connection and per-server limits. */
export interface LimitsConfig {
  /** Largest client frame, bytes; bigger frames close the socket with 1009. */
  readonly maxMessageBytes: number;
  /** Sustained client frames per second per connection (token bucket refill). */
  readonly messagesPerSecond: number;
  /** Burst of client frames per connection (token bucket size). */
  readonly messageBurst: number;
  readonly maxPeersPerRoom: number;
  readonly maxRooms: number;
  /** Open WebSocket connections, joined or not. */
  readonly maxConnections: number;
  /** A connection that sends no room.join this long is closed. */
  readonly joinTimeoutMs: number;
  readonly sfuConnectTimeoutMs: number;
  readonly sfuRequestTimeoutMs: number;
  /** A client whose unsent backlog exceeds this is too slow and is closed. */
  readonly maxBufferedBytes: number;
  /**
   * How long a peer whose connection dropped (any close but 1000/1001) keeps
   * its place and streams for a reconnect of the same user; 0 turns it off.
   */
  readonly reconnectGraceMs: number;
}

/** WebSocket ping/pong heartbeat. */
export interface HeartbeatConfig {
  readonly intervalMs: number;
  /** A connection that missed this many pongs in a row is dropped. */
  readonly maxMissed: number;
}

/** Where room state lives: this process only, or Redis shared by several instances. */
export type StateConfig =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'redis';
      /** redis://[user:password@]host:port[/db] or rediss://… */
      readonly url: string;
      /** Unique per instance; null = hostname-pid-random. */
      readonly instanceId: string | null;
      readonly keyPrefix: string;
      /** Heartbeat period; an instance silent for 3 periods is declared dead and its peers leave. */
      readonly heartbeatMs: number;
    };

/** One ion-sfu node. */
export interface SfuNodeConfig {
  /** Stable name (rooms hash against it). */
  readonly id: string;
  /** Its JSON-RPC WebSocket URL. */
  readonly url: string;
}

/** Recording and RTMP egress (docs/egress.md). */
export interface EgressConfig {
  /** Whether egress can be started at all (it needs ffmpeg and @roamhq/wrtc). */
  readonly enabled: boolean;
  /** The ffmpeg binary (Debian's package: `ffmpeg`). */
  readonly ffmpegPath: string;
  /** Where recordings are written (created when missing). */
  readonly recordingsDir: string;
  /** Egresses running at once on this server: each takes up to about one core. */
  readonly maxEgresses: number;
  /** Whether anchors may use startMixTranscode / startPublishCDNStream. */
  readonly clientApi: boolean;
  /** Record every client CDN stream (mix or own stream) to a file, like TRTC's auto-recording. */
  readonly recordCdnStreams: boolean;
  /** Where a client stream goes without an explicit URL: `<cdnBaseUrl>/<streamId>`; null = only explicit URLs. */
  readonly cdnBaseUrl: string | null;
  /** A client's RTMP URL must start with one of these (the admin API may push anywhere). */
  readonly rtmpUrlPrefixes: readonly string[];
  /** Picture and sound when a request does not say. */
  readonly defaults: EgressEncodingDefaults;
  /** Upper bounds of what a request may ask for (CPU). */
  readonly limits: { readonly maxWidth: number; readonly maxHeight: number; readonly maxFrameRate: number; readonly maxVideoBitrateKbps: number };
  /** Restarts of a failed worker or output within `restartWindowMs` before the egress gives up. */
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  /** An egress of a room nobody is in ends after this long. */
  readonly emptyRoomTimeoutMs: number;
}

/** Default output of an egress. */
export interface EgressEncodingDefaults {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly videoBitrateKbps: number;
  readonly gopSeconds: number;
  readonly audioSampleRate: number;
  readonly audioChannels: 1 | 2;
  readonly audioBitrateKbps: number;
}

/** The room-server's whole configuration. */
export interface RoomServerConfig {
  readonly port: number;
  readonly host: string;
  /** ion-sfu's JSON-RPC WebSocket URL (keep it on loopback); the only node when `sfuNodes` is not set. */
  readonly sfuUrl: string;
  /** ion-sfu nodes; rooms are spread over them (default: one node, `sfuUrl`). */
  readonly sfuNodes: readonly SfuNodeConfig[];
  /** TCP health checks of the nodes (only with more than one). */
  readonly sfuHealthCheck: { readonly intervalMs: number; readonly timeoutMs: number };
  /** Room state: in memory (one instance) or Redis (several instances). */
  readonly state: StateConfig;
  readonly apps: readonly AppCredentials[];
  /** Origins allowed to open the WebSocket; empty = any origin (and clients that send none). */
  readonly allowedOrigins: readonly string[];
  readonly limits: LimitsConfig;
  readonly heartbeat: HeartbeatConfig;
  /** Secret for the admin API (`x-admin-secret` header); unset = admin API disabled. */
  readonly adminSecret: string | null;
  /** Enables GET /dev/usersig. Never in production. */
  readonly devMode: boolean;
  /** The built conference app to serve; null = serve no static files. */
  readonly staticDir: string | null;
  readonly logLevel: LogLevel;
  readonly egress: EgressConfig;
  /**
   * Video codecs a publisher's offer is limited to before ion-sfu sees it (rooms/sdp-codecs.ts):
   * ngx-trtc's one codec policy, VP8, which every browser decodes (Firefox has no H.264 offline),
   * E2EE keeps readable and the egress's @roamhq/wrtc decodes. The library already offers only VP8
   * (transport/codec-preferences.ts); this covers clients that cannot set codec preferences.
   * Empty: offers go through unchanged.
   */
  readonly publishVideoCodecs: readonly string[];
}

/** Defaults for everything but apps. */
export const DEFAULT_CONFIG: RoomServerConfig = {
  port: 8080,
  host: '127.0.0.1',
  sfuUrl: 'ws://127.0.0.1:7000/ws',
  sfuNodes: [{ id: 'default', url: 'ws://127.0.0.1:7000/ws' }],
  sfuHealthCheck: { intervalMs: 2_000, timeoutMs: 1_000 },
  state: { kind: 'memory' },
  apps: [],
  allowedOrigins: [],
  limits: {
    maxMessageBytes: 64 * 1024,
    messagesPerSecond: 50,
    messageBurst: 100,
    maxPeersPerRoom: 50,
    maxRooms: 1000,
    maxConnections: 5000,
    joinTimeoutMs: 10_000,
    sfuConnectTimeoutMs: 5_000,
    sfuRequestTimeoutMs: 10_000,
    maxBufferedBytes: 4 * 1024 * 1024,
    reconnectGraceMs: 10_000,
  },
  heartbeat: { intervalMs: 5_000, maxMissed: 2 },
  adminSecret: null,
  devMode: false,
  staticDir: 'dist/conference/browser',
  logLevel: 'info',
  egress: {
    enabled: true,
    ffmpegPath: 'ffmpeg',
    recordingsDir: 'recordings',
    maxEgresses: 2,
    clientApi: true,
    recordCdnStreams: false,
    cdnBaseUrl: null,
    rtmpUrlPrefixes: [],
    // Modest on purpose: one 640×360 15 fps ultrafast egress takes a fraction of a core (docs/BENCHMARKS.md).
    defaults: { width: 640, height: 360, frameRate: 15, videoBitrateKbps: 800, gopSeconds: 2, audioSampleRate: 48000, audioChannels: 1, audioBitrateKbps: 64 },
    limits: { maxWidth: 1280, maxHeight: 720, maxFrameRate: 30, maxVideoBitrateKbps: 4000 },
    maxRestarts: 3,
    restartWindowMs: 60_000,
    emptyRoomTimeoutMs: 30_000,
  },
  publishVideoCodecs: ['VP8'],
};

const positive = (max: number) => integer({ min: 1, max });

const configSchema = object({
  $comment: optional(string({ max: 10_000 })),
  port: optional(integer({ min: 0, max: 65535 })),
  host: optional(string({ min: 1, max: 255 })),
  sfuUrl: optional(string({ min: 1, max: 2048, pattern: /^wss?:\/\// })),
  sfuNodes: optional(
    array(object({ id: string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_.-]+$/ }), url: string({ min: 1, max: 2048, pattern: /^wss?:\/\// }) }), { max: 1000 }),
  ),
  sfuHealthCheck: optional(object({ intervalMs: optional(positive(3_600_000)), timeoutMs: optional(positive(60_000)) })),
  state: optional(
    object({
      kind: literal('memory', 'redis'),
      url: optional(string({ min: 1, max: 2048, pattern: /^rediss?:\/\// })),
      instanceId: optional(nullable(string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_.:-]+$/ }))),
      keyPrefix: optional(string({ min: 0, max: 64 })),
      heartbeatMs: optional(integer({ min: 100, max: 60_000 })),
    }),
  ),
  apps: optional(array(object({ sdkAppId: positive(4294967295), secretKey: string({ min: 1, max: 1024 }) }), { max: 1000 })),
  allowedOrigins: optional(array(string({ min: 1, max: 2048 }), { max: 1000 })),
  limits: optional(
    object({
      maxMessageBytes: optional(integer({ min: 1024, max: 16 * 1024 * 1024 })),
      messagesPerSecond: optional(positive(1_000_000)),
      messageBurst: optional(positive(1_000_000)),
      maxPeersPerRoom: optional(positive(1_000_000)),
      maxRooms: optional(positive(10_000_000)),
      maxConnections: optional(positive(10_000_000)),
      joinTimeoutMs: optional(positive(3_600_000)),
      sfuConnectTimeoutMs: optional(positive(600_000)),
      sfuRequestTimeoutMs: optional(positive(600_000)),
      maxBufferedBytes: optional(positive(1024 * 1024 * 1024)),
      reconnectGraceMs: optional(integer({ min: 0, max: 600_000 })),
    }),
  ),
  heartbeat: optional(object({ intervalMs: optional(positive(3_600_000)), maxMissed: optional(positive(100)) })),
  adminSecret: optional(nullable(string({ min: 16, max: 1024 }))),
  devMode: optional(boolean()),
  staticDir: optional(nullable(string({ min: 1, max: 4096 }))),
  logLevel: optional(literal('debug', 'info', 'warn', 'error', 'silent')),
  publishVideoCodecs: optional(array(literal('VP8', 'VP9', 'AV1', 'H264'), { max: 4 })),
  egress: optional(
    object({
      enabled: optional(boolean()),
      ffmpegPath: optional(string({ min: 1, max: 4096 })),
      recordingsDir: optional(string({ min: 1, max: 4096 })),
      maxEgresses: optional(integer({ min: 0, max: 1000 })),
      clientApi: optional(boolean()),
      recordCdnStreams: optional(boolean()),
      cdnBaseUrl: optional(nullable(string({ min: 1, max: 2048, pattern: /^rtmps?:\/\/[^\s]+$/ }))),
      rtmpUrlPrefixes: optional(array(string({ min: 8, max: 2048, pattern: /^rtmps?:\/\/[^\s]+$/ }), { max: 100 })),
      defaults: optional(
        object({
          width: optional(integer({ min: 16, max: 3840 })),
          height: optional(integer({ min: 16, max: 2160 })),
          frameRate: optional(integer({ min: 1, max: 60 })),
          videoBitrateKbps: optional(integer({ min: 50, max: 20_000 })),
          gopSeconds: optional(integer({ min: 1, max: 8 })),
          audioSampleRate: optional(literal(16000, 32000, 44100, 48000)),
          audioChannels: optional(literal(1, 2)),
          audioBitrateKbps: optional(integer({ min: 32, max: 192 })),
        }),
      ),
      limits: optional(
        object({
          maxWidth: optional(integer({ min: 16, max: 3840 })),
          maxHeight: optional(integer({ min: 16, max: 2160 })),
          maxFrameRate: optional(integer({ min: 1, max: 60 })),
          maxVideoBitrateKbps: optional(integer({ min: 50, max: 20_000 })),
        }),
      ),
      maxRestarts: optional(integer({ min: 0, max: 100 })),
      restartWindowMs: optional(positive(3_600_000)),
      emptyRoomTimeoutMs: optional(integer({ min: 0, max: 3_600_000 })),
    }),
  ),
});

/** A configuration as written: every field optional. */
export type RoomServerConfigInput = Infer<typeof configSchema>;

/** A configuration that failed validation. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Validates a configuration and fills in defaults. Throws {@link ConfigError}. */
export function resolveConfig(input: unknown = {}): RoomServerConfig {
  let parsed: RoomServerConfigInput;
  try {
    parsed = configSchema.parse(input, 'config');
  } catch (err) {
    throw new ConfigError(err instanceof SchemaError ? err.message : String(err), { cause: err });
  }
  const apps = parsed.apps ?? DEFAULT_CONFIG.apps;
  const ids = new Set<number>();
  for (const app of apps) {
    if (ids.has(app.sdkAppId)) throw new ConfigError(`config.apps: sdkAppId ${app.sdkAppId} is listed twice`);
    ids.add(app.sdkAppId);
  }
  const sfuUrl = parsed.sfuUrl ?? parsed.sfuNodes?.[0]?.url ?? DEFAULT_CONFIG.sfuUrl;
  const sfuNodes = parsed.sfuNodes && parsed.sfuNodes.length > 0 ? parsed.sfuNodes : [{ id: 'default', url: sfuUrl }];
  const nodeIds = new Set<string>();
  for (const node of sfuNodes) {
    if (nodeIds.has(node.id)) throw new ConfigError(`config.sfuNodes: id ${node.id} is listed twice`);
    nodeIds.add(node.id);
  }
  return {
    port: parsed.port ?? DEFAULT_CONFIG.port,
    host: parsed.host ?? DEFAULT_CONFIG.host,
    sfuUrl,
    sfuNodes,
    sfuHealthCheck: { ...DEFAULT_CONFIG.sfuHealthCheck, ...parsed.sfuHealthCheck },
    state: resolveState(parsed.state),
    apps,
    allowedOrigins: parsed.allowedOrigins ?? DEFAULT_CONFIG.allowedOrigins,
    limits: { ...DEFAULT_CONFIG.limits, ...parsed.limits },
    heartbeat: { ...DEFAULT_CONFIG.heartbeat, ...parsed.heartbeat },
    adminSecret: parsed.adminSecret ?? DEFAULT_CONFIG.adminSecret,
    devMode: parsed.devMode ?? DEFAULT_CONFIG.devMode,
    staticDir: parsed.staticDir === undefined ? DEFAULT_CONFIG.staticDir : parsed.staticDir,
    logLevel: parsed.logLevel ?? DEFAULT_CONFIG.logLevel,
    egress: resolveEgress(parsed.egress),
    publishVideoCodecs: parsed.publishVideoCodecs ?? DEFAULT_CONFIG.publishVideoCodecs,
  };
}

function resolveEgress(egress: RoomServerConfigInput['egress']): EgressConfig {
  const d = DEFAULT_CONFIG.egress;
  const resolved: EgressConfig = {
    ...d,
    ...definedFields(egress ?? {}),
    defaults: { ...d.defaults, ...definedFields(egress?.defaults ?? {}) },
    limits: { ...d.limits, ...definedFields(egress?.limits ?? {}) },
  } as EgressConfig;
  const { defaults: def, limits } = resolved;
  if (def.width % 2 !== 0 || def.height % 2 !== 0) throw new ConfigError('config.egress.defaults: width and height must be even');
  if (def.width > limits.maxWidth || def.height > limits.maxHeight || def.frameRate > limits.maxFrameRate || def.videoBitrateKbps > limits.maxVideoBitrateKbps) {
    throw new ConfigError('config.egress.defaults exceed config.egress.limits');
  }
  return resolved;
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== undefined && k !== 'defaults' && k !== 'limits')) as Partial<T>;
}

function resolveState(state: RoomServerConfigInput['state']): StateConfig {
  if (!state || state.kind === 'memory') {
    if (state && (state.url !== undefined || state.instanceId !== undefined)) throw new ConfigError('config.state: url and instanceId need kind "redis"');
    return { kind: 'memory' };
  }
  if (state.url === undefined) throw new ConfigError('config.state.url is required with kind "redis"');
  return { kind: 'redis', url: state.url, instanceId: state.instanceId ?? null, keyPrefix: state.keyPrefix ?? 'ngx-trtc:', heartbeatMs: state.heartbeatMs ?? 2000 };
}

/** Reads the config file (if any), applies the environment and the dev flag, validates. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; dev?: boolean } = {}): RoomServerConfig {
  let raw: Record<string, unknown> = {};
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${options.file}`, { cause: err });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`config file ${options.file} is not JSON`, { cause: err });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`config file ${options.file} must hold an object`);
    raw = value as Record<string, unknown>;
  }
  raw = applyEnv(raw, options.env ?? process.env);
  if (options.dev) raw['devMode'] = true;
  return resolveConfig(raw);
}
