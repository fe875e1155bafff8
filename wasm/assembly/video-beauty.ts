// Edge-preserving "beauty" smoothing. Per channel (luma, or R/G/B of RGBA),
// with avg(a, b) = (a + b + 1) >> 1 (one i8x16.avgr_u on 16 pixels):
//   smoothing, vertical then horizontal, borders clamped:
//     radius 1: sm3(p-1 … p+1) = avg(avg(p-1, p+1), p0)              ≈ [1 2 1] / 4
//     radius 2: sm5(p-2 … p+2) = avg(avg(avg(p-2, p+2), p0), avg(p-1, p+1))
//                                                                 ≈ [1 2 2 2 1] / 8
//   ad  = |sm - x|,  m = max(0, 31 - ad)
//   r   = (ad * m * s8 + 3840) / 7680           s8 = strength × 256 (r ≤ 8)
//   out = sm > x ? x + r : x - r                 (r ≤ ad: never overshoots)
// SIMD: r comes from a 16-entry table (one i8x16.swizzle, see blend); with
// pos = sm ⊖ x and neg = x ⊖ sm (saturating), out = (x ⊕ min(r, pos)) ⊖ min(r, neg).
// Flat areas (small ad) move toward the smoothed value; edges and detail
// (ad ≥ 31) stay as they are. Rows of ≥ 48 bytes (SIMD) take one fused pass:
// vertical results stay in registers and the horizontal taps are palignr
// shuffles of neighbouring chunks; the row's last chunk or two, narrow rows
// and the scalar build put the vertical results of a row in BEAUTY_LINE (u8,
// 64 bytes of clamped padding each side) and the horizontal pass reads it.
import { BEAUTY_LINE, LUT } from './layout';

// r as a function of ad for the current strength, ad = 0 … 30 (scalar
// lookups); the SIMD blend reads the 16 bytes r(0 … 15).
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
  for (let ad = 0; ad < 31; ad++) store<u8>(R_TABLE + <usize>ad, (ad * (31 - ad) * strength + 3840) / 7680);
  for (let y = 0; y < h; y++) {
    const r2 = src + <usize>(y * ss);
    const r1 = y >= 1 ? r2 - <usize>ss : r2;
    const r0 = y >= 2 ? r1 - <usize>ss : r1;
    const r3 = y + 1 < h ? r2 + <usize>ss : r2;
    const r4 = y + 2 < h ? r3 + <usize>ss : r3;
    const d = dst + <usize>(y * ds);

    if (ASC_FEATURE_SIMD && n >= 48) {
      // One pass per row: the vertical result of the next chunk is computed
      // ahead and the horizontal taps come from (previous, current, next)
      // with palignr-style shuffles, so nothing goes through memory. When
      // the row is not a whole number of chunks, its last two chunks go
      // through the line buffer with clamped padding.
      const t0 = v128.load(R_TABLE); // r for ad = 0 … 15 (see blend)
      const tail = <usize>(((n >> 4) - 1) << 4); // first chunk whose next one is not whole
      if (radius == 1 && bpp == 1) fusedRow(r0, r1, r2, r3, r4, d, lb, n, tail, t0, 1, 1);
      else if (radius == 1) fusedRow(r0, r1, r2, r3, r4, d, lb, n, tail, t0, 4, 1);
      else if (bpp == 1) fusedRow(r0, r1, r2, r3, r4, d, lb, n, tail, t0, 1, 2);
      else fusedRow(r0, r1, r2, r3, r4, d, lb, n, tail, t0, 4, 2);
    } else if (ASC_FEATURE_SIMD && n >= 16) {
      // Narrow rows: vertical pass into the line buffer, then horizontal.
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
      const t0 = v128.load(R_TABLE); // r for ad = 0 … 15 (see blend)
      if (radius == 1 && bpp == 1) {
        for (let o: usize = 0; o < last; o += 16) horizontal3Chunk1(r2, lb - 1, d, o, t0);
        horizontal3Chunk1(r2, lb - 1, d, last, t0);
      } else if (radius == 1) {
        for (let o: usize = 0; o < last; o += 16) horizontal3Chunk4(r2, lb - 4, d, o, t0);
        horizontal3Chunk4(r2, lb - 4, d, last, t0);
      } else if (bpp == 1) {
        for (let o: usize = 0; o < last; o += 16) horizontalChunk1(r2, lb - 2, d, o, t0);
        horizontalChunk1(r2, lb - 2, d, last, t0);
      } else {
        for (let o: usize = 0; o < last; o += 16) horizontalChunk4(r2, lb - 8, d, o, t0);
        horizontalChunk4(r2, lb - 8, d, last, t0);
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
        const r = ad < 31 ? <i32>load<u8>(R_TABLE + <usize>ad) : 0;
        store<u8>(d + o, <u8>(sm > x ? x + r : x - r));
      }
    }
  }
}

// One row of the fused pass for a constant `bpp` (1, 4) and `radius` (1, 2):
// chunks [0, tail) two at a time with the taps in registers, then the last
// chunk in registers too when the row is a whole number of chunks, else the
// rest of the row through the line buffer.
@inline function fusedRow(
  r0: usize, r1: usize, r2: usize, r3: usize, r4: usize, d: usize, lb: usize,
  n: i32, tail: usize, t0: v128, bpp: i32, radius: i32,
): void {
  const keepAlpha = bpp == 4;
  let cur = vertical(r0, r1, r2, r3, r4, 0, radius);
  let prev = bpp == 1
    ? i8x16.shuffle(cur, cur, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    : i8x16.shuffle(cur, cur, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
  let o: usize = 0;
  // Unrolled by two so the (prev, cur, next) rotation costs no moves.
  for (; o + 16 < tail; o += 32) {
    const n1 = vertical(r0, r1, r2, r3, r4, o + 16, radius);
    v128.store(d + o, blend(v128.load(r2 + o), smooth(prev, cur, n1, bpp, radius), t0, keepAlpha));
    const n2 = vertical(r0, r1, r2, r3, r4, o + 32, radius);
    v128.store(d + o + 16, blend(v128.load(r2 + o + 16), smooth(cur, n1, n2, bpp, radius), t0, keepAlpha));
    prev = n1;
    cur = n2;
  }
  if (o < tail) {
    const n1 = vertical(r0, r1, r2, r3, r4, o + 16, radius);
    v128.store(d + o, blend(v128.load(r2 + o), smooth(prev, cur, n1, bpp, radius), t0, keepAlpha));
    prev = cur;
    cur = n1;
  }
  if ((n & 15) == 0) {
    // The row ends with this chunk: its right neighbours clamp to its last pixel.
    const next = bpp == 1
      ? i8x16.shuffle(cur, cur, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15)
      : i8x16.shuffle(cur, cur, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15);
    v128.store(d + tail, blend(v128.load(r2 + tail), smooth(prev, cur, next, bpp, radius), t0, keepAlpha));
    return;
  }
  const last = <usize>(n - 16);
  for (let k = 0; k < 3; k++) {
    const at = k == 0 ? tail - 16 : k == 1 ? tail : last;
    if (radius == 1) verticalChunk3(r1, r2, r3, lb, at);
    else verticalChunk(r0, r1, r2, r3, r4, lb, at);
  }
  padRight(lb, n, bpp);
  for (let k = 0; k < 2; k++) {
    const at = k == 0 ? tail : last;
    if (radius == 1 && bpp == 1) horizontal3Chunk1(r2, lb - 1, d, at, t0);
    else if (radius == 1) horizontal3Chunk4(r2, lb - 4, d, at, t0);
    else if (bpp == 1) horizontalChunk1(r2, lb - 2, d, at, t0);
    else horizontalChunk4(r2, lb - 8, d, at, t0);
  }
}

@inline function vertical(r0: usize, r1: usize, r2: usize, r3: usize, r4: usize, o: usize, radius: i32): v128 {
  return radius == 1 ? vertical3(r1, r2, r3, o) : vertical5(r0, r1, r2, r3, r4, o);
}

// Horizontal smoothing of `cur` from its vertical neighbours' chunks.
@inline function smooth(prev: v128, cur: v128, next: v128, bpp: i32, radius: i32): v128 {
  if (radius == 1) {
    if (bpp == 1) return i8x16.avgr_u(i8x16.avgr_u(left1(prev, cur), right1(cur, next)), cur);
    return i8x16.avgr_u(i8x16.avgr_u(left4(prev, cur), right4(cur, next)), cur);
  }
  if (bpp == 1) {
    const a = i8x16.avgr_u(left2(prev, cur), right2(cur, next));
    const b = i8x16.avgr_u(left1(prev, cur), right1(cur, next));
    return i8x16.avgr_u(i8x16.avgr_u(a, cur), b);
  }
  const a = i8x16.avgr_u(left8(prev, cur), right8(cur, next));
  const b = i8x16.avgr_u(left4(prev, cur), right4(cur, next));
  return i8x16.avgr_u(i8x16.avgr_u(a, cur), b);
}

@inline function vertical3(r1: usize, r2: usize, r3: usize, o: usize): v128 {
  return i8x16.avgr_u(i8x16.avgr_u(v128.load(r1 + o), v128.load(r3 + o)), v128.load(r2 + o));
}

@inline function vertical5(r0: usize, r1: usize, r2: usize, r3: usize, r4: usize, o: usize): v128 {
  const a = i8x16.avgr_u(v128.load(r0 + o), v128.load(r4 + o));
  const b = i8x16.avgr_u(v128.load(r1 + o), v128.load(r3 + o));
  return i8x16.avgr_u(i8x16.avgr_u(a, v128.load(r2 + o)), b);
}

// The chunk shifted by k bytes to the right (left neighbours, from the end
// of `prev`) or to the left (right neighbours, from the start of `next`):
// one palignr each.
@inline function left1(prev: v128, cur: v128): v128 {
  return i8x16.shuffle(prev, cur, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
}
@inline function left2(prev: v128, cur: v128): v128 {
  return i8x16.shuffle(prev, cur, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
}
@inline function left4(prev: v128, cur: v128): v128 {
  return i8x16.shuffle(prev, cur, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
}
@inline function left8(prev: v128, cur: v128): v128 {
  return i8x16.shuffle(prev, cur, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
}
@inline function right1(cur: v128, next: v128): v128 {
  return i8x16.shuffle(cur, next, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
}
@inline function right2(cur: v128, next: v128): v128 {
  return i8x16.shuffle(cur, next, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17);
}
@inline function right4(cur: v128, next: v128): v128 {
  return i8x16.shuffle(cur, next, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
}
@inline function right8(cur: v128, next: v128): v128 {
  return i8x16.shuffle(cur, next, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
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
@inline function horizontalChunk1(r2: usize, q0: usize, d: usize, o: usize, t0: v128): void {
  const q = q0 + o;
  const a = i8x16.avgr_u(v128.load(q), v128.load(q, 4));
  const b = i8x16.avgr_u(v128.load(q, 1), v128.load(q, 3));
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(a, v128.load(q, 2)), b), t0, false));
}

@inline function horizontalChunk4(r2: usize, q0: usize, d: usize, o: usize, t0: v128): void {
  const q = q0 + o;
  const a = i8x16.avgr_u(v128.load(q), v128.load(q, 16));
  const b = i8x16.avgr_u(v128.load(q, 4), v128.load(q, 12));
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(a, v128.load(q, 8)), b), t0, true));
}

@inline function horizontal3Chunk1(r2: usize, q0: usize, d: usize, o: usize, t0: v128): void {
  const q = q0 + o;
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(v128.load(q), v128.load(q, 2)), v128.load(q, 1)), t0, false));
}

@inline function horizontal3Chunk4(r2: usize, q0: usize, d: usize, o: usize, t0: v128): void {
  const q = q0 + o;
  const x = v128.load(r2 + o);
  v128.store(d + o, blend(x, i8x16.avgr_u(i8x16.avgr_u(v128.load(q), v128.load(q, 8)), v128.load(q, 4)), t0, true));
}

// r(ad) = r(31 − ad) (ad·(31 − ad) is symmetric), so one 16-entry table
// t0[j] = r(j) covers ad = 0 … 30 with j = min(ad, 31 ⊖ ad) (saturating),
// always in 0 … 15: ad ≥ 31 gives j = 0 and r(0) = 0. RGBA alpha lanes use
// 0 instead of 31, so j = 0 and r = 0 there: alpha stays as it is.
@inline function blend(x: v128, sm: v128, t0: v128, keepAlpha: bool): v128 {
  const pos = i8x16.sub_sat_u(sm, x);
  const neg = i8x16.sub_sat_u(x, sm);
  const ad = v128.or(pos, neg);
  const top = keepAlpha ? i32x4.splat(0x001f1f1f) : i8x16.splat(31);
  const r = i8x16.swizzle(t0, i8x16.min_u(ad, i8x16.sub_sat_u(top, ad)));
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
