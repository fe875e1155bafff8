#!/usr/bin/env node
// Builds and packs the two published units into dist/packages/:
//   node scripts/pack.mjs lib      ngx-trtc-<version>.tgz       (ng build ngx-trtc, then npm pack)
//   node scripts/pack.mjs server   ngx-trtc-room-server-<version>.tgz (tsc, manifest, npm pack)
//   node scripts/pack.mjs          both
// The library build is skipped when nothing it is built from changed since the
// tarball was made (a hash of its inputs sits beside the tarball), so repeated
// `npm test` runs do not pay ng-packagr's ~30 s again; --force rebuilds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'dist/packages');
const force = process.argv.includes('--force');
const log = (line) => console.log(`[pack] ${line}`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`[pack] ${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
    process.exit(result.status || 1);
  }
  return result;
}

/** `npm pack <dir>` into dist/packages; returns the tarball's path. */
function npmPack(dir) {
  mkdirSync(packagesDir, { recursive: true });
  const result = spawnSync('npm', ['pack', dir, '--pack-destination', packagesDir, '--json', '--silent'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) {
    console.error(`[pack] npm pack ${dir} failed`);
    process.exit(result.status || 1);
  }
  const [info] = JSON.parse(result.stdout);
  return join(packagesDir, info.filename);
}

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Hash of everything `ng build ngx-trtc` reads, generated sources included. */
function libraryInputsHash() {
  const hash = createHash('sha256');
  const inputs = [
    join(root, 'projects/ngx-trtc'),
    join(root, 'tsconfig.json'),
    join(root, 'angular.json'),
    join(root, 'LICENSE'),
    join(root, 'node_modules/ng-packagr/package.json'),
    join(root, 'node_modules/@angular/compiler-cli/package.json'),
    join(root, 'node_modules/typescript/package.json'),
  ];
  for (const input of inputs) {
    const list = statSync(input).isDirectory() ? [...files(input)].filter((f) => !f.includes('/bench/')) : [input];
    for (const file of list) hash.update(relative(root, file)).update('\0').update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The library: generated sources, ng-packagr (unless unchanged), npm pack. */
export function packLibrary() {
  run(process.execPath, [join(root, 'scripts/generate.mjs'), '--quiet']);
  const { version } = JSON.parse(readFileSync(join(root, 'projects/ngx-trtc/package.json'), 'utf8'));
  const tarball = join(packagesDir, `ngx-trtc-${version}.tgz`);
  const stamp = `${tarball}.inputs`;
  const hash = libraryInputsHash();
  if (!force && existsSync(tarball) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    log(`ngx-trtc ${version} up to date (${hash}): ${relative(root, tarball)}`);
    return tarball;
  }
  run('npx', ['ng', 'build', 'ngx-trtc', '--configuration', 'production'], { env: { ...process.env, NG_CLI_ANALYTICS: 'false' } });
  rmSync(stamp, { force: true });
  const packed = npmPack(join(root, 'dist/ngx-trtc'));
  writeFileSync(stamp, hash);
  log(`ngx-trtc ${version}: ${relative(root, packed)}`);
  return packed;
}

/**
 * room-server: compiled by tsc into dist/room-server with its own manifest
 * (projects/room-server/package.json: bin, dependencies), README and LICENSE.
 */
export function packServer() {
  const out = join(root, 'dist/room-server');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'projects/room-server/tsconfig.json']);
  copyFileSync(join(root, 'projects/room-server/package.json'), join(out, 'package.json'));
  copyFileSync(join(root, 'projects/room-server/README.md'), join(out, 'README.md'));
  copyFileSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
  const packed = npmPack(out);
  log(`room-server: ${relative(root, packed)}`);
  return packed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const what = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (what.length === 0 || what.includes('lib')) packLibrary();
  if (what.length === 0 || what.includes('server')) packServer();
}
