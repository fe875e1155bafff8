/**
 * room-server as an operator installs it: the packed tarball in a clean folder
 * outside the repository with only its own dependencies, then the
 * `room-server` bin: --help, --version, and a real start answering /healthz.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, listTarball, packed, readFromTarball } from '../support/packages.js';

interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('room-server package (npm pack, installed in a clean folder)', () => {
  let tarball: string;
  let manifest: Manifest;
  let dir: string;
  let bin: string;

  beforeAll(() => {
    tarball = packed('server');
    manifest = JSON.parse(readFromTarball(tarball, 'package.json')) as Manifest;
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'room-server-install-')));
    // No package.json of our own: what npm writes is the tarball and what it depends on, nothing else.
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', tarball], { cwd: dir, encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${install.stdout}\n${install.stderr}`);
    bin = join(dir, 'node_modules/.bin/room-server');
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('declares a room-server bin and every package its code imports, at the workspace\'s versions', () => {
    expect(manifest.bin).toEqual({ 'room-server': './main.js' });
    const files = listTarball(tarball);
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => /\.(ts|map)$/.test(f) || f.includes('.spec.'))).withContext('compiled JS only').toEqual([]);
    const imported = new Set<string>();
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      // Static and dynamic imports, and createRequire(...)('pkg') (how egress loads the native @roamhq/wrtc).
      const uses = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|createRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g;
      for (const m of readFromTarball(tarball, file).matchAll(uses)) {
        const spec = (m[1] ?? m[2] ?? m[3])!;
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect([...imported].sort()).withContext('imports = dependencies').toEqual(Object.keys(manifest.dependencies).sort());
    const workspace = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      expect(workspace.dependencies[name]).withContext(`${name}: the workspace tests the version that ships`).toBe(range);
    }
  });

  it('installs only its own dependencies', () => {
    const installed = readdirSync(join(dir, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(installed).toContain('ngx-trtc-room-server');
    for (const forbidden of ['@angular', 'typescript', 'tsx', 'jasmine', 'ion-sdk-js', 'ngx-trtc']) {
      expect(installed).withContext('no workspace packages').not.toContain(forbidden);
    }
  });

  it('prints --version and --help (with every environment variable)', () => {
    const version = spawnSync(bin, ['--version'], { cwd: dir, encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(manifest.version);
    const help = spawnSync(bin, ['--help'], { cwd: dir, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage:');
    for (const name of ['ROOM_SERVER_PORT', 'ROOM_SERVER_LIMITS_MAX_ROOMS', 'ROOM_SERVER_APPS[_FILE]', 'ROOM_SERVER_ADMIN_SECRET[_FILE]']) {
      expect(help.stdout).toContain(name);
    }
  });

  it('starts from the environment alone (secrets from *_FILE), answers /healthz and stops on SIGTERM', async () => {
    const port = await freePort();
    const apps = join(dir, 'apps.json');
    writeFileSync(apps, JSON.stringify([{ sdkAppId: 1400000001, secretKey: 'a-secret-key-for-the-package-spec' }]));
    const child = spawn(bin, [], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env['PATH'],
        HOME: dir,
        ROOM_SERVER_HOST: '127.0.0.1',
        ROOM_SERVER_PORT: String(port),
        ROOM_SERVER_STATIC_DIR: 'null',
        ROOM_SERVER_APPS_FILE: apps,
        // Nothing listens there: liveness does not depend on ion-sfu.
        ROOM_SERVER_SFU_URL: `ws://127.0.0.1:${await freePort()}/ws`,
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let status = 0;
      for (const deadline = Date.now() + 20_000; Date.now() < deadline && child.exitCode === null; ) {
        try {
          status = (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
          if (status === 200) break;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).withContext(output).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/dev/usersig?userId=a`)).status).withContext('dev mode is off').toBe(404);
    } finally {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      expect(await exited).withContext(output).toBe(0);
      clearTimeout(timer);
    }
  }, 60_000);
});
