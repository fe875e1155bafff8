// Builds the media core before any spec imports the generated module; the
// build skips itself when nothing changed, so this costs ~50 ms when fresh.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
execFileSync(process.execPath, [resolve(root, 'wasm/scripts/build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
