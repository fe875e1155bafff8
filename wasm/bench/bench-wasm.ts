// Media-core benchmark: for each kernel at 1280×720 (and one audio quantum),
// the median time of the plain TypeScript reference, the WASM scalar build,
// the WASM SIMD build and a memcpy of the same bytes (the floor), in one run.
// Prints a table, checks the targets of issue 3, writes wasm/bench/LAST-RUN.md.
//   npm run bench:wasm [-- --quick]
import { writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';

// Measure V8's optimizing tier (what a page runs after its first frames),
// not the baseline compiler a module starts in.
setFlagsFromString('--no-liftoff');

type Core = import('../../projects/ngx-trtc/src/lib/media/wasm/media-core').MediaCore;
type Format = import('../../projects/ngx-trtc/src/lib/media/wasm/media-core').MediaPixelFormat;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const quick = process.argv.includes('--quick');

interface Row {
  kernel: string;
  bytes: number;
  js: number;
  scalar: number;
  simd: number;
  memcpy: number;
  kind: 'video' | 'chain' | 'audio';
}

/** Median ms of `fn`, timing batches of `batch` calls; at least `minRuns` batches and ~`budgetMs` in all. */
function median(fn: () => void, { batch = 1, minRuns = 5, budgetMs = 400 } = {}): number {
  for (let i = 0; i < Math.min(3, minRuns); i++) fn(); // warm up / JIT
  const times: number[] = [];
  const started = performance.now();
  while (times.length < minRuns || (performance.now() - started < budgetMs && times.length < 2000)) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    times.push((performance.now() - t0) / batch);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * Medians (ms per call) of several functions, measured back to back, each in
 * its own warm loop (so the memcpy floor runs with a hot cache, as the
 * kernels do): close in time, they see nearly the same machine load.
 */
function backToBack<K extends string>(
  fns: Record<K, () => void>, options: { batch?: number; minRuns?: number; budgetMs?: number } = {},
): Record<K, number> {
  const keys = Object.keys(fns) as K[];
  return Object.fromEntries(keys.map((k) => [k, median(fns[k], options)])) as Record<K, number>;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0];
  execFileSync(process.execPath, [join(root, 'wasm/scripts/build.mjs'), '--quiet'], { stdio: 'inherit' });
  const { loadMediaCore, packedFrameBytes, packedLayout } = await import('../../projects/ngx-trtc/src/lib/media/wasm/media-core');
  const ref = await import('../reference/video');
  const audioRef = await import('../reference/audio');

  const simd = await loadMediaCore();
  const scalar = await loadMediaCore({ simd: false });
  if (!simd.isSimd) throw new Error('this engine has no WebAssembly SIMD');
  const W = 1280;
  const H = 720;
  const budget = quick ? 150 : 600;
  const jsRuns = quick ? 2 : 5;

  // A camera-like picture: smooth gradients plus a little noise.
  function picture(format: Format): Uint8Array {
    const bytes = packedFrameBytes(format, W, H);
    const data = new Uint8Array(bytes);
    let seed = 12345;
    for (let i = 0; i < bytes; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const x = i % W;
      const y = Math.floor(i / W);
      data[i] = Math.max(0, Math.min(255, 128 + Math.round(80 * Math.sin(x / 37) * Math.cos(y / 23)) + ((seed >>> 28) - 8)));
    }
    return data;
  }
  const watermark = { width: 256, height: 144, data: new Uint8Array(256 * 144 * 4) };
  for (let i = 0; i < watermark.data.length; i++) watermark.data[i] = i % 4 === 3 ? (i >> 6) & 255 : (i * 7) & 255;

  const rows: Row[] = [];
  const adjustParams = { mirror: true, brightness: 0.1, contrast: 1.2, saturation: 1.3 };

  for (const format of ['I420', 'NV12', 'RGBA'] as Format[]) {
    const bytes = packedFrameBytes(format, W, H);
    const input = picture(format);
    const layout = packedLayout(format, W, H);
    const src = { format, width: W, height: H, data: input, layout };
    const dst = { format, width: W, height: H, data: new Uint8Array(bytes), layout };
    const spec = { format, width: W, height: H };
    for (const core of [simd, scalar]) {
      core.frameIn.set(input);
      core.setWatermark(watermark);
    }
    const copyFrame = () => simd.frameOut.set(simd.frameIn.subarray(0, bytes));
    const video = (kernel: string, js: () => void, run: (core: Core) => void, kind: Row['kind'] = 'video') => {
      const t = backToBack({
        memcpy: copyFrame,
        simd: () => run(simd),
        scalar: () => run(scalar),
      }, { budgetMs: budget });
      rows.push({
        kernel: `${format} ${kernel}`,
        bytes,
        js: median(js, { minRuns: jsRuns, budgetMs: 0 }),
        ...t,
        kind,
      });
      process.stdout.write('.');
    };
    video('mirror', () => ref.mirrorFrameRef(src, dst), (c) => c.mirror(spec));
    video('mirror + brightness/contrast/saturation', () => ref.adjustFrameRef(src, dst, adjustParams),
      (c) => c.adjust(spec, adjustParams));
    if (format === 'RGBA') {
      const bc = { mirror: true, brightness: 0.1, contrast: 1.2 };
      video('mirror + brightness/contrast', () => ref.adjustFrameRef(src, dst, bc), (c) => c.adjust(spec, bc));
    }
    video('beauty 3×3 (strength 0.7)', () => ref.beautyFrameRef(src, dst, 0.7, 1), (c) => c.beauty(spec, 0.7, 1));
    video('beauty 5×5 (strength 0.7)', () => ref.beautyFrameRef(src, dst, 0.7, 2), (c) => c.beauty(spec, 0.7, 2));
    {
      // The blend alone, in place on frameOut; its floor is a memcpy of the
      // 256×144 region's bytes in this format.
      const regionBytes = packedFrameBytes(format, 256, 144);
      simd.copyFrame(spec);
      scalar.copyFrame(spec);
      const t = backToBack({
        memcpy: () => simd.frameOut.copyWithin(0, 4_000_000, 4_000_000 + regionBytes),
        simd: () => simd.drawWatermark(spec, { x: 1000, y: 560 }),
        scalar: () => scalar.drawWatermark(spec, { x: 1000, y: 560 }),
      }, { budgetMs: budget, batch: 10 });
      rows.push({
        kernel: `${format} drawWatermark 256×144 (blend in place)`,
        bytes: regionBytes,
        js: median(() => ref.blendWatermarkRef(dst, watermark, 1000, 560), { minRuns: 20, budgetMs: budget }),
        ...t,
        kind: 'video',
      });
    }
    video('watermark 256×144 (frame copy + blend)', () => {
      ref.copyFrameRef(src, dst);
      ref.blendWatermarkRef(dst, watermark, 1000, 560);
    }, (c) => c.watermark(spec, { x: 1000, y: 560 }));
    const outLayout = packedLayout(format, 640, 360);
    const scaled = { format, width: 640, height: 360, data: new Uint8Array(packedFrameBytes(format, 640, 360)), layout: outLayout };
    video('crop+scale → 640×360', () => ref.scaleFrameRef(src, { x: 0, y: 0, width: W, height: H }, scaled),
      (c) => c.cropAndScale(spec, { width: 640, height: 360 }));
    const processParams = { ...adjustParams, beauty: 0.7 };
    video('processFrame (mirror+adjust+beauty+watermark)', () => ref.processFrameRef(src, dst,
      { ...processParams, watermark: { image: watermark, x: 1000, y: 560 } }),
    (c) => c.processFrame({ ...spec, ...processParams, watermark: { x: 1000, y: 560 } }), 'chain');
  }

  // Audio: the whole step the worklet runs per quantum (copy in, gain ramp,
  // limiter, RMS/peak, dBFS, level, VAD, result read back).
  {
    const samples = new Float32Array(128);
    for (let i = 0; i < 128; i++) samples[i] = 0.3 * Math.sin(i / 5) + 0.01 * Math.cos(i * 7.1);
    const state = audioRef.createMeterStateRef(audioRef.meterCoefficientsRef(48000));
    const out = new Float32Array(128);
    const result = audioRef.createQuantumResultRef();
    const idSimd = simd.createMeter();
    const idScalar = scalar.createMeter();
    let gain = 1;
    const batch = 2000;
    const t = backToBack({
      js: () => {
        gain = gain === 1 ? 0.999 : 1;
        audioRef.processQuantumRef(state, samples, 128, gain, out, result);
      },
      scalar: () => {
        gain = gain === 1 ? 0.999 : 1;
        scalar.processQuantum(idScalar, samples, gain);
      },
      simd: () => {
        gain = gain === 1 ? 0.999 : 1;
        simd.processQuantum(idSimd, samples, gain);
      },
      memcpy: () => simd.audioOut.set(samples),
    }, { batch, budgetMs: budget * 2 });
    rows.push({
      kernel: 'audio quantum step (128 samples: gain, limiter, levels, VAD)',
      bytes: 512,
      ...t,
      kind: 'audio',
    });
  }
  process.stdout.write('\n');

  const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(2)} ms` : ms >= 0.001 ? `${(ms * 1000).toFixed(1)} µs` : `${(ms * 1e6).toFixed(0)} ns`);
  const lines: string[] = [];
  lines.push('| kernel | bytes | JS reference | WASM scalar | WASM SIMD | memcpy | SIMD / memcpy | JS / SIMD | target |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  let isAllMet = true;
  for (const r of rows) {
    const overFloor = r.simd / r.memcpy;
    const speedup = r.js / r.simd;
    let verdict: string;
    if (r.kind === 'chain') {
      verdict = 'chain of 3 kernels (2 passes + blend), no own target';
    } else {
      const isMet = r.kind === 'video' ? overFloor <= 5 && speedup >= 10 : speedup >= 2.5;
      isAllMet &&= isMet;
      verdict = `${isMet ? 'met' : 'MISSED'} (${r.kind === 'video' ? '≤5× memcpy, ≥10× JS' : '≥2.5× JS'})`;
    }
    lines.push(`| ${r.kernel} | ${r.bytes} | ${fmt(r.js)} | ${fmt(r.scalar)} | ${fmt(r.simd)} | ${fmt(r.memcpy)} | `
      + `${overFloor.toFixed(2)}× | ${speedup.toFixed(1)}× | ${verdict} |`);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    '# Media core benchmark, last run',
    '',
    `${new Date().toISOString()} · Node ${process.versions.node} (V8 ${process.versions.v8}) · ${platform()} ${arch()} · ${cpus().length} × ${cpu} · load ${loadAtStart.toFixed(2)} at start${quick ? ' · --quick' : ''}`,
    '',
    'Medians over many iterations, all in one run; each row\'s memcpy floor is timed (hot cache) right before its',
    'kernels. Compare ratios, not absolute times across machines.',
    'Frames are 1280×720; "bytes" is what the memcpy floor copies: the whole input frame, the 256×144 region for',
    'drawWatermark, 512 B for audio. processFrame runs mirror+b/c/s, beauty 3×3 and the watermark in one call.',
    'JS reference = wasm/reference (plain TypeScript, same fixed-point math, byte-identical output).',
    '',
  ];
  const table = lines.join('\n');
  console.log(table);
  const load = Math.max(loadAtStart, loadavg()[0]);
  console.log(isAllMet ? '\nAll targets met.' : '\nSome targets MISSED (see table).');
  if (load > 1.2) console.log(`Load average ${load.toFixed(2)} on ${cpus().length} cores: other work ran during the benchmark.`);
  writeFileSync(join(here, 'LAST-RUN.md'), `${header.join('\n')}${table}\n\n${isAllMet ? 'All targets met.' : 'Some targets missed.'}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
