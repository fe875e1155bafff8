import { createStream } from '../../stream/create-stream';
import { PublisherLink, StreamStateChange } from '../../stream/stream-contracts';
import { createTrackGenerator, createTrackProcessor } from './insertable-streams';
import { createVideoPipeline, VideoPipeline } from './video-pipeline';

const W = 160;
const H = 120;

/** A track of I420 frames: luma is a left-to-right ramp, chroma neutral. Written every `intervalMs`. */
class PatternSource {
  readonly track: MediaStreamTrack;
  written = 0;
  private _running = true;
  readonly luma: Uint8Array;

  constructor(intervalMs = 10, maxFrames = Infinity, luma?: (x: number, y: number) => number) {
    const generator = createTrackGenerator();
    this.track = generator;
    const writer = generator.writable.getWriter();
    const data = new Uint8Array(W * H * 1.5);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = luma ? luma(x, y) : 16 + Math.floor((x * 200) / W);
    data.fill(128, W * H);
    this.luma = data.subarray(0, W * H);
    void (async () => {
      while (this._running && this.written < maxFrames) {
        const frame = new VideoFrame(data, { format: 'I420', codedWidth: W, codedHeight: H, timestamp: this.written * 33_333 });
        await writer.write(frame).catch(() => frame.close());
        this.written++;
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  stop(): void {
    this._running = false;
    this.track.stop();
  }
}

/** Reads one frame of a track as tight I420 (or RGBA where the frame is RGB). */
async function readFrame(track: MediaStreamTrack, skip = 2): Promise<{ width: number; height: number; y: Uint8Array; format: string }> {
  const reader = createTrackProcessor(track).readable.getReader();
  try {
    for (let i = 0; i < skip; i++) (await reader.read()).value?.close();
    const { value: frame } = await reader.read();
    const f = frame!;
    const width = f.visibleRect!.width;
    const height = f.visibleRect!.height;
    const format = f.format!;
    let y: Uint8Array;
    if (format.startsWith('I420') || format === 'NV12') {
      const buf = new Uint8Array(f.allocationSize());
      const layout = await f.copyTo(buf);
      y = new Uint8Array(width * height);
      for (let r = 0; r < height; r++) y.set(buf.subarray(layout[0].offset + r * layout[0].stride, layout[0].offset + r * layout[0].stride + width), r * width);
    } else {
      // RGB frames (canvas output): use green as a luma stand-in.
      const buf = new Uint8Array(width * height * 4);
      await f.copyTo(buf, { format: 'RGBA' } as VideoFrameCopyToOptions);
      y = new Uint8Array(width * height);
      for (let i = 0; i < width * height; i++) y[i] = buf[i * 4 + 1];
    }
    f.close();
    return { width, height, y, format };
  } finally {
    await reader.cancel();
  }
}

function mean(a: Uint8Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

function waitFor<T>(read: () => Promise<T | null | false> | T | null | false, timeoutMs = 20000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      const v = await read();
      if (v) return resolve(v as T);
      if (Date.now() - start > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 50);
    };
    void tick();
  });
}

describe('video pipeline', () => {
  let source: PatternSource;
  let pipeline: VideoPipeline | null;

  beforeEach(() => {
    source = new PatternSource();
    pipeline = null;
  });

  afterEach(() => {
    pipeline?.dispose();
    source.stop();
  });

  describe('breakout box (MediaStreamTrackProcessor → worker → generator)', () => {
    it('runs the WASM core in the worker', async () => {
      pipeline = await createVideoPipeline(source.track, { mirror: true });
      expect(pipeline.kind).toBe('breakout-box');
      await waitFor(async () => (await pipeline!.stats()).framesOut > 2);
      expect((await pipeline.stats()).wasm).toBeTrue();
    });

    it('mirror: a frame read back equals the raw frame flipped', async () => {
      pipeline = await createVideoPipeline(source.track, { mirror: true });
      const out = await readFrame(pipeline.outputTrack);
      expect(out.width).toBe(W);
      expect(out.height).toBe(H);
      let maxDiff = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) maxDiff = Math.max(maxDiff, Math.abs(out.y[y * W + x] - source.luma[y * W + (W - 1 - x)]));
      expect(maxDiff).toBeLessThanOrEqual(1);
    });

    it('brightness/contrast change luma as asked; effects change live on the same track', async () => {
      pipeline = await createVideoPipeline(source.track, { mirror: false, beauty: { brightness: 0.5 } });
      const track = pipeline.outputTrack;
      const bright = await readFrame(track);
      expect(mean(bright.y)).toBeGreaterThan(mean(source.luma) + 20);
      pipeline.setEffects({ beauty: { brightness: -0.5 } });
      await new Promise((r) => setTimeout(r, 100));
      const dark = await readFrame(track);
      expect(mean(dark.y)).toBeLessThan(mean(source.luma) - 20);
      expect(pipeline.outputTrack).toBe(track);
    });

    it('beauty smooths fine texture (skin-like noise) and keeps the picture', async () => {
      source.stop();
      // A grey field with ±8 texture: what smoothing should even out.
      source = new PatternSource(10, Infinity, (x, y) => 120 + ((x + y) % 2 ? 8 : -8));
      pipeline = await createVideoPipeline(source.track, { beauty: { strength: 1 } });
      const out = await readFrame(pipeline.outputTrack);
      let roughIn = 0;
      let roughOut = 0;
      for (let y = 10; y < H - 10; y++)
        for (let x = 10; x < W - 10; x++) {
          roughIn += Math.abs(source.luma[y * W + x] - source.luma[y * W + x + 1]);
          roughOut += Math.abs(out.y[y * W + x] - out.y[y * W + x + 1]);
        }
      expect(roughOut).toBeLessThan(roughIn * 0.5);
      expect(Math.abs(mean(out.y) - mean(source.luma))).toBeLessThan(3);
    });

    it('scales to the requested size', async () => {
      pipeline = await createVideoPipeline(source.track, { scale: { width: 80, height: 60 } });
      const out = await readFrame(pipeline.outputTrack);
      expect([out.width, out.height]).toEqual([80, 60]);
      // The ramp survives scaling: left darker than right.
      expect(out.y[30 * 80 + 5]).toBeLessThan(out.y[30 * 80 + 75]);
    });

    it('draws the watermark where asked', async () => {
      const mark = new ImageData(16, 16);
      mark.data.fill(255); // opaque white
      pipeline = await createVideoPipeline(source.track, { watermark: { image: mark, x: 8, y: 8 } });
      const out = await readFrame(pipeline.outputTrack);
      expect(out.y[16 * W + 16]).toBeGreaterThan(220);
      expect(Math.abs(out.y[60 * W + 80] - source.luma[60 * W + 80])).toBeLessThanOrEqual(1);
    });

    it('the JS kernels (no WASM) give the same picture as the WASM core for mirror + colour', async () => {
      const effects = { mirror: true, beauty: { brightness: 0.2, contrast: 0.3, saturation: 0.5 } };
      pipeline = await createVideoPipeline(source.track, effects);
      const wasm = await readFrame(pipeline.outputTrack);
      pipeline.dispose();
      pipeline = await createVideoPipeline(source.track, effects, { wasm: false });
      expect((await waitFor(async () => (await pipeline!.stats()).framesOut > 0 && pipeline!.stats())).wasm).toBeFalse();
      const js = await readFrame(pipeline.outputTrack);
      let maxDiff = 0;
      for (let i = 0; i < W * H; i++) maxDiff = Math.max(maxDiff, Math.abs(wasm.y[i] - js.y[i]));
      expect(maxDiff).toBeLessThanOrEqual(2);
    });

    it('closes every VideoFrame exactly once and never holds more than one, over 1,000 frames', async () => {
      source.stop();
      source = new PatternSource(1);
      pipeline = await createVideoPipeline(source.track, { mirror: true, beauty: { strength: 0.5, brightness: 0.1 } });
      const stats = await waitFor(async () => {
        const s = await pipeline!.stats();
        return s.framesIn >= 1000 ? s : null;
      }, 60000);
      source.stop();
      await new Promise((r) => setTimeout(r, 200));
      const final = await pipeline.stats();
      expect(stats.maxHeld).toBeLessThanOrEqual(1);
      expect(final.framesHeld).toBe(0);
      // Every input frame was closed by the worker; every output was written (the generator closes it).
      expect(final.framesClosed).toBe(final.framesIn);
      expect(final.framesOut).toBe(final.framesIn);
    }, 90000);

    it('keeps its output track when the input track changes', async () => {
      pipeline = await createVideoPipeline(source.track, { mirror: true });
      const track = pipeline.outputTrack;
      const other = new PatternSource();
      try {
        pipeline.setInput(other.track);
        const before = (await pipeline.stats()).framesIn;
        source.stop();
        await waitFor(async () => (await pipeline!.stats()).framesIn > before + 5);
        expect(pipeline.outputTrack).toBe(track);
      } finally {
        other.stop();
      }
    });
  });

  describe('canvas fallback', () => {
    it('mirrors (within a tolerance for the RGB round trip)', async () => {
      pipeline = await createVideoPipeline(source.track, { mirror: true }, { forceCanvas: true, frameRate: 30 });
      expect(pipeline.kind).toBe('canvas');
      const out = await waitFor(async () => {
        const f = await readFrame(pipeline!.outputTrack, 3);
        return f.width === W ? f : null;
      });
      // Ramp reversed: left side bright, right side dark.
      const left = out.y[60 * W + 10];
      const right = out.y[60 * W + W - 10];
      expect(left).toBeGreaterThan(right + 100);
      expect((await pipeline.stats()).framesIn).toBeGreaterThan(0);
    });
  });

  describe('in a LocalStream', () => {
    it('publishes raw with effects off, processed with effects on, and toggles live without renegotiation', async () => {
      const stream = createStream({ videoSource: source.track });
      await stream.initialize();
      const replaced: Array<MediaStreamTrack | null> = [];
      let renegotiations = 0;
      const link: PublisherLink = {
        updateState: (_c: StreamStateChange) => undefined,
        replaceTrack: async (_k, t) => void replaced.push(t),
        renegotiate: async () => void renegotiations++,
      };
      stream.attachPublisher(link);
      try {
        expect(stream.getVideoTrack()).toBe(source.track);
        await stream.setVideoEffects({ mirror: true });
        const processed = stream.getVideoTrack()!;
        expect(processed).not.toBe(source.track);
        expect(stream.getVideoPipelineKind()).toBe('breakout-box');
        await stream.setVideoEffects({ mirror: true, beauty: { brightness: 0.5 } });
        expect(stream.getVideoTrack()).toBe(processed);
        const frame = await readFrame(processed);
        expect(mean(frame.y)).toBeGreaterThan(mean(source.luma) + 20);
        await stream.setVideoEffects({});
        expect(stream.getVideoTrack()).toBe(source.track);
        expect(replaced).toEqual([processed, source.track]);
        expect(renegotiations).toBe(0);
        expect(processed.readyState).toBe('ended');
      } finally {
        stream.close();
      }
    });
  });
});
