/**
 * Draws the egress picture: decoded I420 frames of the layout's streams,
 * each scaled to cover its tile (centre-cropped, as TRTC's mix does by
 * default), over a background colour, into one I420 frame for the encoder.
 *
 * Why by hand: ffmpeg's filter graph (overlay/xstack) is fixed when ffmpeg
 * starts, and an egress's layout changes whenever someone joins, leaves or
 * mutes; re-planning the graph would restart the encoder and cut the file.
 * Nearest-neighbour sampling with per-tile index tables keeps it cheap
 * (a 640×360 frame is ~350 k byte copies); encoding stays in ffmpeg.
 */

/** A decoded picture, planar I420 (Y, then U, then V; chroma ⌈w/2⌉×⌈h/2⌉). */
export interface I420Frame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A rectangle of the output and the frame to draw in it (null: background). */
export interface PlacedFrame {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly frame: I420Frame | null;
}

/** Y, U, V of a 0xRRGGBB colour (BT.601, limited range: what x264 and players assume for SD/HD without tags). */
export function rgbToYuv(rgb: number): { y: number; u: number; v: number } {
  const r = (rgb >> 16) & 0xff;
  const g = (rgb >> 8) & 0xff;
  const b = rgb & 0xff;
  const clip = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
  return {
    y: clip(16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256),
    u: clip(128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256),
    v: clip(128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256),
  };
}

/** Source indices of one tile's rows and columns, for one plane. */
interface PlaneMap {
  readonly cols: Int32Array;
  readonly rows: Int32Array;
}

/** Composes I420 frames into one output frame of a fixed size. */
export class I420Compositor {
  /** The output frame (reused: copy or write it out before the next compose). */
  readonly frame: Uint8Array;
  private readonly _background: Uint8Array;
  private readonly _maps = new Map<string, { luma: PlaneMap; chroma: PlaneMap }>();

  constructor(
    readonly width: number,
    readonly height: number,
    backgroundColor = 0x000000,
  ) {
    if (width % 2 !== 0 || height % 2 !== 0 || width <= 0 || height <= 0) throw new RangeError('output size must be positive and even');
    const size = width * height;
    this.frame = new Uint8Array((size * 3) / 2);
    this._background = new Uint8Array(this.frame.length);
    const { y, u, v } = rgbToYuv(backgroundColor);
    this._background.fill(y, 0, size);
    this._background.fill(u, size, size + size / 4);
    this._background.fill(v, size + size / 4);
  }

  /** Draws `placed` in order (later ones on top) over the background; returns {@link frame}. */
  compose(placed: readonly PlacedFrame[]): Uint8Array {
    this.frame.set(this._background);
    for (const p of placed) if (p.frame && p.width >= 2 && p.height >= 2) this._draw(p, p.frame);
    return this.frame;
  }

  private _draw(p: PlacedFrame, src: I420Frame): void {
    const W = this.width;
    const H = this.height;
    const sw = src.width;
    const sh = src.height;
    const scw = (sw + 1) >> 1;
    const sch = (sh + 1) >> 1;
    if (src.data.length < sw * sh + 2 * scw * sch) return; // a truncated frame is skipped, not read past its end
    const maps = this._mapsFor(p, sw, sh);
    const out = this.frame;
    const data = src.data;
    // Luma.
    const { cols: lc, rows: lr } = maps.luma;
    for (let j = 0; j < lr.length; j++) {
      const dy = p.y + j;
      if (dy >= H) break;
      const srcRow = lr[j]! * sw;
      let o = dy * W + p.x;
      const n = Math.min(lc.length, W - p.x);
      for (let i = 0; i < n; i++) out[o++] = data[srcRow + lc[i]!]!;
    }
    // Chroma (U then V).
    const cw = W >> 1;
    const ch = H >> 1;
    const { cols: cc, rows: cr } = maps.chroma;
    const srcU = sw * sh;
    const srcV = srcU + scw * sch;
    const outU = W * H;
    const outV = outU + cw * ch;
    const cx = p.x >> 1;
    const cy = p.y >> 1;
    const n = Math.min(cc.length, cw - cx);
    for (let j = 0; j < cr.length; j++) {
      const dy = cy + j;
      if (dy >= ch) break;
      const srcRow = cr[j]! * scw;
      let ou = outU + dy * cw + cx;
      let ov = outV + dy * cw + cx;
      for (let i = 0; i < n; i++) {
        const s = srcRow + cc[i]!;
        out[ou++] = data[srcU + s]!;
        out[ov++] = data[srcV + s]!;
      }
    }
  }

  private _mapsFor(p: PlacedFrame, sw: number, sh: number): { luma: PlaneMap; chroma: PlaneMap } {
    const key = `${p.width}x${p.height}<${sw}x${sh}`;
    let maps = this._maps.get(key);
    if (!maps) {
      maps = { luma: coverMap(sw, sh, p.width, p.height), chroma: coverMap((sw + 1) >> 1, (sh + 1) >> 1, p.width >> 1, p.height >> 1) };
      // Tiles and source sizes change rarely; a bound keeps a pathological sender from growing this.
      if (this._maps.size > 64) this._maps.clear();
      this._maps.set(key, maps);
    }
    return maps;
  }
}

/** Source column/row of each destination pixel when a sw×sh picture covers dw×dh, centre-cropped. */
export function coverMap(sw: number, sh: number, dw: number, dh: number): PlaneMap {
  const scale = Math.max(dw / sw, dh / sh);
  const x0 = (sw - dw / scale) / 2;
  const y0 = (sh - dh / scale) / 2;
  const cols = new Int32Array(dw);
  const rows = new Int32Array(dh);
  for (let i = 0; i < dw; i++) cols[i] = Math.min(sw - 1, Math.max(0, Math.floor(x0 + (i + 0.5) / scale)));
  for (let j = 0; j < dh; j++) rows[j] = Math.min(sh - 1, Math.max(0, Math.floor(y0 + (j + 0.5) / scale)));
  return { cols, rows };
}
