/**
 * Runs a throwaway redis-server for tests: 127.0.0.1, a free port, no
 * persistence, a temp dir; stopped by its PID.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLoopbackServer } from './server-process.js';

/** Where redis-server is looked for, in order. */
export function redisServerCandidates(): string[] {
  const fromPath = (process.env['PATH'] ?? '').split(':').filter(Boolean).map((dir) => join(dir, 'redis-server'));
  return [process.env['REDIS_SERVER_BIN'], '/usr/bin/redis-server', ...fromPath].filter((p): p is string => !!p);
}

/** The first redis-server found, if any. */
export function findRedisServer(): string | undefined {
  return redisServerCandidates().find((p) => existsSync(p));
}

/** A running redis-server. */
export interface RedisProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}


/** Starts redis-server; resolves once it accepts connections. */
export async function startRedis(binary: string): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  const port = await freePort();
  const { child, stop } = await startLoopbackServer({
    name: 'redis-server',
    binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    port,
    dir,
    readyTimeoutMs: 10_000,
    pollMs: 50,
    outputLimit: 4000,
  });
  return { url: `redis://127.0.0.1:${port}`, port, child, stop };
}
