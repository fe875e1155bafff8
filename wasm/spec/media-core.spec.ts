// Loading, layout and the generated module.
import {
  compileMediaCoreModule,
  FRAME_CAPACITY,
  instantiateMediaCore,
  MEDIA_CORE_LAYOUT,
  MEDIA_CORE_MEMORY_BYTES,
  mediaCoreBinary,
  packedFrameBytes,
  packedLayout,
} from '../../projects/ngx-trtc/src/lib/media/wasm/media-core';
import { frameBytesRef, packedLayoutRef } from '../reference/video';

describe('media core loading', () => {
  it('compiles once and instantiates synchronously, as an AudioWorklet does', async () => {
    const module = await compileMediaCoreModule();
    const a = instantiateMediaCore(module);
    const b = instantiateMediaCore(module);
    expect(a.isSimd).toBeTrue();
    a.audioIn.fill(0.5);
    expect(b.audioIn[0]).toBe(0); // separate memories
  });

  it('exports buffers exactly where MEDIA_CORE_LAYOUT says, in both builds', async () => {
    for (const simd of [true, false]) {
      const module = await compileMediaCoreModule({ simd });
      const { exports } = new WebAssembly.Instance(module, {});
      for (const [name, address] of Object.entries(MEDIA_CORE_LAYOUT)) {
        expect((exports[`${name}_PTR`] as WebAssembly.Global).value).withContext(name).toBe(address);
      }
      const memory = exports['memory'] as WebAssembly.Memory;
      expect(memory.buffer.byteLength).toBe(MEDIA_CORE_MEMORY_BYTES);
      expect(MEDIA_CORE_LAYOUT.WM_PREP + FRAME_CAPACITY).toBe(MEDIA_CORE_MEMORY_BYTES);
      expect(() => memory.grow(1)).toThrow(); // fixed memory: views can never detach
    }
  });

  it('has a scalar binary without SIMD instructions and a SIMD binary that needs them', () => {
    expect(WebAssembly.validate(mediaCoreBinary({ simd: false }))).toBeTrue();
    expect(mediaCoreBinary()).not.toBe(mediaCoreBinary({ simd: false }));
  });

  it('clamps out-of-range raw-export parameters the same way in both builds (for bindings that skip the wrapper)', async () => {
    type Raw = Record<string, (...args: number[]) => void> & { memory: WebAssembly.Memory };
    const outputs: Uint8Array[] = [];
    for (const simd of [true, false]) {
      const x = new WebAssembly.Instance(await compileMediaCoreModule({ simd }), {}).exports as unknown as Raw;
      const mem = new Uint8Array(x.memory.buffer);
      const IN = MEDIA_CORE_LAYOUT.FRAME_IN;
      const OUT = MEDIA_CORE_LAYOUT.FRAME_OUT;
      for (let i = 0; i < 64 * 16 * 4; i++) mem[IN + i] = (i * 37) & 255;
      x['affinePlane'](IN, 64, OUT, 64, 64, 16, 1, 1, 256, 300);
      x['adjustRgba'](IN, 256, OUT + 4096, 256, 64, 16, 0, -5, -300, 200);
      x['beautyPlane'](IN, 64, OUT + 20000, 64, 64, 16, 1, 5000); // radius omitted → 3×3
      outputs.push(mem.slice(OUT, OUT + 30000));
      const clamped = new Uint8Array(30000);
      x['affinePlane'](IN, 64, OUT, 64, 64, 16, 1, 1, 255, 255);
      x['adjustRgba'](IN, 256, OUT + 4096, 256, 64, 16, 0, 0, -255, 128);
      x['beautyPlane'](IN, 64, OUT + 20000, 64, 64, 16, 1, 256, 1);
      clamped.set(mem.subarray(OUT, OUT + 30000));
      expect(outputs[outputs.length - 1]).toEqual(clamped);
    }
    expect(outputs[0]).toEqual(outputs[1]);
  });

  it('lays out packed frames like the reference', () => {
    for (const format of ['I420', 'NV12', 'RGBA'] as const) {
      for (const [w, h] of [[2, 2], [5, 3], [1280, 720]]) {
        expect(packedLayout(format, w, h)).toEqual(packedLayoutRef(format, w, h));
        expect(packedFrameBytes(format, w, h)).toBe(frameBytesRef(format, w, h));
      }
    }
    expect(packedFrameBytes('RGBA', 1920, 1080)).toBeLessThanOrEqual(FRAME_CAPACITY);
  });
});
