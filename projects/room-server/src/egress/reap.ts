/** Ends leftover ffmpeg processes of a worker that died, by PID. */
import { readFileSync } from 'node:fs';

/** Whether `pid` runs a program named `name` (guards against a PID reused since it was reported). */
function runs(pid: number, name: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
  } catch {
    return false;
  }
}

/**
 * A dead worker's ffmpeg processes see their input end and finish their
 * files on their own; any still running after `graceMs` is killed.
 */
export async function reapProcesses(pids: readonly number[], name: string, graceMs: number): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  let alive = pids.filter((pid) => runs(pid, name));
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    alive = alive.filter((pid) => runs(pid, name));
  }
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone between the check and the kill: nothing left to do.
    }
  }
  return alive;
}
