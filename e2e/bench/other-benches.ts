/**
 * The other benchmarks of the repository, run from `npm run bench` and folded
 * into docs/BENCHMARKS.md: room-server's (joins/s, p99 join latency), the
 * WASM media core's, and the capture pipeline's when present. Each writes its
 * own LAST-RUN.md (or prints Markdown); this module runs it and returns the
 * Markdown to include, headings demoted under the report's own.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from '../harness/stack.js';

/** A benchmark owned elsewhere in the repository. */
export interface OtherBench {
  id: string;
  title: string;
  /** The script file; the bench is skipped when it does not exist. */
  script: string;
  args: string[];
  /** Where it writes its Markdown; null when it prints it. */
  lastRun: string | null;
}

/** The benchmarks `npm run bench` runs besides its own. */
export const OTHER_BENCHES: OtherBench[] = [
  {
    id: 'server',
    title: 'room-server (npm run bench:server)',
    script: 'projects/room-server/bench/bench-server.ts',
    args: [],
    lastRun: 'projects/room-server/bench/LAST-RUN.md',
  },
  {
    id: 'wasm',
    title: 'WASM media core (npm run bench:wasm)',
    script: 'wasm/bench/bench-wasm.ts',
    args: [],
    lastRun: 'wasm/bench/LAST-RUN.md',
  },
  {
    id: 'e2ee',
    title: 'E2EE: CPU and glass-to-glass delay (npm run bench:e2ee)',
    script: 'e2e/bench/e2ee-bench.ts',
    args: [],
    lastRun: 'e2e/bench/E2EE-LAST-RUN.md',
  },
  {
    id: 'pipeline',
    title: 'capture pipeline in Chromium (projects/ngx-trtc/bench/pipeline-bench.ts)',
    script: 'projects/ngx-trtc/bench/pipeline-bench.ts',
    args: [],
    lastRun: null,
  },
];

/** What became of one of them. */
export interface OtherBenchResult {
  bench: OtherBench;
  ran: boolean;
  exitCode: number | null;
  seconds: number;
  /** The Markdown to fold in (headings demoted), or null. */
  markdown: string | null;
  /** When the Markdown was written (the LAST-RUN file's mtime), ISO. */
  writtenAt: string | null;
  note?: string;
}

function demote(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line, i) => !(i === 0 && /^# /.test(line)))
    .map((line) => (/^#{1,4} /.test(line) ? `##${line}` : line))
    .join('\n')
    .trim();
}

/** The Markdown part of a bench's stdout: from its first table or heading on. */
function markdownOf(stdout: string): string | null {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => /^(\||#)/.test(line));
  return start < 0 ? null : lines.slice(start).join('\n');
}

function runNode(script: string, args: string[], log: (line: string) => void): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) log(`    ${line}`);
    });
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

/** Runs (unless `run` is false) and collects one benchmark. */
export async function collectOtherBench(bench: OtherBench, run: boolean, log: (line: string) => void): Promise<OtherBenchResult> {
  const result: OtherBenchResult = { bench, ran: false, exitCode: null, seconds: 0, markdown: null, writtenAt: null };
  if (!existsSync(join(ROOT, bench.script))) {
    result.note = `${bench.script} is not in this checkout`;
    return result;
  }
  let stdout = '';
  if (run) {
    const started = Date.now();
    log(`  running ${bench.script} ${bench.args.join(' ')}`);
    const { code, stdout: out } = await runNode(bench.script, bench.args, log);
    result.ran = true;
    result.exitCode = code;
    result.seconds = (Date.now() - started) / 1000;
    stdout = out;
    if (code !== 0) result.note = `exited with ${code}; the table below may be from an earlier run`;
  }
  if (bench.lastRun && existsSync(join(ROOT, bench.lastRun))) {
    const path = join(ROOT, bench.lastRun);
    result.markdown = demote(readFileSync(path, 'utf8'));
    result.writtenAt = statSync(path).mtime.toISOString();
  } else if (stdout) {
    const md = markdownOf(stdout);
    result.markdown = md ? demote(md) : null;
    result.writtenAt = new Date().toISOString();
  } else if (!run) {
    result.note = 'not run (BENCH_SKIP_OTHERS) and it keeps no LAST-RUN file';
  }
  return result;
}
