// Watermark: the RGBA image in WM_RGBA (stride = width × 4) is converted once
// into WM_PREP for the frame format, then alpha-blended into a frame region.
//
// WM_PREP for YUV frames (w×h image, chroma grid cw×ch with
// cw = ((x & 1) + w + 1) >> 1, ch = ((y & 1) + h + 1) >> 1):
//   +0              Y   w×h   BT.601 limited range
//   +w*h            A   w×h
//   +2wh            U   cw×ch  alpha-weighted mean of the 2×2 block
//   +2wh + cwch     V   cw×ch
//   +2wh + 2cwch    A   cw×ch  (block alpha sum + 2) >> 2
//   +2wh + 3cwch    UV  2cw×ch interleaved (NV12)
//   +2wh + 5cwch    AA  2cw×ch interleaved (NV12)
// WM_PREP for RGBA frames: A A A 0 per pixel (w×4 × h), so frame alpha is kept.
//
// blend: dst += ((src - dst) * q + 16384) >> 15 with q = (a * 257) >> 1, the
// Q15 form of a / 255 (0 at a = 0, 32767 at a = 255: exact there; within 1 of
// round((dst * (255 - a) + src * a) / 255) between). SIMD: one pmulhrsw
// (i16x8.q15mulr_sat_s) per 8 bytes; q is a byte-unpack of a with itself
// (a * 257) and a shift. Chunks whose alpha is all 0 are skipped, and chunks
// whose alpha bytes are all 0 or 255 are a byte select.
import { WM_RGBA, WM_PREP } from './layout';

@inline function lumaOf(r: i32, g: i32, b: i32): i32 {
  return ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
}
@inline function uOf(r: i32, g: i32, b: i32): i32 {
  return ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
}
@inline function vOf(r: i32, g: i32, b: i32): i32 {
  return ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
}

/** Converts WM_RGBA for YUV frames (`kind` 0, chroma parity px/py) or RGBA frames (`kind` 1). */
export function prepareWatermark(kind: i32, w: i32, h: i32, px: i32, py: i32): void {
  const wh = w * h;
  if (kind == 1) {
    for (let i = 0; i < wh; i++) {
      const a = <u32>load<u8>(WM_RGBA + (<usize>i << 2), 3);
      store<u32>(WM_PREP + (<usize>i << 2), a | (a << 8) | (a << 16));
    }
    return;
  }
  for (let i = 0; i < wh; i++) {
    const p = WM_RGBA + (<usize>i << 2);
    store<u8>(WM_PREP + <usize>i, lumaOf(load<u8>(p), load<u8>(p, 1), load<u8>(p, 2)));
    store<u8>(WM_PREP + <usize>(wh + i), load<u8>(p, 3));
  }
  const cw = (px + w + 1) >> 1;
  const ch = (py + h + 1) >> 1;
  const cwch = cw * ch;
  const pu = WM_PREP + <usize>(2 * wh);
  const pv = pu + <usize>cwch;
  const pa = pv + <usize>cwch;
  const puv = pa + <usize>cwch;
  const paa = puv + <usize>(2 * cwch);
  for (let by = 0; by < ch; by++) {
    for (let bx = 0; bx < cw; bx++) {
      let asum = 0, usum = 0, vsum = 0;
      for (let j = 0; j < 2; j++) {
        const wy = 2 * by + j - py;
        if (wy < 0 || wy >= h) continue;
        for (let i = 0; i < 2; i++) {
          const wx = 2 * bx + i - px;
          if (wx < 0 || wx >= w) continue;
          const p = WM_RGBA + (<usize>(wy * w + wx) << 2);
          const r = <i32>load<u8>(p), g = <i32>load<u8>(p, 1), b = <i32>load<u8>(p, 2);
          const a = <i32>load<u8>(p, 3);
          asum += a;
          usum += a * uOf(r, g, b);
          vsum += a * vOf(r, g, b);
        }
      }
      let u = 128, v = 128;
      if (asum > 0) {
        u = (2 * usum + asum) / (2 * asum);
        v = (2 * vsum + asum) / (2 * asum);
      }
      const ac = (asum + 2) >> 2;
      const o = <usize>(by * cw + bx);
      store<u8>(pu + o, u);
      store<u8>(pv + o, v);
      store<u8>(pa + o, ac);
      store<u8>(puv + (o << 1), u);
      store<u8>(puv + (o << 1), v, 1);
      store<u8>(paa + (o << 1), ac);
      store<u8>(paa + (o << 1), ac, 1);
    }
  }
}

/** Blends `rowBytes` × `h` bytes of `src` with alpha `alpha` into `dst`, in place. */
export function blendPlane(
  dst: usize, ds: i32, src: usize, ss: i32, alpha: usize, as: i32, rowBytes: i32, h: i32,
): void {
  for (let y = 0; y < h; y++) {
    const d = dst + <usize>(y * ds);
    const s = src + <usize>(y * ss);
    const a = alpha + <usize>(y * as);
    let p = 0;
    if (ASC_FEATURE_SIMD) {
      for (; p + 16 <= rowBytes; p += 16) {
        const o = <usize>p;
        const av = v128.load(a + o);
        // Transparent: the frame stays as it is.
        if (!v128.any_true(av)) continue;
        const dv = v128.load(d + o);
        const sv = v128.load(s + o);
        const ql = i16x8.shr_u(i8x16.shuffle(av, av, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), 1);
        const qh = i16x8.shr_u(i8x16.shuffle(av, av, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15), 1);
        const dl = i16x8.extend_low_i8x16_u(dv);
        const dh = i16x8.extend_high_i8x16_u(dv);
        const ol = i16x8.add(dl, i16x8.q15mulr_sat_s(i16x8.sub(i16x8.extend_low_i8x16_u(sv), dl), ql));
        const oh = i16x8.add(dh, i16x8.q15mulr_sat_s(i16x8.sub(i16x8.extend_high_i8x16_u(sv), dh), qh));
        v128.store(d + o, i8x16.narrow_i16x8_u(ol, oh));
      }
    }
    for (; p < rowBytes; p++) {
      const o = <usize>p;
      const av = <i32>load<u8>(a + o);
      const dv = <i32>load<u8>(d + o);
      const q = (av * 257) >> 1;
      store<u8>(d + o, <u8>(dv + ((((<i32>load<u8>(s + o) - dv) * q) + 16384) >> 15)));
    }
  }
}
