// WASM video kernels (SIMD and scalar builds) against the TypeScript
// reference: byte-exact on random frames and edge cases, output padding
// untouched, bad input rejected by the wrapper.
import type { MediaCore, MediaFrameSpec, MediaPixelFormat, MediaPlaneLayout } from '../../projects/ngx-trtc/src/lib/media/wasm/media-core';
import { packedLayout } from '../../projects/ngx-trtc/src/lib/media/wasm/media-core';
import {
  adjustFrameRef,
  beautyFrameRef,
  blendWatermarkRef,
  copyFrameRef,
  mirrorFrameRef,
  processFrameRef,
  RefFrame,
  RefImage,
  scaleFrameRef,
} from '../reference/video';
import {
  BUILDS,
  emptyFrame,
  Fill,
  firstPlaneDifference,
  firstTouchedPadding,
  layoutBytes,
  loadBothCores,
  makeFrame,
  paddedLayout,
  prng,
  randInt,
} from './support';

const FORMATS: MediaPixelFormat[] = ['I420', 'NV12', 'RGBA'];
const SIZES: [number, number][] = [[2, 2], [3, 3], [2, 5], [5, 7], [16, 2], [17, 9], [33, 31], [64, 48], [127, 65], [321, 181]];

interface Case {
  width: number;
  height: number;
  layout: MediaPlaneLayout[];
  outLayout: MediaPlaneLayout[];
  fill: Fill;
  label: string;
}

/** Every size packed and padded, plus all-black and all-white frames. */
function cases(format: MediaPixelFormat): Case[] {
  const list: Case[] = [];
  for (const [width, height] of SIZES) {
    const packed = packedLayout(format, width, height);
    list.push({ width, height, layout: packed, outLayout: packed, fill: 'random', label: `${width}×${height} packed` });
    list.push({
      width, height,
      layout: paddedLayout(format, width, height, 13, 5),
      outLayout: paddedLayout(format, width, height, 7, 3),
      fill: 'random',
      label: `${width}×${height} padded`,
    });
  }
  for (const fill of ['black', 'white', 'smooth'] as const) {
    const packed = packedLayout(format, 37, 23);
    list.push({ width: 37, height: 23, layout: packed, outLayout: packed, fill, label: `37×23 ${fill}` });
  }
  return list;
}

/**
 * Runs `kernel` on the core and `reference` on copies, for every case; returns
 * the mismatches (empty when byte-exact and no padding byte was touched).
 */
function compareAll(
  core: MediaCore, format: MediaPixelFormat, seed: number,
  kernel: (core: MediaCore, spec: MediaFrameSpec, rand: () => number) => void,
  reference: (src: RefFrame, dst: RefFrame) => void,
): string[] {
  const rand = prng(seed);
  const failures: string[] = [];
  for (const c of cases(format)) {
    const src = makeFrame(rand, format, c.width, c.height, c.layout, c.fill);
    const expected = emptyFrame(format, c.width, c.height, c.outLayout);
    const outBytes = expected.data.length;
    core.frameIn.set(src.data);
    core.frameOut.fill(0xa5, 0, outBytes);
    // The kernel draws its parameters first so the reference sees the same ones.
    kernel(core, { format, width: c.width, height: c.height, layout: c.layout, outLayout: c.outLayout }, rand);
    reference(src, expected);
    const diff = firstPlaneDifference(expected, core.frameOut);
    if (diff) failures.push(`${c.label}: ${diff}`);
    const touched = firstTouchedPadding(expected, core.frameOut, outBytes);
    if (touched) failures.push(`${c.label}: padding written, ${touched}`);
  }
  return failures;
}

function randomWatermark(rand: () => number, width: number, height: number): RefImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0;
  if (rand() < 0.5) {
    // Logo-like: runs of transparent, opaque and partly transparent pixels
    // (the SIMD blend skips chunks that are all transparent).
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width;) {
        const run = randInt(rand, 1, 40);
        const kind = rand();
        for (let i = x; i < Math.min(width, x + run); i++) {
          data[(y * width + i) * 4 + 3] = kind < 0.4 ? 0 : kind < 0.7 ? 255 : (rand() * 256) | 0;
        }
        x += run;
      }
    }
    return { width, height, data };
  }
  // Some fully transparent and fully opaque pixels.
  for (let i = 3; i < data.length; i += 4) {
    const r = rand();
    if (r < 0.2) data[i] = 0;
    else if (r < 0.4) data[i] = 255;
  }
  return { width, height, data };
}

describe('media core video', () => {
  let cores: { simd: MediaCore; scalar: MediaCore };
  beforeAll(async () => {
    cores = await loadBothCores();
  });

  it('loads the SIMD build by default on Node 20 and the scalar build when forced', () => {
    expect(cores.simd.isSimd).toBeTrue();
    expect(cores.scalar.isSimd).toBeFalse();
  });

  for (const build of BUILDS) {
    for (const format of FORMATS) {
      describe(`${build} ${format}`, () => {
        it('mirror is byte-exact with the reference (2×2…321×181, odd, padded strides, black/white)', () => {
          const failures = compareAll(cores[build], format, 1, (core, spec) => core.mirror(spec), mirrorFrameRef);
          expect(failures).toEqual([]);
        });

        it('brightness/contrast/saturation (+ mirror) is byte-exact with the reference', () => {
          let params = {};
          const failures = compareAll(cores[build], format, 2, (core, spec, rand) => {
            params = {
              mirror: rand() < 0.5,
              brightness: rand() * 2 - 1,
              contrast: rand() * 2,
              saturation: rand() * 2,
            };
            core.adjust(spec, params);
          }, (src, dst) => adjustFrameRef(src, dst, params));
          expect(failures).toEqual([]);
        });

        it('brightness/contrast/saturation at the range ends is byte-exact with the reference', () => {
          for (const params of [
            { brightness: -1, contrast: 0, saturation: 0 },
            { brightness: 1, contrast: 2, saturation: 2 },
            { brightness: 0, contrast: 1, saturation: 1, mirror: true },
          ]) {
            const failures = compareAll(cores[build], format, 3, (core, spec) => core.adjust(spec, params),
              (src, dst) => adjustFrameRef(src, dst, params));
            expect(failures).withContext(JSON.stringify(params)).toEqual([]);
          }
        });

        for (const radius of [1, 2] as const) {
          it(`beauty (radius ${radius}) is byte-exact with the reference`, () => {
            let strength = 0;
            const failures = compareAll(cores[build], format, 4, (core, spec, rand) => {
              strength = rand() < 0.2 ? 1 : rand();
              core.beauty(spec, strength, radius);
            }, (src, dst) => beautyFrameRef(src, dst, strength, radius));
            expect(failures).toEqual([]);
          });
        }

        it('watermark is byte-exact with the reference (odd sizes, clipped at every edge)', () => {
          let image: RefImage = { width: 1, height: 1, data: new Uint8Array(4) };
          let at = { x: 0, y: 0 };
          const failures = compareAll(cores[build], format, 5, (core, spec, rand) => {
            image = randomWatermark(rand, randInt(rand, 1, spec.width + 3), randInt(rand, 1, spec.height + 3));
            at = { x: randInt(rand, -image.width, spec.width), y: randInt(rand, -image.height, spec.height) };
            core.setWatermark(image);
            core.watermark(spec, at);
          }, (src, dst) => {
            copyFrameRef(src, dst);
            blendWatermarkRef(dst, image, at.x, at.y);
          });
          expect(failures).toEqual([]);
        });

        it('drawWatermark blends in place onto frameOut, byte-exact with the reference', () => {
          let image: RefImage = { width: 1, height: 1, data: new Uint8Array(4) };
          let at = { x: 0, y: 0 };
          const failures = compareAll(cores[build], format, 12, (core, spec, rand) => {
            image = randomWatermark(rand, randInt(rand, 1, spec.width + 3), randInt(rand, 1, spec.height + 3));
            at = { x: randInt(rand, -image.width, spec.width), y: randInt(rand, -image.height, spec.height) };
            core.copyFrame(spec);
            core.setWatermark(image);
            core.drawWatermark(spec, at);
          }, (src, dst) => {
            copyFrameRef(src, dst);
            blendWatermarkRef(dst, image, at.x, at.y);
          });
          expect(failures).toEqual([]);
        });

        it('processFrame (mirror → adjust → beauty → watermark) is byte-exact with the reference chain', () => {
          let params: Parameters<typeof processFrameRef>[2] = {};
          const failures = compareAll(cores[build], format, 6, (core, spec, rand) => {
            const image = randomWatermark(rand, randInt(rand, 1, 9), randInt(rand, 1, 9));
            core.setWatermark(image);
            const watermark = { x: randInt(rand, -3, spec.width), y: randInt(rand, -3, spec.height) };
            const variant = randInt(rand, 0, 3);
            params = {
              mirror: variant !== 1 && rand() < 0.7,
              brightness: variant === 1 ? 0 : rand() - 0.5,
              contrast: variant === 1 ? 1 : 0.5 + rand(),
              saturation: variant === 1 ? 1 : rand() * 2,
              beauty: variant === 2 ? 0 : rand(),
              beautyRadius: rand() < 0.5 ? 1 : 2,
            };
            core.processFrame({ ...spec, ...params, watermark: variant === 3 ? undefined : watermark });
            params.watermark = variant === 3 ? undefined : { image, ...watermark };
          }, (src, dst) => processFrameRef(src, dst, params));
          expect(failures).toEqual([]);
        });

        it('cropAndScale is byte-exact with the reference (down ≤2×, down >2×, up, odd crops, padded)', () => {
          const rand = prng(7);
          const core = cores[build];
          const failures: string[] = [];
          const sizes: [number, number][] = [[2, 2], [3, 5], [17, 9], [64, 48], [321, 181]];
          for (const [width, height] of sizes) {
            for (let t = 0; t < 6; t++) {
              const padded = t % 2 === 1;
              const layout = padded ? paddedLayout(format, width, height, 11, 4) : packedLayout(format, width, height);
              const cw = randInt(rand, 1, width);
              const ch = randInt(rand, 1, height);
              const crop = { x: randInt(rand, 0, width - cw), y: randInt(rand, 0, height - ch), width: cw, height: ch };
              const scale = [0.2, 0.5, 0.75, 1, 1.5, 3][t];
              const dw = Math.min(4096, Math.max(2, Math.round(cw * scale)));
              const dh = Math.min(4096, Math.max(2, Math.round(ch * scale)));
              const outLayout = padded ? paddedLayout(format, dw, dh, 9, 2) : packedLayout(format, dw, dh);
              const src = makeFrame(rand, format, width, height, layout);
              const expected = emptyFrame(format, dw, dh, outLayout);
              core.frameIn.set(src.data);
              core.frameOut.fill(0xa5, 0, expected.data.length);
              core.cropAndScale({ format, width, height, layout }, { crop, width: dw, height: dh, outLayout });
              scaleFrameRef(src, crop, expected);
              const label = `${width}×${height} crop ${JSON.stringify(crop)} → ${dw}×${dh}${padded ? ' padded' : ''}`;
              const diff = firstPlaneDifference(expected, core.frameOut);
              if (diff) failures.push(`${label}: ${diff}`);
              const touched = firstTouchedPadding(expected, core.frameOut, expected.data.length);
              if (touched) failures.push(`${label}: padding written, ${touched}`);
            }
          }
          expect(failures).toEqual([]);
        });

        it('cropAndScale 1280×720 → 640×360 and → 1920×1080 is byte-exact with the reference', () => {
          const rand = prng(8);
          const core = cores[build];
          for (const [dw, dh] of [[640, 360], [1920, 1080]]) {
            if (format === 'RGBA' && dw === 1920) continue; // reference at 1080p RGBA is slow; covered by smaller sizes
            const layout = packedLayout(format, 1280, 720);
            const src = makeFrame(rand, format, 1280, 720, layout, 'smooth');
            const expected = emptyFrame(format, dw, dh, packedLayout(format, dw, dh));
            core.frameIn.set(src.data);
            core.cropAndScale({ format, width: 1280, height: 720 }, { width: dw, height: dh });
            scaleFrameRef(src, { x: 0, y: 0, width: 1280, height: 720 }, expected);
            expect(firstPlaneDifference(expected, core.frameOut)).withContext(`${dw}×${dh}`).toBeNull();
          }
        });
      });
    }
  }

  describe('what a user sees', () => {
    it('beauty smooths a noisy flat area but keeps a hard edge (both radii)', () => {
      const core = cores.simd;
      const rand = prng(9);
      const width = 64;
      const height = 32;
      core.frameIn.fill(0, 0, width * height);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          core.frameIn[y * width + x] = (x < 32 ? 60 : 200) + randInt(rand, -6, 6);
        }
      }
      for (const radius of [1, 2] as const) {
        core.beauty({ format: 'I420', width, height }, 1, radius);
        const variance = (buf: Uint8Array, x0: number, x1: number) => {
          let sum = 0;
          let sq = 0;
          let n = 0;
          for (let y = 4; y < height - 4; y++) {
            for (let x = x0; x < x1; x++) {
              sum += buf[y * width + x];
              sq += buf[y * width + x] ** 2;
              n++;
            }
          }
          return sq / n - (sum / n) ** 2;
        };
        expect(variance(core.frameOut, 4, 28)).toBeLessThan(variance(core.frameIn, 4, 28) / 3);
        for (let y = 0; y < height; y++) {
          expect(core.frameOut[y * width + 31]).toBeLessThan(80);
          expect(core.frameOut[y * width + 32]).toBeGreaterThan(180);
        }
      }
    });

    it('an opaque watermark replaces the pixels under it and leaves the rest alone', () => {
      const core = cores.simd;
      const width = 32;
      const height = 16;
      const layout = packedLayout('RGBA', width, height);
      core.frameIn.fill(10, 0, width * height * 4);
      const data = new Uint8Array(4 * 4 * 4);
      for (let i = 0; i < data.length; i += 4) data.set([250, 0, 0, 255], i);
      core.setWatermark({ width: 4, height: 4, data });
      core.watermark({ format: 'RGBA', width, height, layout }, { x: 30, y: 14 });
      const px = (x: number, y: number) => Array.from(core.frameOut.subarray((y * width + x) * 4, (y * width + x) * 4 + 4));
      expect(px(31, 15)).toEqual([250, 0, 0, 10]);
      expect(px(29, 15)).toEqual([10, 10, 10, 10]);
    });

    it('mirroring twice gives back the original frame', () => {
      const core = cores.simd;
      const rand = prng(10);
      const frame = makeFrame(rand, 'NV12', 51, 19, packedLayout('NV12', 51, 19));
      core.frameIn.set(frame.data);
      core.mirror({ format: 'NV12', width: 51, height: 19 });
      core.frameIn.set(core.frameOut.subarray(0, frame.data.length));
      core.mirror({ format: 'NV12', width: 51, height: 19 });
      expect(firstPlaneDifference(frame, core.frameOut)).toBeNull();
    });
  });

  describe('bad input', () => {
    const spec: MediaFrameSpec = { format: 'I420', width: 64, height: 48 };

    it('rejects sizes below 2 or above 4096 and non-integers with a RangeError', () => {
      const core = cores.simd;
      for (const [width, height] of [[1, 48], [64, 0], [4097, 2], [64.5, 48], [NaN, 48], [64, -2]]) {
        expect(() => core.mirror({ ...spec, width, height })).toThrowError(RangeError, /width|height/);
      }
    });

    it('rejects an unknown format with a TypeError', () => {
      expect(() => cores.simd.mirror({ ...spec, format: 'YUY2' as MediaPixelFormat })).toThrowError(TypeError, /format/);
    });

    it('rejects layouts that do not fit the buffer or have too small strides', () => {
      const core = cores.scalar;
      const packed = packedLayout('I420', 64, 48);
      expect(() => core.mirror({ ...spec, layout: [{ offset: 0, stride: 63 }, packed[1], packed[2]] }))
        .toThrowError(RangeError, /stride/);
      expect(() => core.mirror({ ...spec, layout: [packed[0], packed[1], { offset: 8388000, stride: 32 }] }))
        .toThrowError(RangeError, /past the 8388608-byte/);
      expect(() => core.mirror({ ...spec, outLayout: [packed[0], { offset: -1, stride: 32 }, packed[2]] }))
        .toThrowError(RangeError, /outLayout\[1\]/);
      expect(() => core.mirror({ ...spec, layout: [packed[0]] })).toThrowError(RangeError, /3 planes/);
      expect(() => core.mirror({ format: 'RGBA', width: 4096, height: 4096 })).toThrowError(RangeError, /past/);
    });

    it('rejects NaN and out-of-range parameters', () => {
      const core = cores.simd;
      expect(() => core.adjust(spec, { brightness: NaN })).toThrowError(RangeError, /brightness/);
      expect(() => core.adjust(spec, { contrast: 3 })).toThrowError(RangeError, /contrast/);
      expect(() => core.adjust(spec, { saturation: -0.1 })).toThrowError(RangeError, /saturation/);
      expect(() => core.beauty(spec, Infinity)).toThrowError(RangeError, /strength/);
      expect(() => core.processFrame({ ...spec, beauty: NaN })).toThrowError(RangeError, /beauty/);
      expect(() => core.beauty(spec, 0.5, 3 as 1)).toThrowError(RangeError, /radius/);
      expect(() => core.adjust(spec, { brightness: '1' as unknown as number })).toThrowError(TypeError, /brightness/);
    });

    it('rejects a watermark that is missing, too big, short of data or badly placed', () => {
      const core = cores.simd;
      core.clearWatermark();
      expect(() => core.watermark(spec, { x: 0, y: 0 })).toThrowError(RangeError, /no watermark/);
      expect(() => core.setWatermark({ width: 4096, height: 4096 })).toThrowError(RangeError, /does not fit/);
      expect(() => core.setWatermark({ width: 4, height: 4, data: new Uint8Array(10) })).toThrowError(RangeError, /needs 64/);
      core.setWatermark({ width: 2, height: 2, data: new Uint8Array(16) });
      expect(() => core.watermark(spec, { x: 0.5, y: 0 })).toThrowError(RangeError, /watermark x/);
    });

    it('rejects crops outside the frame and bad output sizes', () => {
      const core = cores.simd;
      expect(() => core.cropAndScale(spec, { crop: { x: 10, y: 0, width: 60, height: 10 }, width: 32, height: 24 }))
        .toThrowError(RangeError, /crop/);
      expect(() => core.cropAndScale(spec, { width: 1, height: 24 })).toThrowError(RangeError, /output width/);
      expect(() => core.cropAndScale(spec, { width: 4000, height: 4000 })).toThrowError(RangeError, /outLayout/);
    });

    it('keeps working after rejected calls', () => {
      const core = cores.simd;
      const rand = prng(11);
      const frame = makeFrame(rand, 'I420', 64, 48, packedLayout('I420', 64, 48));
      core.frameIn.set(frame.data);
      expect(() => core.mirror({ ...spec, width: 0 })).toThrow();
      core.mirror(spec);
      const expected = emptyFrame('I420', 64, 48, packedLayout('I420', 64, 48));
      mirrorFrameRef(frame, expected);
      expect(firstPlaneDifference(expected, core.frameOut)).toBeNull();
      expect(layoutBytes('I420', 64, 48, packedLayout('I420', 64, 48))).toBe(64 * 48 * 3 / 2);
    });
  });
});
