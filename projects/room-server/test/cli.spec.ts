/** The CLI (src/main.ts) as an operator runs it: minting tokens, serving, shutting down on SIGTERM. */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { verifyPrivateMapKey } from '../src/auth/private-map-key.js';
import { verifyUserSig } from '../src/auth/usersig.js';
import { loadConfig } from '../src/config.js';

const MAIN = resolve('projects/room-server/src/main.ts');
const CONFIG = resolve('config/room-server.json');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });

describe('room-server CLI', () => {
  const app = loadConfig({ file: CONFIG, env: {} }).apps[0]!;
  const secretKeyOf = (id: number) => (id === app.sdkAppId ? app.secretKey : undefined);

  it('prints a UserSig that verifies', () => {
    const out = run(['usersig', '--config', CONFIG, '--sdkAppId', String(app.sdkAppId), '--userId', 'alice', '--expire', '600']);
    expect(out.status).toBe(0);
    expect(() => verifyUserSig(out.stdout.trim(), { sdkAppId: app.sdkAppId, userId: 'alice', secretKeyOf })).not.toThrow();
  });

  it('prints a privateMapKey that verifies for its room', () => {
    const out = run(['privatemapkey', '--config', CONFIG, '--userId', 'bob', '--roomId', 'demo-room', '--privileges', '42']);
    expect(out.status).toBe(0);
    expect(verifyPrivateMapKey(out.stdout.trim(), { sdkAppId: app.sdkAppId, userId: 'bob', roomId: 'demo-room', secretKeyOf })).toBe(42);
  });

  it('exits 2 with usage on bad arguments, 1 on a bad config', () => {
    expect(run(['usersig', '--config', CONFIG]).status).toBe(2);
    expect(run(['usersig', '--config', CONFIG, '--sdkAppId', '7', '--userId', 'a']).status).toBe(2);
    expect(run(['frobnicate', '--config', CONFIG]).status).toBe(2);
    const bad = run(['--config', CONFIG], { ROOM_SERVER_PORT: 'eighty' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('ROOM_SERVER_PORT');
  });

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', CONFIG], {
      env: { ...process.env, ROOM_SERVER_PORT: '0', ROOM_SERVER_STATIC_DIR: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 15_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"msg":"room-server listening".*"port":(\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolvePort(Number(match[1]));
        }
      });
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/dev/usersig?userId=a`)).status).withContext('dev mode needs --dev').toBe(404);
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('room-server stopped');
  }, 30_000);
});
