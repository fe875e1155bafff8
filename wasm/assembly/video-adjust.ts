// Per-pixel kernels: plane copy, horizontal mirror, brightness/contrast
// (luma), saturation (chroma) and the RGBA equivalent. All pointers are
// absolute addresses validated by the JS wrapper; src and dst never alias.
//
// Fixed-point formulas (shared with wasm/reference/video.ts):
//   affine(x)   = clamp(((x - 128) * k + 64 >> 7) + 128 + bias, 0, 255)
//                 k in [0, 255] (Q7), bias in [-255, 255]
//   RGBA        c1 = affine(c) for R, G, B; gray = (77 R1 + 150 G1 + 29 B1 + 128) >> 8
//               c2 = clamp(gray + ((c1 - gray) * s6 + 32 >> 6), 0, 255), s6 in [0, 128]
// (k, bias and s6 are clamped to these ranges on entry.)
//               alpha unchanged.
// SIMD rows are processed in 16-byte chunks; the last chunk of a row overlaps
// the one before (same values written twice), so any width works.
import { LUT } from './layout';

/** Copies a plane: one block when both sides are packed, else row by row. */
export function copyPlane(src: usize, ss: i32, dst: usize, ds: i32, rowBytes: i32, h: i32): void {
  // Packed rows: one memory.copy for the plane (each call has a fixed cost;
  // a 640-byte chroma row pays it 360 times otherwise).
  if (ss == rowBytes && ds == rowBytes) {
    memory.copy(dst, src, <usize>rowBytes * <usize>h);
    return;
  }
  for (let y = 0; y < h; y++) {
    memory.copy(dst + <usize>(y * ds), src + <usize>(y * ss), <usize>rowBytes);
  }
}

@inline function reverse(v: v128, bpp: i32): v128 {
  if (bpp == 1) return i8x16.shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  if (bpp == 2) return i8x16.shuffle(v, v, 14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
  return i8x16.shuffle(v, v, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
}

/** Mirrors a plane horizontally; `bpp` (1, 2 or 4) is the pixel size in bytes. */
export function mirrorPlane(bpp: i32, src: usize, ss: i32, dst: usize, ds: i32, w: i32, h: i32): void {
  const n = w * bpp;
  for (let y = 0; y < h; y++) {
    const s = src + <usize>(y * ss);
    const d = dst + <usize>(y * ds);
    if (ASC_FEATURE_SIMD && n >= 16) {
      for (let p = 0; p < n; p += 16) {
        if (p > n - 16) p = n - 16;
        const v = v128.load(s + <usize>(n - 16 - p));
        if (bpp == 1) v128.store(d + <usize>p, reverse(v, 1));
        else if (bpp == 2) v128.store(d + <usize>p, reverse(v, 2));
        else v128.store(d + <usize>p, reverse(v, 4));
      }
    } else if (bpp == 1) {
      for (let x = 0; x < w; x++) store<u8>(d + <usize>x, load<u8>(s + <usize>(w - 1 - x)));
    } else if (bpp == 2) {
      for (let x = 0; x < w; x++) store<u16>(d + <usize>(x << 1), load<u16>(s + <usize>((w - 1 - x) << 1)));
    } else {
      for (let x = 0; x < w; x++) store<u32>(d + <usize>(x << 2), load<u32>(s + <usize>((w - 1 - x) << 2)));
    }
  }
}

// Parameters are clamped here too, so any caller of the raw exports gets the
// same (defined) result from both builds.
@inline function clampI(v: i32, lo: i32, hi: i32): i32 {
  return v < lo ? lo : v > hi ? hi : v;
}

@inline function affine(x: i32, k: i32, bias: i32): i32 {
  const v = (((x - 128) * k + 64) >> 7) + 128 + bias;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function fillLut(lut: usize, k: i32, bias: i32): void {
  for (let x = 0; x < 256; x++) store<u8>(lut + <usize>x, affine(x, k, bias));
}

// SIMD affine: ((x − 128)·k + 64) >> 7 == ((x·k + 64) >> 7) − k exactly
// (128k is a multiple of 128); x·k + 64 ≤ 65089 fits a u16 lane. k16 is
// widened once per call (an extmul would widen it again on every chunk).
@inline function affineLo(v: v128, k16: v128, c64: v128, add: v128): v128 {
  return i16x8.add(i16x8.shr_u(i16x8.add(i16x8.mul(i16x8.extend_low_i8x16_u(v), k16), c64), 7), add);
}
@inline function affineHi(v: v128, k16: v128, c64: v128, add: v128): v128 {
  return i16x8.add(i16x8.shr_u(i16x8.add(i16x8.mul(i16x8.extend_high_i8x16_u(v), k16), c64), 7), add);
}
@inline function affineVec(v: v128, k16: v128, c64: v128, add: v128): v128 {
  return i8x16.narrow_i16x8_u(affineLo(v, k16, c64, add), affineHi(v, k16, c64, add));
}

/**
 * out = affine(in) on every byte of a plane, mirrored when `mirror` is 1.
 * bpp 2 mirrors byte pairs (NV12 UV) and applies the same affine to U and V.
 */
export function affinePlane(
  src: usize, ss: i32, dst: usize, ds: i32, w: i32, h: i32,
  bpp: i32, mirror: i32, k: i32, bias: i32,
): void {
  k = clampI(k, 0, 255);
  bias = clampI(bias, -255, 255);
  const n = w * bpp;
  if (ASC_FEATURE_SIMD && n >= 16) {
    const k16 = i16x8.splat(<i16>k);
    const addv = i16x8.splat(<i16>(128 + bias - k));
    const c64 = i16x8.splat(64);
    // Whole chunks, then one last chunk ending at n (overlap is harmless).
    const last = <usize>(n - 16);
    for (let y = 0; y < h; y++) {
      const s = src + <usize>(y * ss);
      const d = dst + <usize>(y * ds);
      if (mirror && bpp == 1) {
        for (let o: usize = 0; o < last; o += 16) {
          v128.store(d + o, affineVec(reverse(v128.load(s + last - o), 1), k16, c64, addv));
        }
        v128.store(d + last, affineVec(reverse(v128.load(s), 1), k16, c64, addv));
      } else if (mirror) {
        for (let o: usize = 0; o < last; o += 16) {
          v128.store(d + o, affineVec(reverse(v128.load(s + last - o), 2), k16, c64, addv));
        }
        v128.store(d + last, affineVec(reverse(v128.load(s), 2), k16, c64, addv));
      } else {
        for (let o: usize = 0; o < last; o += 16) v128.store(d + o, affineVec(v128.load(s + o), k16, c64, addv));
        v128.store(d + last, affineVec(v128.load(s + last), k16, c64, addv));
      }
    }
    return;
  }
  fillLut(LUT, k, bias);
  for (let y = 0; y < h; y++) {
    const s = src + <usize>(y * ss);
    const d = dst + <usize>(y * ds);
    if (!mirror) {
      for (let p = 0; p < n; p++) store<u8>(d + <usize>p, load<u8>(LUT + <usize>load<u8>(s + <usize>p)));
    } else if (bpp == 1) {
      for (let x = 0; x < w; x++) {
        store<u8>(d + <usize>x, load<u8>(LUT + <usize>load<u8>(s + <usize>(w - 1 - x))));
      }
    } else {
      for (let x = 0; x < w; x++) {
        const sp = s + <usize>((w - 1 - x) << 1);
        const dp = d + <usize>(x << 1);
        store<u8>(dp, load<u8>(LUT + <usize>load<u8>(sp)));
        store<u8>(dp, load<u8>(LUT + <usize>load<u8>(sp, 1)), 1);
      }
    }
  }
}

/** Brightness/contrast then saturation on an RGBA plane, mirrored when `mirror` is 1. */
export function adjustRgba(
  src: usize, ss: i32, dst: usize, ds: i32, w: i32, h: i32,
  mirror: i32, k: i32, bias: i32, s6: i32,
): void {
  k = clampI(k, 0, 255);
  bias = clampI(bias, -255, 255);
  s6 = clampI(s6, 0, 128);
  const n = w << 2;
  if (ASC_FEATURE_SIMD && n >= 16) {
    // Per-lane constants: alpha lanes get k = 128 and no offset, which the
    // affine maps to itself, so alpha needs no masking.
    const kb = <i16>k;
    const k16 = i16x8(kb, kb, kb, 128, kb, kb, kb, 128);
    const ab = <i16>(128 + bias - k);
    const addv = i16x8(ab, ab, ab, 0, ab, ab, ab, 0);
    const c64 = i16x8.splat(64);
    // Whole chunks, then one last chunk ending at n (overlap is harmless);
    // mirrored and plain rows in separate loops, so the loop body has no
    // branch and no clamp.
    const last = <usize>(n - 16);
    if (s6 == 64) {
      // Saturation 1 is the identity: brightness/contrast only.
      for (let y = 0; y < h; y++) {
        const s = src + <usize>(y * ss);
        const d = dst + <usize>(y * ds);
        if (mirror) {
          for (let o: usize = 0; o < last; o += 16) {
            v128.store(d + o, affineVec(reverse(v128.load(s + last - o), 4), k16, c64, addv));
          }
          v128.store(d + last, affineVec(reverse(v128.load(s), 4), k16, c64, addv));
        } else {
          for (let o: usize = 0; o < last; o += 16) v128.store(d + o, affineVec(v128.load(s + o), k16, c64, addv));
          v128.store(d + last, affineVec(v128.load(s + last), k16, c64, addv));
        }
      }
      return;
    }
    // c2 = gray + ((c1 − gray)·s6 + 32 >> 6) = (c1·s6 + gray·(64 − s6) + 32) >> 6
    // exactly (gray·64 is a multiple of 64), and every term fits an i16 lane
    // for s6 in [0, 128].
    const sb = <i16>s6;
    if (n >= 64) {
      // 16 pixels at a time as R, G, B and A planes (see saturate16): the
      // per-pixel gray needs no horizontal sums there.
      const ks = i16x8.splat(<i16>k);
      const adds = i16x8.splat(<i16>(128 + bias - k));
      const s6s = i16x8.splat(sb);
      const g6s = i16x8.splat(<i16>(64 - s6));
      const last64 = <usize>(n - 64);
      for (let y = 0; y < h; y++) {
        const s = src + <usize>(y * ss);
        const d = dst + <usize>(y * ds);
        if (mirror) {
          for (let o: usize = 0; o < last64; o += 64) saturate16(s + last64 - o, d + o, true, ks, adds, s6s, g6s);
          saturate16(s, d + last64, true, ks, adds, s6s, g6s);
        } else {
          for (let o: usize = 0; o < last64; o += 64) saturate16(s + o, d + o, false, ks, adds, s6s, g6s);
          saturate16(s + last64, d + last64, false, ks, adds, s6s, g6s);
        }
      }
      return;
    }
    // Rows of 4–15 pixels, 4 at a time: pmaddwd gives R·77 + G·150 and B·29
    // per pixel (i32), two shufps + add sum each pixel's pair, then the
    // per-pixel term gray·(64 − s6) + 32 is spread over the R, G, B lanes
    // with one pshufb (alpha lanes get 0 and the factor 64: alpha unchanged).
    const wts = i16x8(77, 150, 29, 0, 77, 150, 29, 0);
    const g6 = i32x4.splat(64 - s6);
    const sv = i16x8(sb, sb, sb, 64, sb, sb, sb, 64);
    for (let y = 0; y < h; y++) {
      const s = src + <usize>(y * ss);
      const d = dst + <usize>(y * ds);
      if (mirror) {
        for (let o: usize = 0; o < last; o += 16) {
          v128.store(d + o, saturate(affineVec(reverse(v128.load(s + last - o), 4), k16, c64, addv), wts, g6, sv));
        }
        v128.store(d + last, saturate(affineVec(reverse(v128.load(s), 4), k16, c64, addv), wts, g6, sv));
      } else {
        for (let o: usize = 0; o < last; o += 16) {
          v128.store(d + o, saturate(affineVec(v128.load(s + o), k16, c64, addv), wts, g6, sv));
        }
        v128.store(d + last, saturate(affineVec(v128.load(s + last), k16, c64, addv), wts, g6, sv));
      }
    }
    return;
  }
  fillLut(LUT, k, bias);
  for (let y = 0; y < h; y++) {
    const s = src + <usize>(y * ss);
    const d = dst + <usize>(y * ds);
    for (let x = 0; x < w; x++) {
      const sp = s + <usize>((mirror ? w - 1 - x : x) << 2);
      const dp = d + <usize>(x << 2);
      const r = <i32>load<u8>(LUT + <usize>load<u8>(sp));
      const g = <i32>load<u8>(LUT + <usize>load<u8>(sp, 1));
      const b = <i32>load<u8>(LUT + <usize>load<u8>(sp, 2));
      const gray = (77 * r + 150 * g + 29 * b + 128) >> 8;
      let r2 = gray + (((r - gray) * s6 + 32) >> 6);
      let g2 = gray + (((g - gray) * s6 + 32) >> 6);
      let b2 = gray + (((b - gray) * s6 + 32) >> 6);
      r2 = r2 < 0 ? 0 : r2 > 255 ? 255 : r2;
      g2 = g2 < 0 ? 0 : g2 > 255 ? 255 : g2;
      b2 = b2 < 0 ? 0 : b2 > 255 ? 255 : b2;
      store<u8>(dp, r2);
      store<u8>(dp, g2, 1);
      store<u8>(dp, b2, 2);
      store<u8>(dp, load<u8>(sp, 3), 3);
    }
  }
}

// Saturation of 4 affine-mapped RGBA pixels (see adjustRgba).
@inline function saturate(c1: v128, wts: v128, g6: v128, sv: v128): v128 {
  const lo = i16x8.extend_low_i8x16_u(c1);
  const hi = i16x8.extend_high_i8x16_u(c1);
  const dl = i32x4.dot_i16x8_s(lo, wts);
  const dh = i32x4.dot_i16x8_s(hi, wts);
  const sum = i32x4.add(i32x4.shuffle(dl, dh, 0, 2, 4, 6), i32x4.shuffle(dl, dh, 1, 3, 5, 7));
  const gray = i32x4.shr_u(i32x4.add(sum, i32x4.splat(128)), 8);
  const term = i32x4.add(i32x4.mul(gray, g6), i32x4.splat(32));
  const spreadL = i8x16(0, 1, 0, 1, 0, 1, -1, -1, 4, 5, 4, 5, 4, 5, -1, -1);
  const spreadH = i8x16(8, 9, 8, 9, 8, 9, -1, -1, 12, 13, 12, 13, 12, 13, -1, -1);
  const rl = i16x8.shr_s(i16x8.add(i16x8.mul(lo, sv), i8x16.swizzle(term, spreadL)), 6);
  const rh = i16x8.shr_s(i16x8.add(i16x8.mul(hi, sv), i8x16.swizzle(term, spreadH)), 6);
  return i8x16.narrow_i16x8_u(rl, rh);
}

// One channel's 8 pixels (u16 lanes) through the clamped affine map.
@inline function affine16(c: v128, k: v128, add: v128): v128 {
  const v = i16x8.add(i16x8.shr_u(i16x8.add(i16x8.mul(c, k), i16x8.splat(64)), 7), add);
  return i16x8.min_s(i16x8.max_s(v, i16x8.splat(0)), i16x8.splat(255));
}

// (c1·s6 + term) >> 6 for 8 pixels of one channel, term = gray·(64 − s6) + 32.
@inline function mix16(c1: v128, term: v128, s6: v128): v128 {
  return i16x8.shr_s(i16x8.add(i16x8.mul(c1, s6), term), 6);
}

// The per-pixel term gray·(64 − s6) + 32 of 8 pixels.
@inline function grayTerm16(r1: v128, g1: v128, b1: v128, g6: v128): v128 {
  const sum = i16x8.add(i16x8.add(i16x8.mul(r1, i16x8.splat(77)), i16x8.mul(g1, i16x8.splat(150))),
    i16x8.add(i16x8.mul(b1, i16x8.splat(29)), i16x8.splat(128)));
  return i16x8.add(i16x8.mul(i16x8.shr_u(sum, 8), g6), i16x8.splat(32));
}

// Brightness/contrast + saturation of 16 RGBA pixels: 64 bytes at `sp`
// (pixel order reversed when `mirror`) to 64 bytes at `dp`. One pshufb per
// vector groups each pixel's bytes by channel (and reverses the pixels), a
// 4 × 4 transpose of 32-bit lanes makes R, G, B and A planes of 16 bytes,
// the arithmetic runs on u16 lanes of those planes, and byte then 16-bit
// unpacks interleave the result with the untouched alpha plane.
@inline function saturate16(
  sp: usize, dp: usize, mirror: bool, k: v128, add: v128, s6: v128, g6: v128,
): void {
  const v0 = v128.load(sp);
  const v1 = v128.load(sp, 16);
  const v2 = v128.load(sp, 32);
  const v3 = v128.load(sp, 48);
  let a0: v128, a1: v128, a2: v128, a3: v128;
  if (mirror) {
    a0 = i8x16.shuffle(v3, v3, 12, 8, 4, 0, 13, 9, 5, 1, 14, 10, 6, 2, 15, 11, 7, 3);
    a1 = i8x16.shuffle(v2, v2, 12, 8, 4, 0, 13, 9, 5, 1, 14, 10, 6, 2, 15, 11, 7, 3);
    a2 = i8x16.shuffle(v1, v1, 12, 8, 4, 0, 13, 9, 5, 1, 14, 10, 6, 2, 15, 11, 7, 3);
    a3 = i8x16.shuffle(v0, v0, 12, 8, 4, 0, 13, 9, 5, 1, 14, 10, 6, 2, 15, 11, 7, 3);
  } else {
    a0 = i8x16.shuffle(v0, v0, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    a1 = i8x16.shuffle(v1, v1, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    a2 = i8x16.shuffle(v2, v2, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    a3 = i8x16.shuffle(v3, v3, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  }
  const t0 = i8x16.shuffle(a0, a1, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const t1 = i8x16.shuffle(a0, a1, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const t2 = i8x16.shuffle(a2, a3, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const t3 = i8x16.shuffle(a2, a3, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const r = i8x16.shuffle(t0, t2, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const g = i8x16.shuffle(t0, t2, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  const b = i8x16.shuffle(t1, t3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const a = i8x16.shuffle(t1, t3, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);

  const rl = affine16(i16x8.extend_low_i8x16_u(r), k, add);
  const gl = affine16(i16x8.extend_low_i8x16_u(g), k, add);
  const bl = affine16(i16x8.extend_low_i8x16_u(b), k, add);
  const tl = grayTerm16(rl, gl, bl, g6);
  const rh = affine16(i16x8.extend_high_i8x16_u(r), k, add);
  const gh = affine16(i16x8.extend_high_i8x16_u(g), k, add);
  const bh = affine16(i16x8.extend_high_i8x16_u(b), k, add);
  const th = grayTerm16(rh, gh, bh, g6);
  const r2 = i8x16.narrow_i16x8_u(mix16(rl, tl, s6), mix16(rh, th, s6));
  const g2 = i8x16.narrow_i16x8_u(mix16(gl, tl, s6), mix16(gh, th, s6));
  const b2 = i8x16.narrow_i16x8_u(mix16(bl, tl, s6), mix16(bh, th, s6));

  const rgLo = i8x16.shuffle(r2, g2, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const rgHi = i8x16.shuffle(r2, g2, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const baLo = i8x16.shuffle(b2, a, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const baHi = i8x16.shuffle(b2, a, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  v128.store(dp, i8x16.shuffle(rgLo, baLo, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
  v128.store(dp, i8x16.shuffle(rgLo, baLo, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
  v128.store(dp, i8x16.shuffle(rgHi, baHi, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), 32);
  v128.store(dp, i8x16.shuffle(rgHi, baHi, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 48);
}
