/**
 * Child processes started by the e2e harness, tracked by PID so every one is
 * stopped (TERM, then KILL) when a test ends, fails or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A started child process, its log file and a way to wait for a log line. */
export interface TrackedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves when stdout/stderr matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Whether the process has exited. */
  hasExited(): boolean;
}

const live = new Set<ChildProcess>();
let exitHooksInstalled = false;

/** Kills every tracked child synchronously (used from process exit hooks). */
export function killAllTrackedSync(): void {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the kill: nothing to do.
      }
    }
  }
  live.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', killAllTrackedSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllTrackedSync();
      process.exit(130);
    });
  }
}

/** Starts a tracked child with its output going to `<logDir>/<name>.log`. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logDir: string },
): TrackedProcess {
  installExitHooks();
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  live.add(child);
  let output = '';
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    output += chunk.toString();
    if (output.length > 1_000_000) output = output.slice(-500_000);
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('exit', () => {
    live.delete(child);
    log.end();
    for (const watcher of [...watchers]) watcher();
  });

  return {
    name,
    pid: child.pid,
    child,
    logFile,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            done();
            resolve(match[0]);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${pattern}; see ${logFile}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms; see ${logFile}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Stops a tracked process by PID: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc: TrackedProcess, graceMs = 3000): Promise<void> {
  if (proc.hasExited()) return;
  const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  try {
    process.kill(proc.pid, 'SIGTERM');
  } catch {
    return; // Exited between the check and the signal.
  }
  const timer = setTimeout(() => {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // Exited during the grace period.
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
