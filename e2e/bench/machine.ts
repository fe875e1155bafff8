/** The machine a benchmark ran on, and its load, for the report's header. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** nproc, CPU model, memory, OS, Node and Chromium versions. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  chromium: string;
}

/** Reads the machine's description. */
export function machineInfo(chromeBinary: string): MachineInfo {
  let chromium = 'unknown';
  try {
    chromium = execFileSync(chromeBinary, ['--version'], { encoding: 'utf8', timeout: 10000 }).trim();
  } catch {
    // The version string is informative only; the run goes on without it.
  }
  let kernel = 'unknown';
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // As above: informative only.
  }
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    kernel,
    node: process.version,
    chromium,
  };
}

/** The 1-minute load average, as "3.21". */
export function load1(): string {
  return loadavg()[0].toFixed(2);
}

/** CPU seconds (user + system) a process has used so far, from /proc (USER_HZ = 100); NaN when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
