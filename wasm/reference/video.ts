// Plain TypeScript reference of the video kernels (wasm/assembly/video-*.ts):
// the same fixed-point formulas, written pixel by pixel for clarity. The
// WASM builds must match these byte for byte.

/** Pixel formats of the media core. */
export type RefFormat = 'I420' | 'NV12' | 'RGBA';

/** Where one plane starts in a buffer and how far apart its rows are, in bytes. */
export interface RefPlane {
  offset: number;
  stride: number;
}

/** A frame in a byte buffer. */
export interface RefFrame {
  format: RefFormat;
  width: number;
  height: number;
  data: Uint8Array;
  layout: RefPlane[];
}

/** Size of one plane in pixels and its bytes per pixel. */
export interface RefPlaneGeometry {
  width: number;
  height: number;
  bpp: number;
  /** 1 for full resolution, 2 for 2×2-subsampled chroma. */
  subsampling: number;
}

/** The planes of a format at a frame size. */
export function planeGeometryRef(format: RefFormat, width: number, height: number): RefPlaneGeometry[] {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  switch (format) {
    case 'I420':
      return [
        { width, height, bpp: 1, subsampling: 1 },
        { width: cw, height: ch, bpp: 1, subsampling: 2 },
        { width: cw, height: ch, bpp: 1, subsampling: 2 },
      ];
    case 'NV12':
      return [
        { width, height, bpp: 1, subsampling: 1 },
        { width: cw, height: ch, bpp: 2, subsampling: 2 },
      ];
    case 'RGBA':
      return [{ width, height, bpp: 4, subsampling: 1 }];
  }
}

/** Tightly packed planes, one after the other. */
export function packedLayoutRef(format: RefFormat, width: number, height: number): RefPlane[] {
  let offset = 0;
  return planeGeometryRef(format, width, height).map((p) => {
    const plane = { offset, stride: p.width * p.bpp };
    offset += plane.stride * p.height;
    return plane;
  });
}

/** Bytes of a packed frame. */
export function frameBytesRef(format: RefFormat, width: number, height: number): number {
  return planeGeometryRef(format, width, height).reduce((sum, p) => sum + p.width * p.bpp * p.height, 0);
}

const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Brightness −1…1 → bias added to luma / RGB. */
export const brightnessBias = (brightness: number) => Math.round(brightness * 255);
/** Contrast 0…2 → Q7 factor, at most 255 (one u8 multiply in the kernel). */
export const contrastQ7 = (contrast: number) => Math.min(255, Math.round(contrast * 128));
/** Saturation 0…2 → Q7 factor on chroma (YUV), at most 255. */
export const saturationQ7 = (saturation: number) => Math.min(255, Math.round(saturation * 128));
/** Saturation 0…2 → Q6 factor (RGBA). */
export const saturationQ6 = (saturation: number) => Math.round(saturation * 64);
/** Beauty strength 0…1 → Q8. */
export const strengthQ8 = (strength: number) => Math.round(strength * 256);

/** The per-byte brightness/contrast/saturation map. */
export function affineRef(x: number, k: number, bias: number): number {
  return clamp255((((x - 128) * k + 64) >> 7) + 128 + bias);
}

/** Copies a plane. */
export function copyPlaneRef(
  src: Uint8Array, so: number, ss: number, dst: Uint8Array, dOff: number, ds: number, rowBytes: number, h: number,
): void {
  for (let y = 0; y < h; y++) dst.set(src.subarray(so + y * ss, so + y * ss + rowBytes), dOff + y * ds);
}

/** affine() on every byte of a plane, optionally mirrored in `bpp`-byte pixels. */
export function affinePlaneRef(
  src: Uint8Array, so: number, ss: number, dst: Uint8Array, dOff: number, ds: number,
  w: number, h: number, bpp: number, mirror: boolean, k: number, bias: number,
): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = mirror ? w - 1 - x : x;
      for (let c = 0; c < bpp; c++) {
        dst[dOff + y * ds + x * bpp + c] = affineRef(src[so + y * ss + sx * bpp + c], k, bias);
      }
    }
  }
}

/** Brightness/contrast, then saturation around BT.601 gray, on RGBA; alpha kept. */
export function adjustRgbaPlaneRef(
  src: Uint8Array, so: number, ss: number, dst: Uint8Array, dOff: number, ds: number,
  w: number, h: number, mirror: boolean, k: number, bias: number, s6: number,
): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sp = so + y * ss + (mirror ? w - 1 - x : x) * 4;
      const dp = dOff + y * ds + x * 4;
      const r = affineRef(src[sp], k, bias);
      const g = affineRef(src[sp + 1], k, bias);
      const b = affineRef(src[sp + 2], k, bias);
      const gray = (77 * r + 150 * g + 29 * b + 128) >> 8;
      dst[dp] = clamp255(gray + (((r - gray) * s6 + 32) >> 6));
      dst[dp + 1] = clamp255(gray + (((g - gray) * s6 + 32) >> 6));
      dst[dp + 2] = clamp255(gray + (((b - gray) * s6 + 32) >> 6));
      dst[dp + 3] = src[sp + 3];
    }
  }
}

/** Edge-preserving smoothing of one plane (see video-beauty.ts for the formula). */
export function beautyPlaneRef(
  src: Uint8Array, so: number, ss: number, dst: Uint8Array, dOff: number, ds: number,
  w: number, h: number, bpp: number, strength: number, radius: 1 | 2 = 1,
): void {
  const avg = (a: number, b: number) => (a + b + 1) >> 1;
  const px = (x: number, y: number, c: number) =>
    src[so + Math.min(Math.max(y, 0), h - 1) * ss + Math.min(Math.max(x, 0), w - 1) * bpp + c];
  const vertical = (x: number, y: number, c: number) => radius === 1
    ? avg(avg(px(x, y - 1, c), px(x, y + 1, c)), px(x, y, c))
    : avg(avg(avg(px(x, y - 2, c), px(x, y + 2, c)), px(x, y, c)), avg(px(x, y - 1, c), px(x, y + 1, c)));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < bpp; c++) {
        const v = px(x, y, c);
        const o = dOff + y * ds + x * bpp + c;
        if (bpp === 4 && c === 3) {
          dst[o] = v;
          continue;
        }
        const sm = radius === 1
          ? avg(avg(vertical(x - 1, y, c), vertical(x + 1, y, c)), vertical(x, y, c))
          : avg(avg(avg(vertical(x - 2, y, c), vertical(x + 2, y, c)), vertical(x, y, c)),
            avg(vertical(x - 1, y, c), vertical(x + 1, y, c)));
        const ad = Math.abs(sm - v);
        const r = Math.floor((ad * Math.max(0, 31 - ad) * strength + 3840) / 7680);
        dst[o] = sm > v ? v + r : v - r;
      }
    }
  }
}

/**
 * One alpha-blended byte the way the kernels compute it: dst moves toward
 * src by (src − dst)·a/255, with a/255 as the Q15 factor (a·257) >> 1
 * (0 for a = 0, 32767 for a = 255) and a rounding Q15 product (pmulhrsw).
 * Exact at a = 0 and a = 255, within 1 of round((dst·(255 − a) + src·a) / 255).
 */
export function blendRef(dst: number, src: number, a: number): number {
  return dst + (((src - dst) * ((a * 257) >> 1) + 16384) >> 15);
}

/** BT.601 limited-range conversion of one RGB pixel. */
export function rgbToYuvRef(r: number, g: number, b: number): [number, number, number] {
  return [
    ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16,
    ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128,
    ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128,
  ];
}

/** An RGBA watermark image (stride = width × 4). */
export interface RefImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Blends `wm` onto `frame` in place with its top-left corner at (x, y); parts outside are clipped. */
export function blendWatermarkRef(frame: RefFrame, wm: RefImage, x: number, y: number): void {
  const { width: W, height: H, data, layout } = frame;
  const { width: w, height: h } = wm;
  if (frame.format === 'RGBA') {
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const fx = x + i;
        const fy = y + j;
        if (fx < 0 || fy < 0 || fx >= W || fy >= H) continue;
        const s = (j * w + i) * 4;
        const a = wm.data[s + 3];
        const d = layout[0].offset + fy * layout[0].stride + fx * 4;
        for (let c = 0; c < 3; c++) data[d + c] = blendRef(data[d + c], wm.data[s + c], a);
      }
    }
    return;
  }
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const fx = x + i;
      const fy = y + j;
      if (fx < 0 || fy < 0 || fx >= W || fy >= H) continue;
      const s = (j * w + i) * 4;
      const a = wm.data[s + 3];
      const [wy] = rgbToYuvRef(wm.data[s], wm.data[s + 1], wm.data[s + 2]);
      const d = layout[0].offset + fy * layout[0].stride + fx;
      data[d] = blendRef(data[d], wy, a);
    }
  }
  // Chroma: each chroma sample blends the alpha-weighted mean of the
  // watermark pixels in its 2×2 block, with alpha = block alpha sum / 4.
  const CW = (W + 1) >> 1;
  const CH = (H + 1) >> 1;
  for (let by = y >> 1; by <= (y + h - 1) >> 1; by++) {
    for (let bx = x >> 1; bx <= (x + w - 1) >> 1; bx++) {
      if (bx < 0 || by < 0 || bx >= CW || by >= CH) continue;
      let asum = 0;
      let usum = 0;
      let vsum = 0;
      for (let j = 0; j < 2; j++) {
        for (let i = 0; i < 2; i++) {
          const wx = 2 * bx + i - x;
          const wy = 2 * by + j - y;
          if (wx < 0 || wy < 0 || wx >= w || wy >= h) continue;
          const s = (wy * w + wx) * 4;
          const a = wm.data[s + 3];
          const [, u, v] = rgbToYuvRef(wm.data[s], wm.data[s + 1], wm.data[s + 2]);
          asum += a;
          usum += a * u;
          vsum += a * v;
        }
      }
      const u = asum > 0 ? Math.floor((2 * usum + asum) / (2 * asum)) : 128;
      const v = asum > 0 ? Math.floor((2 * vsum + asum) / (2 * asum)) : 128;
      const ac = (asum + 2) >> 2;
      if (frame.format === 'I420') {
        const pu = layout[1].offset + by * layout[1].stride + bx;
        const pv = layout[2].offset + by * layout[2].stride + bx;
        data[pu] = blendRef(data[pu], u, ac);
        data[pv] = blendRef(data[pv], v, ac);
      } else {
        const p = layout[1].offset + by * layout[1].stride + bx * 2;
        data[p] = blendRef(data[p], u, ac);
        data[p + 1] = blendRef(data[p + 1], v, ac);
      }
    }
  }
}

/** Q16 start and step of a scaling axis (pixel centres aligned). */
export function scaleAxisRef(cropStart: number, cropSize: number, subsampling: number, outSize: number) {
  const step = Math.round((cropSize * 65536) / subsampling / outSize);
  const start = Math.round((cropStart * 65536) / subsampling) + (step >> 1) - 32768;
  return { start, step };
}

/** Bilinear scaling of one plane (see video-scale.ts for the formula). */
export function scalePlaneRef(
  src: Uint8Array, so: number, ss: number, planeW: number, planeH: number, bpp: number,
  dst: Uint8Array, dOff: number, ds: number, dw: number, dh: number,
  startX: number, stepX: number, startY: number, stepY: number,
): void {
  const clampQ = (v: number, max: number) => (v < 0 ? 0 : v > max ? max : v);
  for (let dy = 0; dy < dh; dy++) {
    const fy = clampQ(startY + dy * stepY, (planeH - 1) * 65536);
    const y0 = fy >> 16;
    const y1 = Math.min(y0 + 1, planeH - 1);
    const wy = (fy >> 8) & 255;
    for (let dx = 0; dx < dw; dx++) {
      const fx = clampQ(startX + dx * stepX, (planeW - 1) * 65536);
      const x0 = fx >> 16;
      const x1 = Math.min(x0 + 1, planeW - 1);
      const wx = (fx >> 8) & 255;
      for (let c = 0; c < bpp; c++) {
        const row = (x: number) =>
          (src[so + y0 * ss + x * bpp + c] * (256 - wy) + src[so + y1 * ss + x * bpp + c] * wy + 128) >> 8;
        dst[dOff + dy * ds + dx * bpp + c] = (row(x0) * (256 - wx) + row(x1) * wx + 128) >> 8;
      }
    }
  }
}

/** Options of adjustFrameRef. */
export interface RefAdjust {
  mirror?: boolean;
  brightness?: number;
  contrast?: number;
  saturation?: number;
}

/** Mirror and brightness/contrast/saturation of a whole frame, src → dst (same format and size). */
export function adjustFrameRef(src: RefFrame, dst: RefFrame, p: RefAdjust): void {
  const mirror = p.mirror ?? false;
  const k = contrastQ7(p.contrast ?? 1);
  const bias = brightnessBias(p.brightness ?? 0);
  const planes = planeGeometryRef(src.format, src.width, src.height);
  if (src.format === 'RGBA') {
    const [s, d] = [src.layout[0], dst.layout[0]];
    adjustRgbaPlaneRef(src.data, s.offset, s.stride, dst.data, d.offset, d.stride, src.width, src.height,
      mirror, k, bias, saturationQ6(p.saturation ?? 1));
    return;
  }
  planes.forEach((g, i) => {
    const [s, d] = [src.layout[i], dst.layout[i]];
    const isLuma = i === 0;
    affinePlaneRef(src.data, s.offset, s.stride, dst.data, d.offset, d.stride, g.width, g.height, g.bpp, mirror,
      isLuma ? k : saturationQ7(p.saturation ?? 1), isLuma ? bias : 0);
  });
}

/** Horizontal mirror of a whole frame. */
export function mirrorFrameRef(src: RefFrame, dst: RefFrame): void {
  planeGeometryRef(src.format, src.width, src.height).forEach((g, i) => {
    const [s, d] = [src.layout[i], dst.layout[i]];
    affinePlaneRef(src.data, s.offset, s.stride, dst.data, d.offset, d.stride, g.width, g.height, g.bpp, true, 128, 0);
  });
}

/** Beauty smoothing of a whole frame (luma, or RGB), chroma copied; radius 1 = 3×3, 2 = 5×5. */
export function beautyFrameRef(src: RefFrame, dst: RefFrame, strength: number, radius: 1 | 2 = 1): void {
  const q = strengthQ8(strength);
  planeGeometryRef(src.format, src.width, src.height).forEach((g, i) => {
    const [s, d] = [src.layout[i], dst.layout[i]];
    if (i === 0) beautyPlaneRef(src.data, s.offset, s.stride, dst.data, d.offset, d.stride, g.width, g.height, g.bpp, q, radius);
    else copyPlaneRef(src.data, s.offset, s.stride, dst.data, d.offset, d.stride, g.width * g.bpp, g.height);
  });
}

/** Copies a whole frame between layouts. */
export function copyFrameRef(src: RefFrame, dst: RefFrame): void {
  planeGeometryRef(src.format, src.width, src.height).forEach((g, i) => {
    const [s, d] = [src.layout[i], dst.layout[i]];
    copyPlaneRef(src.data, s.offset, s.stride, dst.data, d.offset, d.stride, g.width * g.bpp, g.height);
  });
}

/** A crop rectangle in pixels. */
export interface RefRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Crop `crop` of src and scale it to dst's size (dst.width × dst.height). */
export function scaleFrameRef(src: RefFrame, crop: RefRect, dst: RefFrame): void {
  const srcPlanes = planeGeometryRef(src.format, src.width, src.height);
  const dstPlanes = planeGeometryRef(dst.format, dst.width, dst.height);
  srcPlanes.forEach((g, i) => {
    const [s, d] = [src.layout[i], dst.layout[i]];
    const ax = scaleAxisRef(crop.x, crop.width, g.subsampling, dstPlanes[i].width);
    const ay = scaleAxisRef(crop.y, crop.height, g.subsampling, dstPlanes[i].height);
    scalePlaneRef(src.data, s.offset, s.stride, g.width, g.height, g.bpp, dst.data, d.offset, d.stride,
      dstPlanes[i].width, dstPlanes[i].height, ax.start, ax.step, ay.start, ay.step);
  });
}

/** Options of processFrameRef. */
export interface RefProcess extends RefAdjust {
  beauty?: number;
  beautyRadius?: 1 | 2;
  watermark?: { image: RefImage; x: number; y: number };
}

/** mirror → brightness/contrast/saturation → beauty → watermark. */
export function processFrameRef(src: RefFrame, dst: RefFrame, p: RefProcess): void {
  const tmp: RefFrame = { ...dst, data: new Uint8Array(dst.data.length) };
  adjustFrameRef(src, tmp, p);
  beautyFrameRef(tmp, dst, p.beauty ?? 0, p.beautyRadius ?? 1);
  if (p.watermark) blendWatermarkRef(dst, p.watermark.image, p.watermark.x, p.watermark.y);
}
