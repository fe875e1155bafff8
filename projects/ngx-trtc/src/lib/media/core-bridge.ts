import { compileMediaCoreModule, FRAME_CAPACITY, instantiateMediaCore, MEDIA_CORE_LAYOUT, MediaCore } from './wasm/media-core';

/**
 * Where the capture pipelines get the WASM media core: the Module compiled once
 * on the main thread (then posted to the worklet and the worker) and the source
 * of small bindings `(module) => core` that a Blob-URL worklet or worker embeds.
 *
 * Why bindings of our own: a Blob-URL scope cannot import `media-core.ts`, and
 * stringifying its class breaks under an app's minifier. The bindings below
 * drive the same exports with the same arguments as `MediaCore` and check the
 * memory layout and every export's arity, so a core rebuilt with another layout
 * or ABI fails loudly (and the pipelines fall back to their JS kernels, with a
 * console warning); the specs assert that the WASM path is the one running.
 */
export interface CoreForWorkers {
  module: WebAssembly.Module;
  /** Source of `(module) => core` for the audio worklet. */
  audioBinding: string;
  /** Source of `(module) => core` for the video worker. */
  videoBinding: string;
}

const COMMON = /* js */ `
  const L = __LAYOUT__;
  const instance = new WebAssembly.Instance(module, {});
  const x = instance.exports;
  for (const name in L) {
    const g = x[name + '_PTR'];
    if (!g || g.value !== L[name]) throw new Error('media core layout mismatch at ' + name);
  }
  const ARITY = { isSimdBuild: 0, meterInit: 8, processQuantum: 3, copyPlane: 6, affinePlane: 10, adjustRgba: 10,
    beautyPlane: 9, prepareWatermark: 5, blendPlane: 8, scalePlane: 13 };
  for (const name in ARITY) {
    if (typeof x[name] !== 'function' || x[name].length !== ARITY[name]) throw new Error('media core ABI mismatch at ' + name);
  }
  const buffer = x.memory.buffer;
`;

/** Audio: one core per worklet scope, a meter slot per node (as MediaCore.createMeter/processQuantum). */
const AUDIO_BINDING = /* js */ `(function (module) {
  ${COMMON}
  const audioIn = new Float32Array(buffer, L.AUDIO_IN, 128);
  const audioOut = new Float32Array(buffer, L.AUDIO_OUT, 128);
  const res = new Float64Array(buffer, L.AUDIO_RESULT, 8);
  const used = new Uint8Array(64);
  const result = { rms: 0, peak: 0, dbfs: -100, level: 0, clipped: 0, isSpeaking: false, noiseFloorDb: -90, gain: 1, samples: audioOut };
  return {
    isSimd: x.isSimdBuild() === 1,
    createMeter(rate, gain) {
      const id = used.indexOf(0);
      if (id < 0) throw new RangeError('all meters in use');
      used[id] = 1;
      const qps = rate / 128;
      const coef = (s) => 1 - Math.exp(-1 / (s * qps));
      x.meterInit(id, coef(0.01), coef(0.3), coef(0.08), coef(2), coef(0.01), Math.round(0.3 * qps), gain);
      return id;
    },
    releaseMeter(id) { if (id >= 0 && id < 64) used[id] = 0; },
    processQuantum(id, samples, gainTarget) {
      const n = Math.min(128, samples.length);
      audioIn.set(n === samples.length ? samples : samples.subarray(0, n));
      x.processQuantum(id, n, gainTarget >= 0 ? gainTarget : -1);
      result.rms = res[0]; result.peak = res[1]; result.dbfs = res[2]; result.level = res[3];
      result.clipped = res[4]; result.isSpeaking = res[5] === 1; result.noiseFloorDb = res[6]; result.gain = res[7];
      return result;
    },
  };
})`;

/**
 * Video: planes by absolute address so scaling and processing can chain
 * IN → OUT → IN without copies (MediaCore's processFrame, with the buffers as
 * parameters). `process(format, w, h, src, dst, p, wm)` runs mirror →
 * brightness/contrast/saturation → beauty → watermark.
 */
const VIDEO_BINDING = /* js */ `(function (module) {
  ${COMMON}
  const CAP = __CAPACITY__;
  const views = { IN: new Uint8Array(buffer, L.FRAME_IN, CAP), OUT: new Uint8Array(buffer, L.FRAME_OUT, CAP) };
  const wmIn = new Uint8Array(buffer, L.WM_RGBA, CAP);
  let wmW = 0, wmH = 0, wmPrepared = -1;
  function planes(format, w, h, base) {
    const cw = (w + 1) >> 1, ch = (h + 1) >> 1;
    if (format === 'RGBA') return [{ a: base, s: w * 4, w, h, bpp: 4, sub: 1 }];
    if (format === 'NV12') return [{ a: base, s: w, w, h, bpp: 1, sub: 1 }, { a: base + w * h, s: cw * 2, w: cw, h: ch, bpp: 2, sub: 2 }];
    return [{ a: base, s: w, w, h, bpp: 1, sub: 1 }, { a: base + w * h, s: cw, w: cw, h: ch, bpp: 1, sub: 2 },
      { a: base + w * h + cw * ch, s: cw, w: cw, h: ch, bpp: 1, sub: 2 }];
  }
  function adjust(format, src, dst, p) {
    const mirror = p.mirror ? 1 : 0;
    const bias = Math.round(p.brightness * 255), k = Math.round(p.contrast * 128);
    if (format === 'RGBA') {
      x.adjustRgba(src[0].a, src[0].s, dst[0].a, dst[0].s, src[0].w, src[0].h, mirror, k, bias, Math.round(p.saturation * 64));
      return;
    }
    const s7 = Math.round(p.saturation * 128);
    for (let i = 0; i < src.length; i++) {
      x.affinePlane(src[i].a, src[i].s, dst[i].a, dst[i].s, src[i].w, src[i].h, src[i].bpp, mirror, i === 0 ? k : s7, i === 0 ? bias : 0);
    }
  }
  function copy(src, dst) { for (let i = 0; i < src.length; i++) x.copyPlane(src[i].a, src[i].s, dst[i].a, dst[i].s, src[i].w * src[i].bpp, src[i].h); }
  function blend(format, width, height, pl, wx, wy) {
    const w = wmW, h = wmH, x0 = Math.max(0, wx), y0 = Math.max(0, wy), x1 = Math.min(width, wx + w), y1 = Math.min(height, wy + h);
    if (x0 >= x1 || y0 >= y1) return;
    const prep = L.WM_PREP;
    if (format === 'RGBA') {
      if (wmPrepared !== 4) { x.prepareWatermark(1, w, h, 0, 0); wmPrepared = 4; }
      const d = pl[0], o = ((y0 - wy) * w + (x0 - wx)) * 4;
      x.blendPlane(d.a + y0 * d.s + x0 * 4, d.s, L.WM_RGBA + o, w * 4, prep + o, w * 4, (x1 - x0) * 4, y1 - y0);
      return;
    }
    const px = wx & 1, py = wy & 1, kind = px | (py << 1);
    if (wmPrepared !== kind) { x.prepareWatermark(0, w, h, px, py); wmPrepared = kind; }
    const wh = w * h, luma = pl[0], o = (y0 - wy) * w + (x0 - wx);
    x.blendPlane(luma.a + y0 * luma.s + x0, luma.s, prep + o, w, prep + wh + o, w, x1 - x0, y1 - y0);
    const cw = (px + w + 1) >> 1, ch = (py + h + 1) >> 1, cwch = cw * ch;
    const bx0 = wx >> 1, by0 = wy >> 1, fbx0 = Math.max(0, bx0), fby0 = Math.max(0, by0);
    const fbx1 = Math.min((width + 1) >> 1, bx0 + cw), fby1 = Math.min((height + 1) >> 1, by0 + ch);
    if (fbx0 >= fbx1 || fby0 >= fby1) return;
    const co = (fby0 - by0) * cw + (fbx0 - bx0), cols = fbx1 - fbx0, rows = fby1 - fby0, pu = prep + 2 * wh;
    if (format === 'I420') {
      const u = pl[1], v = pl[2];
      x.blendPlane(u.a + fby0 * u.s + fbx0, u.s, pu + co, cw, pu + 2 * cwch + co, cw, cols, rows);
      x.blendPlane(v.a + fby0 * v.s + fbx0, v.s, pu + cwch + co, cw, pu + 2 * cwch + co, cw, cols, rows);
    } else {
      const uv = pl[1];
      x.blendPlane(uv.a + fby0 * uv.s + fbx0 * 2, uv.s, pu + 3 * cwch + co * 2, cw * 2, pu + 5 * cwch + co * 2, cw * 2, cols * 2, rows);
    }
  }
  return {
    isSimd: x.isSimdBuild() === 1,
    capacity: CAP,
    views,
    setWatermark(rgba, w, h) { wmIn.set(rgba.subarray(0, w * h * 4)); wmW = w; wmH = h; wmPrepared = -1; },
    clearWatermark() { wmW = wmH = 0; wmPrepared = -1; },
    scale(format, w, h, crop, dw, dh, from, to) {
      const src = planes(format, w, h, L['FRAME_' + from]), dst = planes(format, dw, dh, L['FRAME_' + to]);
      for (let i = 0; i < src.length; i++) {
        const s = src[i], d = dst[i];
        const stepX = Math.round((crop.width * 65536) / s.sub / d.w);
        const startX = Math.round((crop.x * 65536) / s.sub) + (stepX >> 1) - 32768;
        const stepY = Math.round((crop.height * 65536) / s.sub / d.h);
        const startY = Math.round((crop.y * 65536) / s.sub) + (stepY >> 1) - 32768;
        x.scalePlane(s.a, s.s, s.w, s.h, s.bpp, d.a, d.s, d.w, d.h, startX, stepX, startY, stepY);
      }
    },
    process(format, w, h, from, to, p, wmAt) {
      const src = planes(format, w, h, L['FRAME_' + from]), dst = planes(format, w, h, L['FRAME_' + to]);
      const strength = Math.round(p.beauty * 256);
      const adjusting = p.mirror || p.brightness !== 0 || p.contrast !== 1 || p.saturation !== 1;
      if (strength > 0) {
        let s = src;
        if (adjusting) { const tmp = planes(format, w, h, L.FRAME_TMP); adjust(format, src, tmp, p); s = tmp; }
        x.beautyPlane(s[0].a, s[0].s, dst[0].a, dst[0].s, s[0].w, s[0].h, s[0].bpp, strength, 1);
        for (let i = 1; i < s.length; i++) x.copyPlane(s[i].a, s[i].s, dst[i].a, dst[i].s, s[i].w * s[i].bpp, s[i].h);
      } else if (adjusting) adjust(format, src, dst, p);
      else copy(src, dst);
      if (wmAt && wmW > 0) blend(format, w, h, dst, wmAt.x, wmAt.y);
    },
  };
})`;

function fill(source: string): string {
  return source.replace('__LAYOUT__', JSON.stringify(MEDIA_CORE_LAYOUT)).replace('__CAPACITY__', String(FRAME_CAPACITY));
}

let pending: Promise<CoreForWorkers | null> | null = null;

/** Compiles the media core once per page; resolves `null` when WebAssembly or the core is unavailable. */
export function loadCoreForWorkers(): Promise<CoreForWorkers | null> {
  pending ??= (async () => {
    if (typeof WebAssembly !== 'object') return null;
    const module = await compileMediaCoreModule();
    return { module, audioBinding: fill(AUDIO_BINDING), videoBinding: fill(VIDEO_BINDING) };
  })();
  return pending;
}

let mainThreadCore: Promise<MediaCore | null> | null = null;

/** One media core instance for main-thread work (the canvas fallback), from the same compiled Module. */
export function loadMainThreadCore(): Promise<MediaCore | null> {
  mainThreadCore ??= loadCoreForWorkers().then((core) => (core ? instantiateMediaCore(core.module) : null));
  return mainThreadCore;
}
