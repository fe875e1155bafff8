/**
 * Environment variables over the config file: one for every config key, so a
 * container or a systemd unit needs no file at all. Names are
 * `ROOM_SERVER_` + the key's path in SCREAMING_SNAKE_CASE
 * (`limits.maxRooms` → `ROOM_SERVER_LIMITS_MAX_ROOMS`), derived from
 * {@link DEFAULT_CONFIG}, so a key added there has its variable without a
 * line here; a few keep shorter historical names (table below). Secrets also
 * read `<NAME>_FILE`, a file holding the value (Docker/Compose secrets,
 * systemd credentials), so they need not sit in the environment.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from './config.js';

/** How a variable's text becomes a value. */
export type EnvValueKind = 'integer' | 'number' | 'boolean' | 'string' | 'nullable-string' | 'string-list' | 'json';

/** One environment variable. */
export interface EnvVar {
  readonly name: string;
  /** The config key it sets, as a path (`['limits', 'maxRooms']`). */
  readonly path: readonly string[];
  readonly kind: EnvValueKind;
  /** Also read from `<name>_FILE`; never printed. */
  readonly secret: boolean;
  /** One line for `--help` and the docs. */
  readonly description: string;
}

/** The prefix of every variable. */
export const ENV_PREFIX = 'ROOM_SERVER_';

/** Keys whose variable is not the derived name, and keys DEFAULT_CONFIG does not show (the Redis state's). */
const SPECIAL: readonly EnvVar[] = [
  {
    name: 'ROOM_SERVER_REDIS_URL',
    path: ['state', 'url'],
    kind: 'string',
    secret: true,
    description: 'redis[s]://[user:password@]host:port[/db]; setting it selects the Redis state store (state.kind = redis)',
  },
  { name: 'ROOM_SERVER_INSTANCE_ID', path: ['state', 'instanceId'], kind: 'string', secret: false, description: 'this instance\'s name in Redis (default hostname-pid-random)' },
  { name: 'ROOM_SERVER_STATE_KIND', path: ['state', 'kind'], kind: 'string', secret: false, description: 'memory (one instance) or redis' },
  { name: 'ROOM_SERVER_STATE_KEY_PREFIX', path: ['state', 'keyPrefix'], kind: 'string', secret: false, description: 'prefix of every Redis key (default ngx-trtc:)' },
  { name: 'ROOM_SERVER_STATE_HEARTBEAT_MS', path: ['state', 'heartbeatMs'], kind: 'integer', secret: false, description: 'instance heartbeat period in Redis, ms (default 2000)' },
  { name: 'ROOM_SERVER_APPS', path: ['apps'], kind: 'json', secret: true, description: 'JSON array of {sdkAppId, secretKey}' },
  { name: 'ROOM_SERVER_SFU_NODES', path: ['sfuNodes'], kind: 'json', secret: false, description: 'JSON array of {id, url} (ion-sfu nodes; overrides sfuUrl)' },
  // docs/egress.md's names, kept: the whole egress object as JSON (merged over the file's, under the ROOM_SERVER_EGRESS_* keys) and the recordings folder.
  { name: 'ROOM_SERVER_EGRESS', path: ['egress'], kind: 'json', secret: false, description: 'egress as a JSON object, merged over the file\'s (the ROOM_SERVER_EGRESS_* variables override it)' },
  { name: 'ROOM_SERVER_RECORDINGS_DIR', path: ['egress', 'recordingsDir'], kind: 'string', secret: false, description: 'egress.recordingsDir (string; default recordings)' },
];

/** Keys that hold secrets: read from `<NAME>_FILE` too, never echoed. */
const SECRET_KEY = /secret|password|credential|token/i;

const snake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** The variable name derived from a key path. */
export function envNameOf(path: readonly string[]): string {
  return ENV_PREFIX + path.map(snake).join('_');
}

function kindOf(value: unknown): EnvValueKind {
  if (value === null) return 'nullable-string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? 'string-list' : 'json';
  return 'json';
}

/** Whether the schema takes null for this key (`staticDir: null` = serve no files). */
function acceptsNull(path: readonly string[]): boolean {
  const probe: Record<string, unknown> = {};
  setPath(probe, path, null);
  try {
    resolveConfig(probe);
    return true;
  } catch {
    return false;
  }
}

function describe(path: readonly string[], value: unknown, kind: EnvValueKind): string {
  const shown = kind === 'string-list' ? 'comma-separated' : kind === 'nullable-string' ? '"null" for none' : kind;
  const fallback = Array.isArray(value) ? (value.length ? JSON.stringify(value) : 'empty') : String(value);
  return `${path.join('.')} (${shown}; default ${fallback})`;
}

function leaves(value: unknown, path: string[], out: Array<{ path: string[]; value: unknown }>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, [...path, key], out);
  } else {
    out.push({ path, value });
  }
}

let table: readonly EnvVar[] | null = null;

/** Every variable room-server reads, derived from DEFAULT_CONFIG plus the special cases. */
export function envVars(): readonly EnvVar[] {
  if (table) return table;
  const special = new Map(SPECIAL.map((v) => [v.path.join('.'), v]));
  const derived: EnvVar[] = [];
  const found: Array<{ path: string[]; value: unknown }> = [];
  leaves(DEFAULT_CONFIG, [], found);
  for (const { path, value } of found) {
    const key = path.join('.');
    if (special.has(key)) continue;
    let kind = kindOf(value);
    if (kind === 'string' && acceptsNull(path)) kind = 'nullable-string';
    derived.push({ name: envNameOf(path), path, kind, secret: SECRET_KEY.test(path[path.length - 1]!), description: describe(path, value, kind) });
  }
  // Whole-object variables first, so the per-key ones override what they set.
  const objects = SPECIAL.filter((v) => v.path.length === 1 && v.kind === 'json' && isPlainObject(DEFAULT_CONFIG[v.path[0] as keyof typeof DEFAULT_CONFIG]));
  table = [...objects, ...derived, ...SPECIAL.filter((v) => !objects.includes(v))];
  return table;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parse(v: EnvVar, text: string): unknown {
  switch (v.kind) {
    case 'integer':
      if (!/^-?\d{1,15}$/.test(text)) throw new ConfigError(`${v.name} must be an integer, got ${JSON.stringify(text)}`);
      return Number(text);
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${v.name} must be a number, got ${JSON.stringify(text)}`);
      return n;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      throw new ConfigError(`${v.name} must be true or false, got ${JSON.stringify(text)}`);
    case 'nullable-string':
      return text === 'null' ? null : text;
    case 'string-list':
      if (text.trim().startsWith('[')) return parseJson(v, text);
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'json':
      return parseJson(v, text);
    case 'string':
      return text;
  }
}

function parseJson(v: EnvVar, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${v.name} must be JSON: ${v.description}`, { cause: err });
  }
}

/** The variable's text: `<NAME>`, or for a secret the contents of the file `<NAME>_FILE` names. */
function readVar(v: EnvVar, env: NodeJS.ProcessEnv): string | undefined {
  const direct = env[v.name];
  const file = v.secret ? env[`${v.name}_FILE`] : undefined;
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasDirect && hasFile) throw new ConfigError(`set ${v.name} or ${v.name}_FILE, not both`);
  if (hasFile) {
    try {
      // A file written by an editor or `echo` ends with a newline that is not part of the secret.
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(`${v.name}_FILE: cannot read ${file}`, { cause: err });
    }
  }
  return hasDirect ? direct : undefined;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Applies the environment over a raw configuration object (before
 * validation). A value the config schema refuses is reported with its
 * variable's name.
 */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const v of envVars()) {
    const text = readVar(v, env);
    if (text === undefined) continue;
    let value = parse(v, text);
    const current = v.path.length === 1 ? out[v.path[0]!] : undefined;
    if (v.kind === 'json' && isPlainObject(DEFAULT_CONFIG[v.path[0] as keyof typeof DEFAULT_CONFIG]) && v.path.length === 1) {
      if (!isPlainObject(value)) throw new ConfigError(`${v.name} must be a JSON object`);
      if (isPlainObject(current)) value = { ...current, ...value };
    }
    if (v.path[0] !== 'state') {
      // Checked alone, so a refusal names the variable (the state's keys depend on each other: checked together later).
      const probe: Record<string, unknown> = {};
      setPath(probe, v.path, value);
      try {
        resolveConfig(probe);
      } catch (err) {
        const message = err instanceof ConfigError ? err.message : String(err);
        // Schema messages name the rule broken, never the value, so this is safe for secrets too.
        throw new ConfigError(`${v.name}: ${message}`, { cause: err });
      }
    }
    setPath(out, v.path, value);
    if (v.name === 'ROOM_SERVER_REDIS_URL' && env['ROOM_SERVER_STATE_KIND'] === undefined) setPath(out, ['state', 'kind'], 'redis');
  }
  return out;
}

/** `NAME  description` lines for `--help`, after `extra` lines of the same shape. */
export function envHelp(extra: ReadonlyArray<readonly [name: string, description: string]> = []): string {
  const rows: Array<readonly [string, string]> = [
    ...extra,
    ...envVars().map((v) => [v.secret ? `${v.name}[_FILE]` : v.name, `${v.description}${v.secret ? ' (secret)' : ''}`] as const),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, description]) => `  ${name.padEnd(width + 2)}${description}`).join('\n');
}
