#!/usr/bin/env node
// Type-checks what the test runners load without type-checking (tsx strips
// types): e2e harness/specs, benchmarks, room-server with its specs, the WASM
// project's TypeScript, and the Go peers of the fan-out bench. One "spec" per project; counts go to
// .test-results/typecheck.json for the summary line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const projects = ['e2e/tsconfig.json', 'e2e/bench/tsconfig.json', 'projects/room-server/tsconfig.spec.json', 'wasm/tsconfig.json', 'packaging/tsconfig.json'];
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const counts = { passed: 0, failed: 0, skipped: 0 };
for (const project of projects) {
  const run = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: root, encoding: 'utf8' });
  if (run.status === 0) {
    counts.passed++;
    console.log(`  ✓ tsc -p ${project}`);
  } else {
    counts.failed++;
    console.log(`  ✗ tsc -p ${project}\n${(run.stdout + run.stderr).trim().split('\n').slice(0, 20).join('\n')}`);
  }
}
// The fan-out bench's Go peers (e2e/bench/fanout): compiled and vetted here so a
// change that breaks them shows before someone runs `npm run bench`.
{
  const run = spawnSync('go', ['vet', '.'], { cwd: join(root, 'e2e/bench/fanout'), encoding: 'utf8' });
  if (run.status === 0) {
    counts.passed++;
    console.log('  ✓ go vet e2e/bench/fanout');
  } else {
    counts.failed++;
    console.log(`  ✗ go vet e2e/bench/fanout\n${((run.stdout ?? '') + (run.stderr ?? '') + (run.error?.message ?? '')).trim().split('\n').slice(0, 20).join('\n')}`);
  }
}
mkdirSync(join(root, '.test-results'), { recursive: true });
writeFileSync(join(root, '.test-results/typecheck.json'), JSON.stringify(counts));
console.log(`[typecheck] ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);
