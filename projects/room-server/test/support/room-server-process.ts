/** Runs room-server as a child process (the CLI through tsx), for tests that kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ion-sfu-process.js';

/** A room-server child process. */
export interface RoomServerProcess {
  readonly port: number;
  /** ws://127.0.0.1:port/rtc */
  readonly url: string;
  readonly child: ChildProcess;
  /** Recent output, for failure messages. */
  output(): string;
  /** SIGKILL: no goodbye to anyone (a crash). */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Starts room-server with `config` (port and host are filled in); resolves once /healthz answers. */
export async function startRoomServerProcess(config: Record<string, unknown>): Promise<RoomServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'room-server-test-'));
  const port = await freePort();
  const file = join(dir, 'room-server.json');
  writeFileSync(file, JSON.stringify({ ...config, port, host: '127.0.0.1' }));
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('projects/room-server/src/main.ts'), '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROOM_SERVER_REDIS_URL: '', ROOM_SERVER_SFU_URL: '' },
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await end('SIGKILL');
      throw new Error(`room-server did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url: `ws://127.0.0.1:${port}/rtc`, child, output: () => log, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
