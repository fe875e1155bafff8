// Edge-preserving "beauty" smoothing. Per channel (luma, or R/G/B of RGBA),
// with avg(a, b) = (a + b + 1) >> 1 (one i8x16.avgr_u on 16 pixels):
//   smoothing, vertical then horizontal, borders clamped:
//     radius 1: sm3(p-1 … p+1) = avg(avg(p-1, p+1), p0)              ≈ [1 2 1] / 4
//     radius 2: sm5(p-2 … p+2) = avg(avg(avg(p-2, p+2), p0), avg(p-1, p+1))
//                                                                 ≈ [1 2 2 2 1] / 8
//   ad  = |sm - x|,  m = max(0, 32 - ad)
//   r   = (ad * m * s8 + 4096) >> 13            s8 = strength × 256
//   out = sm > x ? x + r : x - r                 (r ≤ ad: never overshoots)
// SIMD: r comes from a 32-entry table; with pos = sm ⊖ x and neg = x ⊖ sm
// (saturating), out = (x ⊕ min(r, pos)) ⊖ min(r, neg).
// Flat areas (small ad) move toward the smoothed value; edges and detail
// (ad ≥ 32) stay as they are. Vertical results of a row go to BEAUTY_LINE
// (u8, 64 bytes of clamped padding each side), the horizontal pass reads it.
import { BEAUTY_LINE, LUT } from './layout';

// r as a function of ad for the current strength: 32 bytes, looked up with
// two i8x16.swizzle (indices ≥ 16 give 0, so ad ≥ 32 gives r = 0).
const R_TABLE: usize = LUT + 256;

const PAD: usize = 64;

@inline function avg(a: i32, b: i32): i32 {
  return (a + b + 1) >> 1;
}

/**
 * Smooths a plane of `w` pixels × `h` rows. `bpp` 1 (luma) or 4 (RGBA, alpha
 * copied through); `strength` 0–256 (clamped); `radius` 2 = 5×5, anything
 * else (0 when a caller omits it) = 3×3.
 */
export function beautyPlane(
  src: usize, ss: i32, dst: usize, ds: i32, w: i32, h: i32, bpp: i32, strength: i32, radius: i32,
): void {
  const n = w * bpp;
  const lb = BEAUTY_LINE + PAD;
  const s1 = <usize>bpp; // tap distance in bytes of the scalar path
  const s2 = s1 << 1;
  if (strength < 0) strength = 0;
  if (strength > 256) strength = 256;
  if (radius != 2) radius = 1;
  for (let ad = 0; ad < 32; ad++) store<u8>(R_TABLE + <usize>ad, (ad * (32 - ad) * strength + 4096) >> 13);
  for (let y = 0; y < h; y++) {
    const r2 = src + <usize>(y * ss);
    const r1 = y >= 1 ? r2 - <usize>ss : r2;
    const r0 = y >= 2 ? r1 - <usize>ss : r1;
    const r3 = y + 1 < h ? r2 + <usize>ss : r2;
    const r4 = y + 2 < h ? r3 + <usize>ss : r3;
    const d = dst + <usize>(y * ds);

    if (ASC_FEATURE_SIMD && n >= 16) {
      // Whole chunks, then one last chunk ending at n (overlap is harmless).
      // (A single fused loop measured slower in V8: keep two.)
      const last = <usize>(n - 16);
      if (radius == 1) {
        for (let o: usize = 0; o < last; o += 16) verticalChunk3(r1, r2, r3, lb, o);
        verticalChunk3(r1, r2, r3, lb, last);
      } else {
        for (let o: usize = 0; o < last; o += 16) verticalChunk(r0, r1, r2, r3, r4, lb, o);
        verticalChunk(r0, r1, r2, r3, r4, lb, last);
      }
      padLeft(lb, bpp);
      padRight(lb, n, bpp);
      const t0 = v128.load(R_TABLE);
      const t1 = v128.load(R_TABLE, 16);
      if (radius == 1 && bpp == 1) {
        for (let o: usize = 0; o < last; o += 16) horizontal3Chunk1(r2, lb - 1, d, o, t0, t1);
        horizontal3Chunk1(r2, lb - 1, d, last, t0, t1);
      } else if (radius == 1) {
        for (let o: usize = 0; o < last; o += 16) horizontal3Chunk4(r2, lb - 4, d, o, t0, t1);
        horizontal3Chunk4(r2, lb - 4, d, last, t0, t1);
      } else if (bpp == 1) {
        for (let o: usize = 0; o < last; o += 16) horizontalChunk1(r2, lb - 2, d, o, t0, t1);
        horizontalChunk1(r2, lb - 2, d, last, t0, t1);
      } else {
        for (let o: usize = 0; o < last; o += 16) horizontalChunk4(r2, lb - 8, d, o, t0, t1);
        horizontalChunk4(r2, lb - 8, d, last, t0, t1);
      }
    } else {
      for (let p = 0; p < n; p++) {
        const o = <usize>p;
        const b = avg(load<u8>(r1 + o), load<u8>(r3 + o));
        if (radius == 1) {
          store<u8>(lb + o, avg(b, load<u8>(r2 + o)));
        } else {
          const a = avg(load<u8>(r0 + o), load<u8>(r4 + o));
          store<u8>(lb + o, avg(avg(a, load<u8>(r2 + o)), b));
        }
      }
      padLeft(lb, bpp);
      padRight(lb, n, bpp);
      for (let p = 0; p < n; p++) {
        const o = <usize>p;
        const x = <i32>load<u8>(r2 + o);
        if (bpp == 4 && (p & 3) == 3) {
          store<u8>(d + o, <u8>x);
          continue;
        }
        const q = lb + o;
        const b = avg(load<u8>(q - s1), load<u8>(q + s1));
        const sm = radius == 1 ? avg(b, load<u8>(q)) : avg(avg(avg(load<u8>(q - s2), load<u8>(q + s2)), load<u8>(q)), b);
        const ad = sm > x ? sm - x : x - sm;
        const r = ad < 32 ? <i32>load<u8>(R_TABLE + <usize>ad) : 0;
        store<u8>(d + o, <u8>(sm > x ? x + r : x - r));
      }
    }
  }
}

@inline function verticalChunk3(r1: usize, r2: usize, r3: usize, lb: usize, o: usize): void {
  v128.store(lb + o, i8x16.avgr_u(i8x16.avgr_u(v128.load(r1 + o), v128.load(r3 + o)), v128.load(r2 + o)));
}

@inline function verticalChunk(r0: usize, r1: usize, r2: usize, r3: usize, r4: usize, lb: usize, o: usize): void {
  const a = i8x16.avgr_u(v128.load(r0 + o), v128.load(r4 + o));
  const b = i8x16.avgr_u(v128.load(r1 + o), v128.load(r3 + o));
  v128.store(lb + o, i8x16.avgr_u(i8x16.avgr_u(a, v128.load(r2 + o)), b));
}

// `q` points two pixels before the chunk in the line buffer; the tap
// distance (1 byte for luma, 4 for RGBA) is written out as immediate offsets.
@inline function horizontalChunk1(r2: usize, q0: usize, d: usize, o: usize, t0: v128, t1: v128): void {
  const q = q0 + o;
  const a = i8x16.avgr_u(v128.load(q), v128.load(q, 4));
  const b = i8x16.avgr_u(v128.load(q, 1), v128.load(q, 3));
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(a, v128.load(q, 2)), b), t0, t1, false));
}

@inline function horizontalChunk4(r2: usize, q0: usize, d: usize, o: usize, t0: v128, t1: v128): void {
  const q = q0 + o;
  const a = i8x16.avgr_u(v128.load(q), v128.load(q, 16));
  const b = i8x16.avgr_u(v128.load(q, 4), v128.load(q, 12));
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(a, v128.load(q, 8)), b), t0, t1, true));
}

@inline function horizontal3Chunk1(r2: usize, q0: usize, d: usize, o: usize, t0: v128, t1: v128): void {
  const q = q0 + o;
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(v128.load(q), v128.load(q, 2)), v128.load(q, 1)), t0, t1, false));
}

@inline function horizontal3Chunk4(r2: usize, q0: usize, d: usize, o: usize, t0: v128, t1: v128): void {
  const q = q0 + o;
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(v128.load(q), v128.load(q, 8)), v128.load(q, 4)), t0, t1, true));
}

// r = 0 on alpha lanes (RGBA) leaves alpha as it is.
@inline function blend(x: v128, sm: v128, t0: v128, t1: v128, keepAlpha: bool): v128 {
  const pos = i8x16.sub_sat_u(sm, x);
  const neg = i8x16.sub_sat_u(x, sm);
  const ad = v128.or(pos, neg);
  let r = v128.or(i8x16.swizzle(t0, ad), i8x16.swizzle(t1, i8x16.sub(ad, i8x16.splat(16))));
  if (keepAlpha) r = v128.and(r, i32x4.splat(0x00ffffff));
  return i8x16.sub_sat_u(i8x16.add_sat_u(x, i8x16.min_u(r, pos)), i8x16.min_u(r, neg));
}

// Clamp to edge: two pixels of padding each side of the line buffer.
@inline function padLeft(lb: usize, bpp: i32): void {
  for (let c = 0; c < bpp; c++) {
    const first = load<u8>(lb + <usize>c);
    store<u8>(lb + <usize>(c - bpp), first);
    store<u8>(lb + <usize>(c - 2 * bpp), first);
  }
}

@inline function padRight(lb: usize, n: i32, bpp: i32): void {
  for (let c = 0; c < bpp; c++) {
    const last = load<u8>(lb + <usize>(n - bpp + c));
    store<u8>(lb + <usize>(n + c), last);
    store<u8>(lb + <usize>(n + bpp + c), last);
  }
}
