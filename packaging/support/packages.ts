/** The packed units under test, and small helpers to look inside them and run what they install. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Packs a unit with scripts/pack.mjs (the library build is skipped when
 * unchanged, so this is cheap after scripts/test.sh has packed) and returns
 * the tarball's path.
 */
export function packed(unit: 'lib' | 'server'): string {
  const manifest = unit === 'lib' ? 'projects/ngx-trtc/package.json' : 'projects/room-server/package.json';
  const { name, version } = JSON.parse(readFileSync(join(ROOT, manifest), 'utf8')) as { name: string; version: string };
  const tarball = join(ROOT, 'dist/packages', `${name}-${version}.tgz`);
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts/pack.mjs'), unit], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0 || !existsSync(tarball)) throw new Error(`scripts/pack.mjs ${unit} failed:\n${run.stdout}\n${run.stderr}`);
  return tarball;
}

/** The paths inside a tarball (without the leading `package/`). */
export function listTarball(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
}

/** One file of a tarball, as text. */
export function readFromTarball(tarball: string, path: string): string {
  return execFileSync('tar', ['-xzOf', tarball, `package/${path}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
