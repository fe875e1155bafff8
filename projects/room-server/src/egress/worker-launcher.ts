/**
 * Starts an egress worker process (worker/main.ts, or its build) with a
 * Node IPC channel. A seam: the manager's unit tests replace it with a fake.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { FromWorker, ToWorker } from './ipc.js';

/** A running worker as the manager sees it. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  /** Adds a listener; returns its removal. */
  onMessage(listener: (message: FromWorker) => void): () => void;
  /** Settles once, when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Lines the worker wrote to stderr (its own errors, not ffmpeg's). */
  onLog(listener: (line: string) => void): () => void;
  kill(signal: NodeJS.Signals): void;
}

/** Starts a worker for one egress. */
export type WorkerLauncher = (egressId: string) => WorkerHandle;

/** The worker's entry point: the built .js beside this module, or the .ts source when room-server runs through tsx. */
export function workerEntry(): string {
  const js = fileURLToPath(new URL('./worker/main.js', import.meta.url));
  if (existsSync(js)) return js;
  return fileURLToPath(new URL('./worker/main.ts', import.meta.url));
}

/** Forks worker/main with an IPC channel, inheriting Node's flags (so `--import tsx` carries over in tests). */
export const forkWorker: WorkerLauncher = () => {
  const child: ChildProcess = fork(workerEntry(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let partial = '';
  const logListeners = new Set<(line: string) => void>();
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) for (const l of logListeners) l(line.slice(0, 2000));
  });
  return {
    pid: child.pid,
    send: (message) => {
      // After the worker died the channel is closed; what was meant for it no longer matters.
      if (child.connected) child.send(message, (err) => void err);
    },
    onMessage: (listener) => {
      const wrapped = (message: unknown): void => listener(message as FromWorker);
      child.on('message', wrapped);
      return () => child.off('message', wrapped);
    },
    exited,
    onLog: (listener) => {
      logListeners.add(listener);
      return () => logListeners.delete(listener);
    },
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
};
