import { coverMap, I420Compositor, rgbToYuv, type I420Frame } from './compositor.js';

function solid(width: number, height: number, y: number, u: number, v: number): I420Frame {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const data = new Uint8Array(width * height + 2 * cw * ch);
  data.fill(y, 0, width * height);
  data.fill(u, width * height, width * height + cw * ch);
  data.fill(v, width * height + cw * ch);
  return { width, height, data };
}

/** Left half luma 50, right half luma 200. */
function halves(width: number, height: number): I420Frame {
  const f = solid(width, height, 0, 128, 128);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) f.data[y * width + x] = x < width / 2 ? 50 : 200;
  return f;
}

function yuvAt(c: I420Compositor, x: number, y: number): [number, number, number] {
  const W = c.width;
  const H = c.height;
  const f = c.frame;
  return [f[y * W + x]!, f[W * H + (y >> 1) * (W >> 1) + (x >> 1)]!, f[W * H + (W >> 1) * (H >> 1) + (y >> 1) * (W >> 1) + (x >> 1)]!];
}

describe('I420Compositor', () => {
  it('fills the background colour (BT.601 limited range) where no tile is drawn', () => {
    expect(rgbToYuv(0x000000)).toEqual({ y: 16, u: 128, v: 128 });
    expect(rgbToYuv(0xffffff)).toEqual({ y: 235, u: 128, v: 128 });
    const c = new I420Compositor(64, 36, 0xff0000);
    c.compose([{ x: 0, y: 0, width: 32, height: 36, frame: null }]);
    expect(yuvAt(c, 10, 10)).toEqual([81, 90, 240]);
    expect(yuvAt(c, 60, 30)).toEqual([81, 90, 240]);
  });

  it('draws each frame in its rectangle, the later one on top, and nothing outside', () => {
    const c = new I420Compositor(64, 36);
    c.compose([
      { x: 0, y: 0, width: 32, height: 36, frame: solid(16, 12, 100, 60, 200) },
      { x: 24, y: 0, width: 40, height: 18, frame: solid(8, 8, 180, 30, 90) },
    ]);
    expect(yuvAt(c, 2, 30)).toEqual([100, 60, 200]);
    expect(yuvAt(c, 26, 2)).toEqual([180, 30, 90]);
    expect(yuvAt(c, 62, 16)).toEqual([180, 30, 90]);
    expect(yuvAt(c, 40, 30)).toEqual([16, 128, 128]);
  });

  it('covers the tile: a wider picture is centre-cropped, not squeezed', () => {
    // A 64×16 picture (4:1) into a 16×16 tile: only its middle quarter shows, the border between the halves at the tile's centre.
    const c = new I420Compositor(16, 16);
    c.compose([{ x: 0, y: 0, width: 16, height: 16, frame: halves(64, 16) }]);
    expect(yuvAt(c, 2, 8)[0]).toBe(50);
    expect(yuvAt(c, 13, 8)[0]).toBe(200);
    const map = coverMap(64, 16, 16, 16);
    expect(map.cols[0]).toBe(24);
    expect(map.cols[15]).toBe(39);
  });

  it('reads odd-sized frames (chroma ⌈w/2⌉×⌈h/2⌉) and skips a truncated one', () => {
    const c = new I420Compositor(20, 20);
    c.compose([{ x: 0, y: 0, width: 20, height: 20, frame: solid(15, 9, 120, 70, 170) }]);
    expect(yuvAt(c, 19, 19)).toEqual([120, 70, 170]);
    const short = { width: 16, height: 16, data: new Uint8Array(100).fill(255) };
    c.compose([{ x: 0, y: 0, width: 20, height: 20, frame: short }]);
    expect(yuvAt(c, 5, 5)).toEqual([16, 128, 128]);
  });

  it('refuses an odd output size (x264 and I420 chroma need even ones)', () => {
    expect(() => new I420Compositor(641, 360)).toThrowError(RangeError);
  });
});
