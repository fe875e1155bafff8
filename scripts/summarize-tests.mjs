#!/usr/bin/env node
// Sums the per-suite counts written to .test-results/*.json and prints the
// one line CI reads: "N passed, N failed". A suite that crashed before
// reporting, or exited non-zero with no failed spec, counts as one failure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...suites] = process.argv.slice(2);
const exits = new Map();
const exitsFile = join(dir, 'exits.txt');
if (existsSync(exitsFile)) {
  for (const line of readFileSync(exitsFile, 'utf8').split('\n')) {
    const m = /^\[(.+)\] exit (\d+)$/.exec(line.trim());
    if (m) exits.set(m[1], Number(m[2]));
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
console.log('\n== summary ==');
for (const suite of suites) {
  const file = join(dir, `${suite}.json`);
  const exit = exits.get(suite) ?? 1;
  if (!existsSync(file)) {
    console.log(`${suite.padEnd(12)} did not report (exit ${exit}): counted as 1 failure`);
    failed += 1;
    continue;
  }
  const counts = JSON.parse(readFileSync(file, 'utf8'));
  let suiteFailed = counts.failed;
  if (exit !== 0 && suiteFailed === 0) suiteFailed = 1;
  passed += counts.passed;
  failed += suiteFailed;
  skipped += counts.skipped;
  console.log(
    `${suite.padEnd(12)} ${counts.passed} passed, ${suiteFailed} failed, ${counts.skipped} skipped (exit ${exit})`,
  );
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
