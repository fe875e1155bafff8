/**
 * Source of the dedicated Worker behind the breakout-box pipeline, started from
 * a Blob URL so an app needs no asset. The main thread creates the
 * MediaStreamTrackProcessor and MediaStreamTrackGenerator (Chromium has them on
 * window only) and transfers `processor.readable` and `generator.writable` here.
 *
 * Per frame: copy the visible rect into a tight buffer (I420, NV12 or RGBA
 * family), close the input frame at once, run the kernels (scale → mirror →
 * brightness/contrast → saturation → smoothing → watermark), wrap the result in
 * a new VideoFrame and write it (the generator closes it). So the worker holds
 * at most one frame at any moment; `held`/`maxHeld` count that.
 *
 * The kernels run in the WASM media core when the binding and Module are given
 * (`bindCore(module)` → an object with `processFrame(...)`), else in the plain JS
 * kernels below, which are the reference the WASM ones are tested against.
 *
 * Messages in: `init {readable, writable, params, module}`, `input {readable}`,
 * `params {params}`, `watermark {rgba, width, height, x, y, opacity} | null`,
 * `stats {id}`, `stop`. Messages out: `stats {id, stats}`, `error {message}`.
 */
export function videoWorkerSource(bindingSource: string | null): string {
  return `const bindCore = ${bindingSource ?? 'null'};\n` + VIDEO_WORKER_BODY;
}

const VIDEO_WORKER_BODY = /* js */ `
'use strict';
let reader = null;
let writer = null;
let stopped = false;
let params = { mirror: false, brightness: 0, contrast: 1, saturation: 1, beauty: 0, scaleWidth: 0, scaleHeight: 0 };
let core = null;
let lumaLut = new Uint8Array(256);
let chromaLut = new Uint8Array(256);
let identityChroma = true;
let identityLuma = true;
let watermark = null; // {x, y, w, h, alpha: Uint8Array (0-255 premultiplied by opacity), rgba, yuv: {y,u,v, format}}
const stats = { framesIn: 0, framesOut: 0, framesClosed: 0, framesHeld: 0, maxHeld: 0, totalMs: 0, wasm: false };
// Summed stage times of the WASM path (copy in, kernels, wrap in a VideoFrame, generator write).
const stages = { copy: 0, kernel: 0, wrap: 0, write: 0, frames: 0 };
// Per-frame times (read → written) of the last 256 frames, for a median.
const recent = new Float64Array(256);
let recentCount = 0;
function median() {
  const n = Math.min(recentCount, recent.length);
  if (!n) return 0;
  const sorted = Array.from(recent.subarray(0, n)).sort((a, b) => a - b);
  return sorted[n >> 1];
}
let bufIn = new Uint8Array(0);
let bufOut = new Uint8Array(0);
let bufTmp = new Uint8Array(0);
let reportedError = false;

function hold() { stats.framesHeld++; if (stats.framesHeld > stats.maxHeld) stats.maxHeld = stats.framesHeld; }
function release() { stats.framesHeld--; }
function closeFrame(f) { f.close(); stats.framesClosed++; release(); }
function ensure(buf, n) { return buf.length >= n ? buf : new Uint8Array(n); }
function clamp8(v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

function buildLuts() {
  identityLuma = params.brightness === 0 && params.contrast === 1;
  identityChroma = params.saturation === 1;
  for (let i = 0; i < 256; i++) {
    lumaLut[i] = clamp8(Math.round((i - 128) * params.contrast + 128 + params.brightness * 255));
    chromaLut[i] = clamp8(Math.round((i - 128) * params.saturation + 128));
  }
}
buildLuts();

// ---- layout helpers -------------------------------------------------------
function familyOf(format) {
  if (format === 'I420' || format === 'I420A') return 'I420';
  if (format === 'NV12') return 'NV12';
  if (format === 'RGBA' || format === 'RGBX' || format === 'BGRA' || format === 'BGRX') return 'RGBA';
  return null;
}
function planeLayout(family, w, h) {
  const cw = (w + 1) >> 1, ch = (h + 1) >> 1;
  if (family === 'I420') return { size: w * h + 2 * cw * ch, layout: [{ offset: 0, stride: w }, { offset: w * h, stride: cw }, { offset: w * h + cw * ch, stride: cw }], cw, ch };
  if (family === 'NV12') return { size: w * h + 2 * cw * ch, layout: [{ offset: 0, stride: w }, { offset: w * h, stride: cw * 2 }], cw, ch };
  return { size: w * h * 4, layout: [{ offset: 0, stride: w * 4 }], cw, ch };
}

// ---- JS reference kernels ------------------------------------------------
function mirrorPlane(b, off, w, h, bpp) {
  for (let y = 0; y < h; y++) {
    let l = off + y * w * bpp, r = l + (w - 1) * bpp;
    while (l < r) {
      for (let k = 0; k < bpp; k++) { const t = b[l + k]; b[l + k] = b[r + k]; b[r + k] = t; }
      l += bpp; r -= bpp;
    }
  }
}
function lutPlane(b, off, n, lut) { for (let i = off, e = off + n; i < e; i++) b[i] = lut[b[i]]; }
function lutInterleaved(b, off, n, lut) { for (let i = off, e = off + n; i < e; i++) b[i] = lut[b[i]]; }
// Edge-preserving smoothing on a plane: a [1 2 1] x [1 2 1] blur, blended where the change is small.
function smoothPlane(b, off, w, h, strength, tmp) {
  const s = Math.round(strength * 256);
  // horizontal pass into tmp (x4 weights)
  for (let y = 0; y < h; y++) {
    const row = off + y * w;
    const t = y * w;
    tmp[t] = b[row];
    for (let x = 1; x < w - 1; x++) tmp[t + x] = (b[row + x - 1] + 2 * b[row + x] + b[row + x + 1]) >> 2;
    tmp[t + w - 1] = b[row + w - 1];
  }
  // vertical pass and blend back
  for (let y = 1; y < h - 1; y++) {
    const row = off + y * w, t = y * w;
    for (let x = 0; x < w; x++) {
      const blur = (tmp[t - w + x] + 2 * tmp[t + x] + tmp[t + w + x]) >> 2;
      const v = b[row + x];
      const d = blur - v;
      if (d > -24 && d < 24) b[row + x] = v + ((d * s) >> 8);
    }
  }
}
function rgbaColour(b, n, bgr) {
  // brightness/contrast on all three channels, saturation around the pixel's luma
  const sat = params.saturation;
  for (let i = 0; i < n; i += 4) {
    let r = lumaLut[b[i]], g = lumaLut[b[i + 1]], bl = lumaLut[b[i + 2]];
    if (!identityChroma) {
      const yv = bgr ? 0.114 * r + 0.587 * g + 0.299 * bl : 0.299 * r + 0.587 * g + 0.114 * bl;
      r = clamp8(Math.round(yv + (r - yv) * sat)); g = clamp8(Math.round(yv + (g - yv) * sat)); bl = clamp8(Math.round(yv + (bl - yv) * sat));
    }
    b[i] = r; b[i + 1] = g; b[i + 2] = bl;
  }
}
function scalePlane(src, soff, sw, sh, sstride, dst, doff, dw, dh, dstride, bpp) {
  // Nearest-neighbour: cheap and exact for 2x steps; the WASM core does better.
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, ((y * 2 + 1) * sh / (dh * 2)) | 0);
    const srow = soff + sy * sstride, drow = doff + y * dstride;
    for (let x = 0; x < dw; x++) {
      const sx = Math.min(sw - 1, ((x * 2 + 1) * sw / (dw * 2)) | 0);
      for (let k = 0; k < bpp; k++) dst[drow + x * bpp + k] = src[srow + sx * bpp + k];
    }
  }
}
function blendWatermark(b, family, w, h, rgbaBgr) {
  const wm = watermark;
  const x0 = Math.max(0, wm.x), y0 = Math.max(0, wm.y);
  const x1 = Math.min(w, wm.x + wm.w), y1 = Math.min(h, wm.y + wm.h);
  if (x0 >= x1 || y0 >= y1) return;
  if (family === 'RGBA') {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
      const s = ((y - wm.y) * wm.w + (x - wm.x)) * 4, d = (y * w + x) * 4, a = wm.alpha[s >> 2];
      if (a === 0) continue;
      const r = wm.rgba[s], g = wm.rgba[s + 1], bl = wm.rgba[s + 2];
      b[d] += ((rgbaBgr ? bl : r) - b[d]) * a / 255;
      b[d + 1] += (g - b[d + 1]) * a / 255;
      b[d + 2] += ((rgbaBgr ? r : bl) - b[d + 2]) * a / 255;
    }
    return;
  }
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
    const s = (y - wm.y) * wm.w + (x - wm.x), a = wm.alpha[s];
    if (a !== 0) { const d = y * w + x; b[d] += (wm.y_[s] - b[d]) * a / 255; }
  }
  const cw = (w + 1) >> 1, cOff = w * h;
  const cx0 = x0 >> 1, cy0 = y0 >> 1, cx1 = (x1 + 1) >> 1, cy1 = (y1 + 1) >> 1;
  for (let cy = cy0; cy < cy1; cy++) for (let cx = cx0; cx < cx1; cx++) {
    const sx = Math.min(wm.w - 1, Math.max(0, cx * 2 - wm.x)), sy = Math.min(wm.h - 1, Math.max(0, cy * 2 - wm.y));
    const s = sy * wm.w + sx, a = wm.alpha[s];
    if (a === 0) continue;
    if (family === 'I420') {
      const du = cOff + cy * cw + cx, dv = cOff + cw * ((h + 1) >> 1) + cy * cw + cx;
      b[du] += (wm.u_[s] - b[du]) * a / 255; b[dv] += (wm.v_[s] - b[dv]) * a / 255;
    } else {
      const d = cOff + cy * cw * 2 + cx * 2;
      b[d] += (wm.u_[s] - b[d]) * a / 255; b[d + 1] += (wm.v_[s] - b[d + 1]) * a / 255;
    }
  }
}

function processJs(b, family, format, w, h) {
  const cw = (w + 1) >> 1, ch = (h + 1) >> 1;
  if (family === 'RGBA') {
    if (params.mirror) mirrorPlane(b, 0, w, h, 4);
    if (!identityLuma || !identityChroma) rgbaColour(b, w * h * 4, format[0] === 'B');
    if (watermark) blendWatermark(b, family, w, h, format[0] === 'B');
    return;
  }
  if (params.mirror) {
    mirrorPlane(b, 0, w, h, 1);
    if (family === 'I420') { mirrorPlane(b, w * h, cw, ch, 1); mirrorPlane(b, w * h + cw * ch, cw, ch, 1); }
    else mirrorPlane(b, w * h, cw, ch, 2);
  }
  if (!identityLuma) lutPlane(b, 0, w * h, lumaLut);
  if (!identityChroma) lutInterleaved(b, w * h, 2 * cw * ch, chromaLut);
  if (params.beauty > 0) {
    bufTmp = ensure(bufTmp, w * h);
    smoothPlane(b, 0, w, h, params.beauty, bufTmp);
    smoothPlane(b, 0, w, h, params.beauty, bufTmp);
  }
  if (watermark) blendWatermark(b, family, w, h, false);
}

// ---- the frame loop ------------------------------------------------------
function processFrame(frame) {
  const format = frame.format;
  const family = familyOf(format);
  const rect = frame.visibleRect;
  const w = rect.width & ~1, h = rect.height & ~1;
  const timestamp = frame.timestamp, duration = frame.duration;
  if (!family || !w || !h) {
    // A format the kernels do not know: pass a copy through untouched.
    const copy = new VideoFrame(frame, { timestamp });
    hold();
    closeFrame(frame);
    return copy;
  }
  const t0 = performance.now();
  const src = planeLayout(family, w, h);
  if (core && src.size <= core.capacity) return processWithCore(frame, family, format, rect, w, h, src, timestamp, duration, t0);
  bufIn = ensure(bufIn, src.size);
  const copied = frame.copyTo(bufIn, { rect: { x: rect.x, y: rect.y, width: w, height: h }, layout: src.layout });
  closeFrame(frame);
  return copied.then(() => {
    let data = bufIn, ow = w, oh = h, out = src;
    if (params.scaleWidth > 0 && params.scaleHeight > 0 && (params.scaleWidth !== w || params.scaleHeight !== h)) {
      ow = params.scaleWidth; oh = params.scaleHeight;
      out = planeLayout(family, ow, oh);
      bufOut = ensure(bufOut, out.size);
      // Crop to the target aspect ratio, centred, then scale.
      let cwid = w, chei = Math.round(w * oh / ow) & ~1;
      if (chei > h) { chei = h; cwid = Math.round(h * ow / oh) & ~1; }
      const cx = ((w - cwid) >> 2) << 1, cy = ((h - chei) >> 2) << 1;
      if (family === 'RGBA') scalePlane(bufIn, (cy * w + cx) * 4, cwid, chei, w * 4, bufOut, 0, ow, oh, ow * 4, 4);
      else {
        scalePlane(bufIn, cy * w + cx, cwid, chei, w, bufOut, 0, ow, oh, ow, 1);
        if (family === 'I420') {
          scalePlane(bufIn, w * h + (cy >> 1) * src.cw + (cx >> 1), cwid >> 1, chei >> 1, src.cw, bufOut, ow * oh, out.cw, out.ch, out.cw, 1);
          scalePlane(bufIn, w * h + src.cw * src.ch + (cy >> 1) * src.cw + (cx >> 1), cwid >> 1, chei >> 1, src.cw, bufOut, ow * oh + out.cw * out.ch, out.cw, out.ch, out.cw, 1);
        } else {
          scalePlane(bufIn, w * h + (cy >> 1) * src.cw * 2 + cx, cwid >> 1, chei >> 1, src.cw * 2, bufOut, ow * oh, out.cw, out.ch, out.cw * 2, 2);
        }
      }
      data = bufOut;
    }
    processJs(data, family, format, ow, oh);
    const outFormat = format === 'I420A' ? 'I420' : format;
    const result = new VideoFrame(data.subarray(0, out.size), { format: outFormat, codedWidth: ow, codedHeight: oh, timestamp, duration: duration ?? undefined, layout: out.layout });
    hold();
    return result;
  });
}

function cropFor(w, h, ow, oh) {
  // Crop to the target aspect ratio, centred, on even pixels.
  let cw = w, ch = Math.round(w * oh / ow) & ~1;
  if (ch > h) { ch = h; cw = Math.round(h * ow / oh) & ~1; }
  return { x: ((w - cw) >> 2) << 1, y: ((h - ch) >> 2) << 1, width: cw, height: ch };
}

// The WASM path: copy straight into the core's input buffer, chain IN → OUT (→ IN), wrap the result.
function processWithCore(frame, family, format, rect, w, h, src, timestamp, duration, t0) {
  const copied = frame.copyTo(core.views.IN.subarray(0, src.size), { rect: { x: rect.x, y: rect.y, width: w, height: h }, layout: src.layout });
  closeFrame(frame);
  return copied.then(() => {
    const t1 = performance.now();
    stages.copy += t1 - t0;
    let from = 'IN', ow = w, oh = h;
    if (params.scaleWidth > 0 && params.scaleHeight > 0 && (params.scaleWidth !== w || params.scaleHeight !== h)) {
      ow = params.scaleWidth; oh = params.scaleHeight;
      core.scale(family, w, h, cropFor(w, h, ow, oh), ow, oh, 'IN', 'OUT');
      from = 'OUT';
    }
    const to = from === 'IN' ? 'OUT' : 'IN';
    core.process(family, ow, oh, from, to, params, watermark ? { x: watermark.x, y: watermark.y } : null);
    const t2 = performance.now();
    stages.kernel += t2 - t1;
    const out = planeLayout(family, ow, oh);
    const outFormat = format === 'I420A' ? 'I420' : format;
    const result = new VideoFrame(core.views[to].subarray(0, out.size), { format: outFormat, codedWidth: ow, codedHeight: oh, timestamp, duration: duration ?? undefined, layout: out.layout });
    hold();
    stages.wrap += performance.now() - t2;
    stages.frames++;
    return result;
  });
}

async function pump(myReader) {
  for (;;) {
    let r;
    try { r = await myReader.read(); } catch (e) { return; }
    if (r.done) return;
    const frame = r.value;
    stats.framesIn++;
    hold();
    if (stopped || myReader !== reader || !writer) { closeFrame(frame); if (myReader !== reader) return; continue; }
    let output = null;
    const t0 = performance.now();
    try {
      output = await processFrame(frame);
    } catch (e) {
      // A closed VideoFrame has a null format: close the input only if a synchronous throw left it open.
      if (frame.format !== null) closeFrame(frame);
      if (!reportedError) { reportedError = true; self.postMessage({ type: 'error', message: String(e && e.message || e) }); }
      continue;
    }
    const tw = performance.now();
    try {
      await writer.write(output); // the generator closes the written frame
      if (stats.wasm) stages.write += performance.now() - tw;
      stats.framesOut++;
      release();
      const ms = performance.now() - t0;
      stats.totalMs += ms;
      recent[recentCount++ % recent.length] = ms;
    } catch (e) {
      closeFrame(output);
      return;
    }
  }
}

function setWatermark(m) {
  if (!m) { watermark = null; if (core) core.clearWatermark(); return; }
  const n = m.width * m.height;
  const alpha = new Uint8Array(n), y_ = new Uint8Array(n), u_ = new Uint8Array(n), v_ = new Uint8Array(n);
  const rgba = new Uint8Array(m.rgba);
  for (let i = 0; i < n; i++) {
    const r = rgba[i * 4], g = rgba[i * 4 + 1], b = rgba[i * 4 + 2];
    alpha[i] = Math.round(rgba[i * 4 + 3] * m.opacity);
    // BT.601 limited range, as camera I420 is.
    y_[i] = clamp8(Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b));
    u_[i] = clamp8(Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b));
    v_[i] = clamp8(Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b));
  }
  watermark = { x: m.x, y: m.y, w: m.width, h: m.height, alpha, rgba, y_, u_, v_ };
  if (core) {
    const withOpacity = new Uint8Array(rgba);
    for (let i = 0; i < n; i++) withOpacity[i * 4 + 3] = alpha[i];
    core.setWatermark(withOpacity, m.width, m.height);
  }
}

self.onmessage = (event) => {
  const m = event.data;
  switch (m.type) {
    case 'init':
      params = m.params;
      buildLuts();
      if (m.module && bindCore) {
        try { core = bindCore(m.module); stats.wasm = true; }
        catch (e) { core = null; self.postMessage({ type: 'warning', message: 'WASM core unavailable in worker: ' + e }); }
      }
      writer = m.writable.getWriter();
      reader = m.readable.getReader();
      pump(reader);
      break;
    case 'input': {
      const old = reader;
      reader = m.readable.getReader();
      if (old) old.cancel().catch(() => {});
      pump(reader);
      break;
    }
    case 'params':
      params = m.params;
      buildLuts();
      break;
    case 'watermark':
      setWatermark(m.watermark);
      break;
    case 'stats':
      self.postMessage({ type: 'stats', id: m.id, stats: {
        framesIn: stats.framesIn, framesOut: stats.framesOut, framesClosed: stats.framesClosed,
        framesHeld: stats.framesHeld, maxHeld: stats.maxHeld, wasm: stats.wasm,
        meanProcessMs: stats.framesOut ? stats.totalMs / stats.framesOut : 0, medianProcessMs: median(),
        stageMeansMs: stages.frames ? { copy: stages.copy / stages.frames, kernel: stages.kernel / stages.frames,
          wrap: stages.wrap / stages.frames, write: stages.write / stages.frames } : null } });
      break;
    case 'reset-timing':
      stats.totalMs = 0; recentCount = 0; stats.framesOut = 0; stats.framesIn = 0; stats.framesClosed = 0;
      stages.copy = stages.kernel = stages.wrap = stages.write = stages.frames = 0;
      break;
    case 'stop':
      stopped = true;
      if (reader) reader.cancel().catch(() => {});
      if (writer) writer.close().catch(() => {});
      reader = null;
      self.postMessage({ type: 'stopped' });
      break;
  }
};
`;
