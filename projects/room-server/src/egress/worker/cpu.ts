/** CPU use of this process and of child processes by PID, as % of one core between two calls. */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream kernel config). */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process in seconds, or undefined when it is gone (or not on Linux). */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Samples CPU use of this process and of a changing set of children. */
export class CpuMeter {
  private _self = process.cpuUsage();
  private _at = performance.now();
  private readonly _children = new Map<number, number>();

  /** % of one core since the last call: this process, and the listed children together. */
  sample(childPids: readonly number[]): { self: number; children: number } {
    const now = performance.now();
    const wall = Math.max(1, now - this._at) / 1000;
    const usage = process.cpuUsage(this._self);
    this._self = process.cpuUsage();
    this._at = now;
    let childSeconds = 0;
    const seen = new Set<number>();
    for (const pid of childPids) {
      const total = processCpuSeconds(pid);
      if (total === undefined) continue;
      seen.add(pid);
      const before = this._children.get(pid);
      // A child first seen now counts from now on: its earlier CPU belongs to earlier samples.
      if (before !== undefined) childSeconds += Math.max(0, total - before);
      this._children.set(pid, total);
    }
    for (const pid of this._children.keys()) if (!seen.has(pid)) this._children.delete(pid);
    return { self: round1(((usage.user + usage.system) / 1e6 / wall) * 100), children: round1((childSeconds / wall) * 100) };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
