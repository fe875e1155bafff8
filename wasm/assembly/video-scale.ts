// Bilinear scaling of one plane (crop is expressed by the Q16 start/step).
// For output pixel dx: fx = clamp(startX + dx * stepX, 0, (planeW - 1) << 16),
// x0 = fx >> 16, x1 = min(x0 + 1, planeW - 1), wx = (fx >> 8) & 255; same in y.
// Vertical first:   r = (row0 * (256 - wy) + row1 * wy + 128) >> 8
// then horizontal:  out = (r[x0] * (256 - wx) + r[x1] * wx + 128) >> 8
// (per byte; bpp 2 and 4 interpolate each channel of a pixel).
// SIMD, for stepX ≤ 2.0: each 8 output bytes come from one 16-byte window of
// the interpolated row, gathered with i8x16.swizzle masks built per call in
// SCALE_GROUPS (64 B each: i32 window start, i32 output byte, pad, mask0,
// mask1, weights).
import { SCALE_ROW, SCALE_X0, SCALE_X1, SCALE_FX, SCALE_GROUPS } from './layout';

/** Scales (a crop of) one plane into `dw`×`dh` pixels. */
export function scalePlane(
  src: usize, ss: i32, planeW: i32, planeH: i32, bpp: i32,
  dst: usize, ds: i32, dw: i32, dh: i32,
  startX: i32, stepX: i32, startY: i32, stepY: i32,
): void {
  const maxFx = (planeW - 1) << 16;
  let minX = planeW, maxX = 0;
  for (let dx = 0; dx < dw; dx++) {
    let fx = startX + dx * stepX;
    fx = fx < 0 ? 0 : fx > maxFx ? maxFx : fx;
    const x0 = fx >> 16;
    const x1 = x0 + 1 < planeW ? x0 + 1 : x0;
    store<i32>(SCALE_X0 + (<usize>dx << 2), x0);
    store<i32>(SCALE_X1 + (<usize>dx << 2), x1);
    store<i32>(SCALE_FX + (<usize>dx << 2), (fx >> 8) & 255);
    if (x0 < minX) minX = x0;
    if (x1 > maxX) maxX = x1;
  }
  const outBytes = dw * bpp;
  const useGroups = ASC_FEATURE_SIMD && stepX <= 131072 && outBytes >= 8;
  let groups = 0;
  if (useGroups) {
    groups = (outBytes + 7) >> 3;
    for (let g = 0; g < groups; g++) {
      let out = g << 3;
      if (out > outBytes - 8) out = outBytes - 8;
      const k0 = out / bpp;
      const base = load<i32>(SCALE_X0 + (<usize>k0 << 2)) * bpp;
      const e = SCALE_GROUPS + (<usize>g << 6);
      store<i32>(e, base);
      store<i32>(e, out, 4);
      for (let l = 0; l < 8; l++) {
        const k = <usize>(k0 + l / bpp);
        const c = l % bpp;
        const o = <usize>(l << 1);
        store<u8>(e + 16 + o, load<i32>(SCALE_X0 + (k << 2)) * bpp + c - base);
        store<u8>(e + 17 + o, 0xff);
        store<u8>(e + 32 + o, load<i32>(SCALE_X1 + (k << 2)) * bpp + c - base);
        store<u8>(e + 33 + o, 0xff);
        store<u16>(e + 48 + o, <u16>load<i32>(SCALE_FX + (k << 2)));
      }
    }
  }

  const spanStart = minX * bpp;
  const spanBytes = (maxX + 1) * bpp - spanStart;
  const maxFy = (planeH - 1) << 16;
  for (let dy = 0; dy < dh; dy++) {
    let fy = startY + dy * stepY;
    fy = fy < 0 ? 0 : fy > maxFy ? maxFy : fy;
    const y0 = fy >> 16;
    const y1 = y0 + 1 < planeH ? y0 + 1 : y0;
    const wy = (fy >> 8) & 255;
    const a = src + <usize>(y0 * ss + spanStart);
    const b = src + <usize>(y1 * ss + spanStart);
    const row = SCALE_ROW + <usize>spanStart;
    if (wy == 0) {
      memory.copy(row, a, <usize>spanBytes);
    } else if (ASC_FEATURE_SIMD && spanBytes >= 16) {
      const w0 = i16x8.splat(<i16>(256 - wy));
      const w1 = i16x8.splat(<i16>wy);
      const c128 = i16x8.splat(128);
      for (let p = 0; p < spanBytes; p += 16) {
        if (p > spanBytes - 16) p = spanBytes - 16;
        const o = <usize>p;
        const va = v128.load(a + o);
        const vb = v128.load(b + o);
        const lo = i16x8.shr_u(i16x8.add(i16x8.add(
          i16x8.mul(i16x8.extend_low_i8x16_u(va), w0), i16x8.mul(i16x8.extend_low_i8x16_u(vb), w1)), c128), 8);
        const hi = i16x8.shr_u(i16x8.add(i16x8.add(
          i16x8.mul(i16x8.extend_high_i8x16_u(va), w0), i16x8.mul(i16x8.extend_high_i8x16_u(vb), w1)), c128), 8);
        v128.store(row + o, i8x16.narrow_i16x8_u(lo, hi));
      }
    } else {
      const iw = 256 - wy;
      for (let p = 0; p < spanBytes; p++) {
        const o = <usize>p;
        store<u8>(row + o, <u8>((<i32>load<u8>(a + o) * iw + <i32>load<u8>(b + o) * wy + 128) >> 8));
      }
    }

    const d = dst + <usize>(dy * ds);
    if (useGroups) {
      const c256 = i16x8.splat(256);
      const c128 = i16x8.splat(128);
      for (let g = 0; g < groups; g++) {
        const e = SCALE_GROUPS + (<usize>g << 6);
        const v = v128.load(SCALE_ROW + <usize>load<i32>(e));
        const p0 = i8x16.swizzle(v, v128.load(e, 16));
        const p1 = i8x16.swizzle(v, v128.load(e, 32));
        const wv = v128.load(e, 48);
        const r = i16x8.shr_u(i16x8.add(i16x8.add(
          i16x8.mul(p0, i16x8.sub(c256, wv)), i16x8.mul(p1, wv)), c128), 8);
        v128.store64_lane(d + <usize>load<i32>(e, 4), i8x16.narrow_i16x8_u(r, r), 0);
      }
    } else {
      for (let dx = 0; dx < dw; dx++) {
        const x0 = load<i32>(SCALE_X0 + (<usize>dx << 2)) * bpp;
        const x1 = load<i32>(SCALE_X1 + (<usize>dx << 2)) * bpp;
        const wx = load<i32>(SCALE_FX + (<usize>dx << 2));
        const iw = 256 - wx;
        for (let c = 0; c < bpp; c++) {
          const v = (<i32>load<u8>(SCALE_ROW + <usize>(x0 + c)) * iw
            + <i32>load<u8>(SCALE_ROW + <usize>(x1 + c)) * wx + 128) >> 8;
          store<u8>(d + <usize>(dx * bpp + c), <u8>v);
        }
      }
    }
  }
}
