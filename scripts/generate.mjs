#!/usr/bin/env node
// The one step that writes the library's generated sources, in order. Every
// build and test path runs it first (the Angular builders through
// scripts/ng-builders, scripts/build.sh, scripts/test.sh, npm start), so a new
// generator is added here and nowhere else. Each generator skips its work
// when its inputs are unchanged, and takes --force (rebuild anyway) and
// --quiet, which are passed on to every one.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Generators of library sources, in the order they must run. */
const GENERATORS = [
  { name: 'WASM media core → projects/ngx-trtc/src/lib/media/wasm/generated', script: 'wasm/scripts/build.mjs' },
  { name: 'E2EE worker + RNNoise binary → projects/ngx-trtc/src/lib/media/*/generated', script: 'scripts/build-media-extras.mjs' },
];

const args = process.argv.slice(2);
for (const { name, script } of GENERATORS) {
  const run = spawnSync(process.execPath, [join(root, script), ...args], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`[generate] ${name} failed (${script} exited with ${run.status ?? run.signal})`);
    process.exit(run.status || 1);
  }
}
