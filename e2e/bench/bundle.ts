/**
 * Bundle sizes: the conference app (`ng build conference`, production, into a
 * temporary folder so dist/ stays as other runs left it), the minimal app
 * (e2e/bench/minimal-app, esbuild, minified), and trtc-js-sdk v4's published
 * bundle (`npm pack` into a temporary folder, never committed). Sizes are
 * gzip level 9 of each file, as a server with static gzip would send it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';

import { ROOT } from '../harness/stack.js';

const run = promisify(execFile);

/** Raw and gzip bytes of one file or bundle. */
export interface Size {
  raw: number;
  gzip: number;
}

const sizeOf = (bytes: Uint8Array): Size => ({ raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });

/** Occurrences of the gRPC / protobuf connector's tell-tale names in some JS. */
export function connectorHits(js: string): { grpc: number; protobuf: number } {
  return { grpc: (js.match(/grpc/gi) ?? []).length, protobuf: (js.match(/protobuf/gi) ?? []).length };
}

/** The conference app's build. */
export interface ConferenceBundle {
  files: Array<{ file: string; initial: boolean } & Size>;
  initial: Size;
  total: Size;
  wasmFiles: number;
  connector: { grpc: number; protobuf: number };
  buildSeconds: number;
  error?: string;
}

/** Builds the conference app (production) into a temporary folder and measures it. */
export async function measureConference(): Promise<ConferenceBundle> {
  const out = mkdtempSync(join(tmpdir(), 'ngx-trtc-bench-conference-'));
  const started = Date.now();
  try {
    await run('npx', ['ng', 'build', 'conference', '--configuration=production', `--output-path=${out}`], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
    });
    const browserDir = join(out, 'browser');
    const index = readFileSync(join(browserDir, 'index.html'), 'utf8');
    const files: ConferenceBundle['files'] = [];
    let allJs = '';
    let wasmFiles = 0;
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(m?js|wasm)$/.test(name)) {
          const bytes = readFileSync(path);
          if (name.endsWith('.wasm')) wasmFiles++;
          else allJs += bytes.toString('utf8');
          const file = relative(browserDir, path);
          files.push({ file, initial: index.includes(file), ...sizeOf(bytes) });
        }
      }
    };
    walk(browserDir);
    const add = (list: Size[]) => list.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });
    return {
      files,
      initial: add(files.filter((f) => f.initial)),
      total: add(files),
      wasmFiles,
      connector: connectorHits(allJs),
      buildSeconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    return {
      files: [],
      initial: { raw: NaN, gzip: NaN },
      total: { raw: NaN, gzip: NaN },
      wasmFiles: 0,
      connector: { grpc: NaN, protobuf: NaN },
      buildSeconds: (Date.now() - started) / 1000,
      error: (e.stderr || e.message).split('\n').filter(Boolean).slice(-8).join(' / '),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The minimal app's bundle, whole and with the Angular framework left out. */
export interface MinimalBundle {
  whole: Size;
  /** With @angular/* and rxjs external: what ngx-trtc adds to an app that already ships Angular. */
  withoutFramework: Size;
  /**
   * Whole, but with the library's top-level `new InjectionToken(...)` marked
   * `/* @__PURE__ *\/` in memory (what Angular CLI's optimizer does on its own):
   * the size after that one-line fix in the library.
   */
  withPureTokens: Size;
  /** Minified bytes in the whole bundle per source package. */
  byPackage: Array<{ name: string; bytes: number }>;
  connector: { grpc: number; protobuf: number };
}

function packageOf(path: string): string {
  if (path.includes('media/wasm/generated/')) return 'ngx-trtc WASM media core (inlined)';
  if (path.startsWith('projects/ngx-trtc/')) return 'ngx-trtc';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m ? m[1] : path.startsWith('e2e/') ? 'the app' : path;
}

/** Marks the library's top-level InjectionTokens pure, in memory only (the what-if row). */
const pureTokens: Plugin = {
  name: 'pure-injection-tokens',
  setup(b) {
    b.onLoad({ filter: /projects\/ngx-trtc\/src\/lib\/.*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/= new InjectionToken/g, '= /* @__PURE__ */ new InjectionToken'),
      loader: 'ts',
    }));
  },
};

async function bundleMinimal(external: string[], plugins: Plugin[] = []): Promise<{ js: Uint8Array; metafile: Metafile }> {
  const result = await build({
    // Angular CLI's production build defines these too; they let Angular's dev-only code go.
    define: { ngDevMode: 'false', ngJitMode: 'false', ngI18nClosureMode: 'false', ngServerMode: 'false' },
    plugins,
    entryPoints: [join(ROOT, 'e2e/bench/minimal-app/main.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    tsconfig: join(ROOT, 'tsconfig.json'),
    legalComments: 'none',
    external,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  return { js: result.outputFiles[0].contents, metafile: result.metafile };
}

/** Bundles the minimal app (esbuild, minified ESM, ES2022, tree-shaken). */
export async function measureMinimal(): Promise<MinimalBundle> {
  const whole = await bundleMinimal([]);
  const bare = await bundleMinimal(['@angular/*', 'rxjs', 'rxjs/*']);
  const pure = await bundleMinimal([], [pureTokens]);
  const perPackage = new Map<string, number>();
  for (const output of Object.values(whole.metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      perPackage.set(name, (perPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return {
    whole: sizeOf(whole.js),
    withoutFramework: sizeOf(bare.js),
    withPureTokens: sizeOf(pure.js),
    byPackage: [...perPackage].map(([name, bytes]) => ({ name, bytes })).filter((p) => p.bytes > 0).sort((a, b) => b.bytes - a.bytes),
    connector: connectorHits(Buffer.from(whole.js).toString('utf8')),
  };
}

/** trtc-js-sdk's published bundles. */
export interface TrtcSdkBundle {
  version: string;
  /** `trtc.js`, the package's main: self-contained (webrtc-adapter included). */
  main: Size;
  /** `trtc.esm.js`: imports webrtc-adapter, which an app bundles besides. */
  esm: Size;
  error?: string;
}

/** `npm pack trtc-js-sdk@<spec>` into a temporary folder and measures its bundles; the folder is removed. */
export async function measureTrtcSdk(spec = '~4.15.0'): Promise<TrtcSdkBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'ngx-trtc-bench-trtc-'));
  try {
    const { stdout } = await run('npm', ['pack', `trtc-js-sdk@${spec}`, '--silent'], { cwd: dir, timeout: 180000 });
    const tarball = stdout.trim().split('\n').pop()!;
    await run('tar', ['xzf', tarball], { cwd: dir });
    const pkg = JSON.parse(readFileSync(join(dir, 'package/package.json'), 'utf8'));
    return {
      version: pkg.version,
      main: sizeOf(readFileSync(join(dir, 'package', pkg.main ?? 'trtc.js'))),
      esm: sizeOf(readFileSync(join(dir, 'package/trtc.esm.js'))),
    };
  } catch (error) {
    return { version: spec, main: { raw: NaN, gzip: NaN }, esm: { raw: NaN, gzip: NaN }, error: (error as Error).message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
