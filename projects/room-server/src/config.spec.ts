import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfig, resolveConfig } from './config.js';

describe('config', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'room-server-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (content: unknown): string => {
    const path = join(dir, 'c.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('fills in defaults: loopback host, dev mode off, admin API off', () => {
    const config = resolveConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.devMode).toBeFalse();
    expect(config.adminSecret).toBeNull();
    expect(config.limits).toEqual(DEFAULT_CONFIG.limits);
  });

  it('merges partial limits and heartbeat over the defaults', () => {
    const config = resolveConfig({ limits: { maxRooms: 3 }, heartbeat: { intervalMs: 1000 } });
    expect(config.limits.maxRooms).toBe(3);
    expect(config.limits.maxPeersPerRoom).toBe(DEFAULT_CONFIG.limits.maxPeersPerRoom);
    expect(config.heartbeat).toEqual({ intervalMs: 1000, maxMissed: 2 });
  });

  it('refuses unknown keys, bad types, duplicate apps and short admin secrets', () => {
    expect(() => resolveConfig({ prot: 1 })).toThrowError(ConfigError, /prot/);
    expect(() => resolveConfig({ port: 'x' })).toThrowError(ConfigError);
    expect(() => resolveConfig({ sfuUrl: 'http://x' })).toThrowError(ConfigError);
    expect(() => resolveConfig({ apps: [{ sdkAppId: 1, secretKey: 'a' }, { sdkAppId: 1, secretKey: 'b' }] })).toThrowError(ConfigError, /twice/);
    expect(() => resolveConfig({ adminSecret: 'short' })).toThrowError(ConfigError);
  });

  it('reads a file, then environment variables over it; --dev only from the flag', () => {
    const path = file({ port: 1000, apps: [{ sdkAppId: 1, secretKey: 'k' }], devMode: false });
    const config = loadConfig({
      file: path,
      dev: true,
      env: {
        ROOM_SERVER_PORT: '2000',
        ROOM_SERVER_SFU_URL: 'ws://127.0.0.1:7001/ws',
        ROOM_SERVER_APPS: '[{"sdkAppId": 2, "secretKey": "k2"}]',
        ROOM_SERVER_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
        ROOM_SERVER_ADMIN_SECRET: 'a-long-enough-admin-secret',
        ROOM_SERVER_STATIC_DIR: '/srv/app',
        ROOM_SERVER_LOG_LEVEL: 'warn',
      },
    });
    expect(config.port).toBe(2000);
    expect(config.sfuUrl).toBe('ws://127.0.0.1:7001/ws');
    expect(config.apps).toEqual([{ sdkAppId: 2, secretKey: 'k2' }]);
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.adminSecret).toBe('a-long-enough-admin-secret');
    expect(config.staticDir).toBe('/srv/app');
    expect(config.logLevel).toBe('warn');
    expect(config.devMode).toBeTrue();
    expect(loadConfig({ file: path, env: {} }).devMode).toBeFalse();
  });

  it('reports unreadable files and bad environment values clearly', () => {
    expect(() => loadConfig({ file: join(dir, 'missing.json'), env: {} })).toThrowError(ConfigError, /cannot read/);
    expect(() => loadConfig({ file: file('{nope'), env: {} })).toThrowError(ConfigError, /not JSON/);
    expect(() => loadConfig({ env: { ROOM_SERVER_PORT: 'eighty' } })).toThrowError(ConfigError, /PORT/);
    expect(() => loadConfig({ env: { ROOM_SERVER_APPS: 'nope' } })).toThrowError(ConfigError, /APPS/);
    expect(() => loadConfig({ env: { ROOM_SERVER_LOG_LEVEL: 'loud' } })).toThrowError(ConfigError, /LOG_LEVEL/);
  });

  it('accepts the repository config file', () => {
    const config = loadConfig({ file: 'config/room-server.json', env: {} });
    expect(config.apps.length).toBeGreaterThan(0);
    expect(config.devMode).toBeFalse();
    expect(config.host).toBe('127.0.0.1');
  });
});
