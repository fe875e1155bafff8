import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfig, resolveConfig } from './config.js';
import { envHelp, envVars, type EnvVar } from './config-env.js';

/** Values for variables whose kind alone does not give a valid one (patterns, enums, JSON shapes). */
const SAMPLES: Record<string, string> = {
  ROOM_SERVER_HOST: '0.0.0.0',
  ROOM_SERVER_SFU_URL: 'ws://10.0.0.21:7000/ws',
  ROOM_SERVER_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
  ROOM_SERVER_ADMIN_SECRET: 'an-admin-secret-long-enough',
  ROOM_SERVER_STATIC_DIR: '/srv/app',
  ROOM_SERVER_LOG_LEVEL: 'warn',
  ROOM_SERVER_REDIS_URL: 'redis://:pw@10.0.0.30:6379/1',
  ROOM_SERVER_INSTANCE_ID: 'rs-7',
  ROOM_SERVER_STATE_KIND: 'redis',
  ROOM_SERVER_STATE_KEY_PREFIX: 'prod:',
  ROOM_SERVER_STATE_HEARTBEAT_MS: '2500',
  ROOM_SERVER_APPS: '[{"sdkAppId": 1400000009, "secretKey": "k9"}]',
  ROOM_SERVER_SFU_NODES: '[{"id": "a", "url": "ws://10.0.0.21:7000/ws"}, {"id": "b", "url": "ws://10.0.0.22:7000/ws"}]',
  ROOM_SERVER_EGRESS: '{"maxEgresses": 4, "recordCdnStreams": true}',
  ROOM_SERVER_RECORDINGS_DIR: '/var/lib/room-server/recordings',
  ROOM_SERVER_EGRESS_FFMPEG_PATH: '/usr/local/bin/ffmpeg',
  ROOM_SERVER_EGRESS_CDN_BASE_URL: 'rtmp://live.example/app',
  ROOM_SERVER_EGRESS_RTMP_URL_PREFIXES: 'rtmp://live.example/, rtmps://cdn.example/',
  ROOM_SERVER_PUBLISH_VIDEO_CODECS: 'VP8,VP9',
  ROOM_SERVER_EGRESS_DEFAULTS_WIDTH: '1280',
  ROOM_SERVER_EGRESS_DEFAULTS_HEIGHT: '720',
  ROOM_SERVER_EGRESS_DEFAULTS_AUDIO_SAMPLE_RATE: '44100',
};

function get(config: object, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
}

function leafPaths(value: unknown, path: string[] = []): string[][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...path, key]));
  }
  return [path];
}

/** A value for `v` other than its default, as text, and what the config should then hold. */
function sampleOf(v: EnvVar): { text: string; expected: (config: object) => void } | null {
  const fallback = get(DEFAULT_CONFIG, v.path);
  const sample = SAMPLES[v.name];
  if (v.kind === 'integer' && sample === undefined) {
    const value = (fallback as number) + 1;
    return { text: String(value), expected: (c) => expect(get(c, v.path)).withContext(v.name).toBe(value) };
  }
  if (v.kind === 'boolean' && sample === undefined) {
    return { text: String(!fallback), expected: (c) => expect(get(c, v.path)).withContext(v.name).toBe(!fallback) };
  }
  if (sample === undefined) return null;
  const parsed =
    v.kind === 'json' ? JSON.parse(sample) : v.kind === 'string-list' ? sample.split(',').map((s) => s.trim()) : v.kind === 'integer' ? Number(sample) : sample;
  // A whole-object variable is merged over the defaults: what it names is set, the rest stays.
  const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  return { text: sample, expected: (c) => expect(get(c, v.path)).withContext(v.name).toEqual(isObject ? jasmine.objectContaining(parsed) : parsed) };
}

describe('config from the environment', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'room-server-env-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has a variable for every config key', () => {
    // The Redis state shows the keys the default (memory) state does not have.
    const keys = leafPaths(resolveConfig({ state: { kind: 'redis', url: 'redis://127.0.0.1:6379' } })).map((p) => p.join('.'));
    const covered = new Set(envVars().map((v) => v.path.join('.')));
    const missing = keys.filter((k) => !covered.has(k));
    expect(missing).withContext('add the key to DEFAULT_CONFIG (its variable is derived) or to SPECIAL in src/config-env.ts').toEqual([]);
    expect(new Set(envVars().map((v) => v.name)).size).withContext('variable names are unique').toBe(envVars().length);
  });

  it('sets each key from its variable', () => {
    for (const v of envVars()) {
      const sample = sampleOf(v);
      expect(sample).withContext(`no sample value for ${v.name}: add one to SAMPLES`).not.toBeNull();
      if (!sample) continue;
      // State keys other than the URL need the Redis store.
      const env: NodeJS.ProcessEnv = { [v.name]: sample.text };
      if (v.path[0] === 'state' && v.name !== 'ROOM_SERVER_REDIS_URL') env['ROOM_SERVER_REDIS_URL'] = 'redis://127.0.0.1:6379';
      sample.expected(loadConfig({ env }));
    }
  });

  it('lets the Redis URL pick the Redis store, and a state kind of memory refuse it', () => {
    expect(loadConfig({ env: { ROOM_SERVER_REDIS_URL: 'redis://h:6379' } }).state.kind).toBe('redis');
    expect(() => loadConfig({ env: { ROOM_SERVER_REDIS_URL: 'redis://h:6379', ROOM_SERVER_STATE_KIND: 'memory' } })).toThrowError(ConfigError);
  });

  it('overrides the file and turns nullable keys off with "null"', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ limits: { maxRooms: 5, maxPeersPerRoom: 6 }, staticDir: '/srv/a', adminSecret: 'a-secret-of-sixteen+' }));
    const config = loadConfig({ file, env: { ROOM_SERVER_LIMITS_MAX_ROOMS: '7', ROOM_SERVER_STATIC_DIR: 'null', ROOM_SERVER_ADMIN_SECRET: 'null' } });
    expect(config.limits.maxRooms).toBe(7);
    expect(config.limits.maxPeersPerRoom).withContext('the file\'s other limits stay').toBe(6);
    expect(config.staticDir).toBeNull();
    expect(config.adminSecret).toBeNull();
  });

  it('merges ROOM_SERVER_EGRESS over the file\'s egress, under the per-key variables', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ egress: { maxEgresses: 5, ffmpegPath: '/opt/ffmpeg' } }));
    const config = loadConfig({
      file,
      env: { ROOM_SERVER_EGRESS: '{"maxEgresses": 6, "clientApi": false}', ROOM_SERVER_EGRESS_MAX_EGRESSES: '7', ROOM_SERVER_RECORDINGS_DIR: '/rec' },
    });
    expect(config.egress).toEqual(jasmine.objectContaining({ maxEgresses: 7, clientApi: false, ffmpegPath: '/opt/ffmpeg', recordingsDir: '/rec' }));
    expect(() => loadConfig({ env: { ROOM_SERVER_EGRESS: '[1]' } })).toThrowError(ConfigError, /ROOM_SERVER_EGRESS must be a JSON object/);
  });

  it('reads secrets from <NAME>_FILE, without the trailing newline', () => {
    const secrets = envVars().filter((v) => v.secret);
    expect(secrets.map((v) => v.name).sort()).toEqual(['ROOM_SERVER_ADMIN_SECRET', 'ROOM_SERVER_APPS', 'ROOM_SERVER_REDIS_URL']);
    const write = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const config = loadConfig({
      env: {
        ROOM_SERVER_ADMIN_SECRET_FILE: write('admin', 'an-admin-secret-from-a-file\n'),
        ROOM_SERVER_APPS_FILE: write('apps', '[{"sdkAppId": 7, "secretKey": "from-file"}]\n'),
        ROOM_SERVER_REDIS_URL_FILE: write('redis', 'redis://:pw@10.0.0.30:6379'),
      },
    });
    expect(config.adminSecret).toBe('an-admin-secret-from-a-file');
    expect(config.apps).toEqual([{ sdkAppId: 7, secretKey: 'from-file' }]);
    expect(config.state).toEqual(jasmine.objectContaining({ kind: 'redis', url: 'redis://:pw@10.0.0.30:6379' }));
  });

  it('refuses a secret set twice or a _FILE it cannot read, naming the variable', () => {
    const path = join(dir, 'admin');
    writeFileSync(path, 'an-admin-secret-from-a-file');
    expect(() => loadConfig({ env: { ROOM_SERVER_ADMIN_SECRET: 'x'.repeat(20), ROOM_SERVER_ADMIN_SECRET_FILE: path } })).toThrowError(
      ConfigError,
      /ROOM_SERVER_ADMIN_SECRET or ROOM_SERVER_ADMIN_SECRET_FILE/,
    );
    expect(() => loadConfig({ env: { ROOM_SERVER_APPS_FILE: join(dir, 'missing') } })).toThrowError(ConfigError, /ROOM_SERVER_APPS_FILE: cannot read/);
    // Only secrets have a _FILE form.
    expect(loadConfig({ env: { ROOM_SERVER_PORT_FILE: path } }).port).toBe(DEFAULT_CONFIG.port);
  });

  it('names the variable when its value is refused', () => {
    expect(() => loadConfig({ env: { ROOM_SERVER_LIMITS_MAX_ROOMS: 'many' } })).toThrowError(ConfigError, /ROOM_SERVER_LIMITS_MAX_ROOMS must be an integer/);
    expect(() => loadConfig({ env: { ROOM_SERVER_HEARTBEAT_MAX_MISSED: '1000' } })).toThrowError(ConfigError, /^ROOM_SERVER_HEARTBEAT_MAX_MISSED: /);
    expect(() => loadConfig({ env: { ROOM_SERVER_DEV_MODE: 'sometimes' } })).toThrowError(ConfigError, /ROOM_SERVER_DEV_MODE must be true or false/);
    expect(() => loadConfig({ env: { ROOM_SERVER_ADMIN_SECRET: 'short' } })).toThrowError(ConfigError, /^ROOM_SERVER_ADMIN_SECRET: /);
    expect(() => loadConfig({ env: { ROOM_SERVER_SFU_NODES: '{' } })).toThrowError(ConfigError, /ROOM_SERVER_SFU_NODES must be JSON/);
  });

  it('lists every variable in --help and in docs/DEPLOYMENT.md', () => {
    const help = envHelp();
    const deployment = readFileSync('docs/DEPLOYMENT.md', 'utf8');
    for (const v of envVars()) {
      expect(help).withContext('--help').toContain(v.name);
      expect(deployment).withContext('docs/DEPLOYMENT.md').toContain(`\`${v.name}\``);
    }
  });
});
