import { loadMainThreadCore } from '../core-bridge';
import { MediaCore, MEDIA_CORE_LAYOUT } from '../wasm/media-core';
import { rasterizeWatermark } from './breakout-box-pipeline';
import { kernelParams, VideoEffects } from './video-effects';
import { VideoPipeline, VideoPipelineStats } from './video-pipeline';

/**
 * Fallback where MediaStreamTrackProcessor/Generator are missing: a hidden
 * `<video>` plays the camera; on each new frame the canvas takes it
 * (`drawImage`, cropped and scaled), the WASM core applies the effects to the
 * RGBA pixels (`getImageData` → `processFrame` → `putImageData`), and
 * `canvas.captureStream()` is published. Runs on the main thread. Without
 * WebAssembly the canvas does the work itself (transform, `filter`, blurred
 * overlay), slower and less exact.
 */
export class CanvasPipeline implements VideoPipeline {
  readonly kind = 'canvas' as const;
  readonly outputTrack: MediaStreamTrack;
  private readonly _video: HTMLVideoElement;
  private readonly _canvas: HTMLCanvasElement;
  private readonly _ctx: CanvasRenderingContext2D;
  private _effects: VideoEffects;
  private _disposed = false;
  private _frameHandle = 0;
  private _timer: ReturnType<typeof setInterval> | null = null;
  private _framesIn = 0;
  private _totalMs = 0;
  private readonly _recent: number[] = [];
  private _output: ImageData | null = null;
  private _watermarkSet = false;

  private constructor(
    input: MediaStreamTrack,
    effects: VideoEffects,
    frameRate: number,
    private readonly _core: MediaCore | null,
  ) {
    this._video = document.createElement('video');
    this._video.muted = true;
    this._video.playsInline = true;
    this._video.srcObject = new MediaStream([input]);
    this._canvas = document.createElement('canvas');
    const settings = input.getSettings();
    this._canvas.width = effects.scale?.width ?? settings.width ?? 640;
    this._canvas.height = effects.scale?.height ?? settings.height ?? 480;
    this._ctx = this._canvas.getContext('2d', { alpha: false, willReadFrequently: true })!;
    this._effects = effects;
    this.setEffects(effects);
    this.outputTrack = this._canvas.captureStream(frameRate).getVideoTracks()[0];
    this._schedule(frameRate);
  }

  static async create(input: MediaStreamTrack, effects: VideoEffects, frameRate: number, useWasm = true): Promise<CanvasPipeline> {
    const core = useWasm
      ? await loadMainThreadCore().catch((error: unknown) => {
          // The canvas can still apply the effects itself, less exactly.
          console.warn('[ngx-trtc] WASM media core unavailable for the canvas pipeline', error);
          return null;
        })
      : null;
    const pipeline = new CanvasPipeline(input, effects, frameRate, core);
    await pipeline._video.play().catch((error: unknown) => {
      // A muted video may always autoplay; anything else is worth a warning, not a failure.
      console.warn('[ngx-trtc] canvas pipeline could not start its video', error);
    });
    return pipeline;
  }

  setEffects(effects: VideoEffects): void {
    this._effects = effects;
    if (!this._core) return;
    const w = effects.watermark;
    if (w) {
      const raster = rasterizeWatermark(w);
      const data = new Uint8Array(raster.rgba);
      const opacity = w.opacity ?? 1;
      if (opacity < 1) for (let i = 3; i < data.length; i += 4) data[i] = Math.round(data[i] * opacity);
      this._core.setWatermark({ width: raster.width, height: raster.height, data });
      this._watermarkSet = true;
    } else if (this._watermarkSet) {
      this._core.clearWatermark();
      this._watermarkSet = false;
    }
  }

  setInput(track: MediaStreamTrack): void {
    this._video.srcObject = new MediaStream([track]);
    void this._video.play().catch(() => undefined);
  }

  stats(): Promise<VideoPipelineStats> {
    return Promise.resolve({
      framesIn: this._framesIn,
      framesOut: this._framesIn,
      framesClosed: 0,
      framesHeld: 0,
      maxHeld: 0,
      meanProcessMs: this._framesIn ? this._totalMs / this._framesIn : 0,
      medianProcessMs: [...this._recent].sort((a, b) => a - b)[this._recent.length >> 1] ?? 0,
      wasm: !!this._core,
    });
  }

  resetStats(): void {
    this._framesIn = 0;
    this._totalMs = 0;
    this._recent.length = 0;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this._timer) clearInterval(this._timer);
    const v = this._video as HTMLVideoElement & { cancelVideoFrameCallback?(h: number): void };
    v.cancelVideoFrameCallback?.(this._frameHandle);
    this._video.pause();
    this._video.srcObject = null;
    this.outputTrack.stop();
  }

  private _schedule(frameRate: number): void {
    if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
      const loop = () => {
        if (this._disposed) return;
        this._draw();
        this._frameHandle = this._video.requestVideoFrameCallback(loop);
      };
      this._frameHandle = this._video.requestVideoFrameCallback(loop);
    } else {
      this._timer = setInterval(() => this._draw(), 1000 / frameRate);
    }
  }

  private _draw(): void {
    const v = this._video;
    const vw = v.videoWidth;
    const vh = v.videoHeight;
    if (!vw || !vh) return;
    const t0 = performance.now();
    const e = this._effects;
    const c = this._canvas;
    let ow = e.scale?.width ?? vw;
    let oh = e.scale?.height ?? vh;
    if (this._core && ow * oh * 4 > 8_388_608) {
      // Larger than the core's frame buffer: keep the aspect, shrink to fit.
      const k = Math.sqrt(8_388_608 / (ow * oh * 4));
      ow = Math.floor(ow * k) & ~1;
      oh = Math.floor(oh * k) & ~1;
    }
    if (c.width !== ow || c.height !== oh) {
      c.width = ow;
      c.height = oh;
    }
    // Crop to the output's aspect ratio, centred.
    let sw = vw;
    let sh = Math.round((vw * oh) / ow);
    if (sh > vh) {
      sh = vh;
      sw = Math.round((vh * ow) / oh);
    }
    const sx = (vw - sw) / 2;
    const sy = (vh - sh) / 2;
    if (this._core) this._drawWithCore(this._core, sx, sy, sw, sh, ow, oh);
    else this._drawWithCanvas(sx, sy, sw, sh, ow, oh);
    this._framesIn++;
    const ms = performance.now() - t0;
    this._totalMs += ms;
    this._recent.push(ms);
    if (this._recent.length > 256) this._recent.shift();
  }

  private _drawWithCore(core: MediaCore, sx: number, sy: number, sw: number, sh: number, ow: number, oh: number): void {
    const ctx = this._ctx;
    ctx.drawImage(this._video, sx, sy, sw, sh, 0, 0, ow, oh);
    const pixels = ctx.getImageData(0, 0, ow, oh).data;
    core.frameIn.set(pixels);
    const p = kernelParams(this._effects);
    const w = this._effects.watermark;
    core.processFrame({
      format: 'RGBA',
      width: ow,
      height: oh,
      mirror: p.mirror,
      brightness: p.brightness,
      contrast: p.contrast,
      saturation: p.saturation,
      beauty: p.beauty,
      watermark: w && this._watermarkSet ? { x: Math.round(w.x), y: Math.round(w.y) } : undefined,
    });
    if (!this._output || this._output.width !== ow || this._output.height !== oh) {
      // An ImageData over the core's output buffer: no copy between processFrame and putImageData.
      this._output = new ImageData(new Uint8ClampedArray(core.memory.buffer, MEDIA_CORE_LAYOUT.FRAME_OUT, ow * oh * 4), ow, oh);
    }
    ctx.putImageData(this._output, 0, 0);
  }

  private _drawWithCanvas(sx: number, sy: number, sw: number, sh: number, ow: number, oh: number): void {
    const ctx = this._ctx;
    const e = this._effects;
    const b = e.beauty ?? {};
    ctx.save();
    if (e.mirror) {
      ctx.translate(ow, 0);
      ctx.scale(-1, 1);
    }
    const filters: string[] = [];
    if (b.brightness) filters.push(`brightness(${1 + b.brightness * 0.25})`);
    if (b.contrast) filters.push(`contrast(${1 + b.contrast * 0.5})`);
    if (b.saturation) filters.push(`saturate(${1 + b.saturation})`);
    ctx.filter = filters.length ? filters.join(' ') : 'none';
    ctx.drawImage(this._video, sx, sy, sw, sh, 0, 0, ow, oh);
    if (b.strength) {
      ctx.filter = `${filters.join(' ')} blur(${Math.max(1, Math.round(ow / 640))}px)`;
      ctx.globalAlpha = b.strength * 0.6;
      ctx.drawImage(this._video, sx, sy, sw, sh, 0, 0, ow, oh);
    }
    ctx.restore();
    const w = e.watermark;
    if (w) {
      ctx.globalAlpha = w.opacity ?? 1;
      if (w.image instanceof ImageData) ctx.putImageData(w.image, w.x, w.y);
      else ctx.drawImage(w.image, w.x, w.y, w.width ?? w.image.width, w.height ?? w.image.height);
      ctx.globalAlpha = 1;
    }
  }
}
