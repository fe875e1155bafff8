#!/usr/bin/env node
// Runs one Jasmine-on-Node suite (wasm, room-server or e2e) with TypeScript
// specs loaded through tsx, and writes its counts to .test-results/<suite>.json
// so scripts/test.sh can print one summary line for every suite.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const suites = {
  wasm: 'wasm/jasmine.json',
  'room-server': 'projects/room-server/jasmine.json',
  e2e: 'e2e/jasmine.json',
  packaging: 'packaging/jasmine.json',
};

const suite = process.argv[2];
if (!suites[suite]) {
  console.error(`usage: run-jasmine.mjs <${Object.keys(suites).join('|')}> [jasmine args…]`);
  process.exit(2);
}

const resultsDir = join(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });
const resultFile = join(resultsDir, `${suite}.json`);
rmSync(resultFile, { force: true });

const run = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    join(root, 'node_modules/jasmine/bin/jasmine.js'),
    `--config=${suites[suite]}`,
    `--reporter=${join(root, 'scripts/jasmine-count-reporter.mjs')}`,
    ...process.argv.slice(3),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TEST_RESULT_FILE: resultFile } },
);

if (!existsSync(resultFile)) {
  console.error(`[${suite}] suite did not report results (exit ${run.status ?? run.signal})`);
  process.exit(run.status || 1);
}
const counts = JSON.parse(readFileSync(resultFile, 'utf8'));
console.log(`[${suite}] ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(run.status ?? 1);
