/**
 * A throwaway server process for tests (ion-sfu, redis-server): started on a
 * loopback port, its last output kept for error messages, ready once the port
 * accepts connections, stopped by its PID (SIGTERM, SIGKILL after 3 s) with its
 * temp dir removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (probed by listening on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether 127.0.0.1:`port` accepts a TCP connection now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** What {@link startLoopbackServer} starts. */
export interface LoopbackServerOptions {
  /** For error messages. */
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** The port the process listens on, polled until it accepts connections. */
  readonly port: number;
  /** A temp dir of the process's own, removed on stop. */
  readonly dir: string;
  readonly readyTimeoutMs: number;
  readonly pollMs: number;
  /** How many characters of output to keep. */
  readonly outputLimit: number;
}

/** A running {@link startLoopbackServer} process. */
export interface LoopbackServer {
  readonly child: ChildProcess;
  /** The last output (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the process; resolves once its port accepts connections, or stops it and throws with its output. */
export async function startLoopbackServer(o: LoopbackServerOptions): Promise<LoopbackServer> {
  const child = spawn(o.binary, [...o.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-o.outputLimit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(o.dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + o.readyTimeoutMs;
  while (!(await canConnect(o.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${o.name} did not start (exit ${child.exitCode}): ${log}`);
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
  return { child, output: () => log, stop };
}
