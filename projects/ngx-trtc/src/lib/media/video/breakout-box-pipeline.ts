import { CoreForWorkers, loadCoreForWorkers } from '../core-bridge';
import { createTrackGenerator, createTrackProcessor, TrackGenerator } from './insertable-streams';
import { kernelParams, VideoEffects, WatermarkOptions } from './video-effects';
import { VideoPipeline, VideoPipelineStats } from './video-pipeline';
import { videoWorkerSource } from './video-worker-source';

let workerUrl: string | null = null;
let workerUrlCore: CoreForWorkers | null | undefined;

function getWorkerUrl(core: CoreForWorkers | null): string {
  if (!workerUrl || workerUrlCore !== core) {
    if (workerUrl) URL.revokeObjectURL(workerUrl);
    workerUrl = URL.createObjectURL(new Blob([videoWorkerSource(core?.videoBinding ?? null)], { type: 'text/javascript' }));
    workerUrlCore = core;
  }
  return workerUrl;
}

/** Rasterizes a watermark to RGBA at its drawn size, for the worker. */
export function rasterizeWatermark(w: WatermarkOptions): { rgba: ArrayBuffer; width: number; height: number } {
  const image = w.image;
  const natural =
    image instanceof ImageData
      ? { width: image.width, height: image.height }
      : image instanceof HTMLImageElement
        ? { width: image.naturalWidth, height: image.naturalHeight }
        : { width: image.width, height: image.height };
  const width = Math.max(1, Math.round(w.width ?? natural.width));
  const height = Math.max(1, Math.round(w.height ?? natural.height));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  if (image instanceof ImageData) {
    const tmp = new OffscreenCanvas(image.width, image.height);
    tmp.getContext('2d')!.putImageData(image, 0, 0);
    ctx.drawImage(tmp, 0, 0, width, height);
  } else {
    ctx.drawImage(image, 0, 0, width, height);
  }
  return { rgba: ctx.getImageData(0, 0, width, height).data.buffer as ArrayBuffer, width, height };
}

/**
 * Breakout-box pipeline: MediaStreamTrackProcessor → dedicated Worker (WASM or
 * JS kernels) → MediaStreamTrackGenerator. Processor and generator live on the
 * main thread (Chromium has them only there); their streams are transferred,
 * so frames never touch the main thread.
 */
export class BreakoutBoxPipeline implements VideoPipeline {
  readonly kind = 'breakout-box' as const;
  readonly outputTrack: MediaStreamTrack;
  private _nextStatsId = 1;
  private readonly _pendingStats = new Map<number, (s: VideoPipelineStats) => void>();
  private _disposed = false;
  private _watermarkSource: WatermarkOptions['image'] | null = null;

  private constructor(
    private readonly _worker: Worker,
    private readonly _generator: TrackGenerator,
  ) {
    this.outputTrack = _generator;
    _worker.onmessage = (event: MessageEvent) => {
      const m = event.data as { type: string; id?: number; stats?: VideoPipelineStats; message?: string };
      if (m.type === 'stats' && m.id !== undefined) {
        this._pendingStats.get(m.id)?.(m.stats!);
        this._pendingStats.delete(m.id);
      } else if (m.type === 'error' || m.type === 'warning') {
        console.warn(`[ngx-trtc] video pipeline: ${m.message}`);
      }
    };
  }

  /** Starts the worker on the input track with these effects. */
  static async create(input: MediaStreamTrack, effects: VideoEffects, useWasm = true): Promise<BreakoutBoxPipeline> {
    const core = !useWasm ? null : await loadCoreForWorkers().catch((error: unknown) => {
      // The JS kernels produce the same pictures; only speed is lost.
      console.warn('[ngx-trtc] WASM media core unavailable for video; using JS kernels', error);
      return null;
    });
    const worker = new Worker(getWorkerUrl(core), { name: 'ngx-trtc-video' });
    const processor = createTrackProcessor(input);
    const generator = createTrackGenerator();
    const pipeline = new BreakoutBoxPipeline(worker, generator);
    worker.postMessage(
      { type: 'init', readable: processor.readable, writable: generator.writable, params: kernelParams(effects), module: core?.module ?? null },
      [processor.readable as unknown as Transferable, generator.writable as unknown as Transferable],
    );
    pipeline._sendWatermark(effects);
    return pipeline;
  }

  setEffects(effects: VideoEffects): void {
    if (this._disposed) return;
    this._worker.postMessage({ type: 'params', params: kernelParams(effects) });
    this._sendWatermark(effects);
  }

  setInput(track: MediaStreamTrack): void {
    if (this._disposed) return;
    const processor = createTrackProcessor(track);
    this._worker.postMessage({ type: 'input', readable: processor.readable }, [processor.readable as unknown as Transferable]);
  }

  stats(): Promise<VideoPipelineStats> {
    if (this._disposed) return Promise.reject(new Error('pipeline disposed'));
    const id = this._nextStatsId++;
    return new Promise((resolve) => {
      this._pendingStats.set(id, resolve);
      this._worker.postMessage({ type: 'stats', id });
    });
  }

  resetStats(): void {
    if (!this._disposed) this._worker.postMessage({ type: 'reset-timing' });
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._worker.postMessage({ type: 'stop' });
    this._generator.stop();
    // Give the worker a moment to cancel its reader (closing the processor's queued frames) before it goes.
    setTimeout(() => this._worker.terminate(), 200);
  }

  private _sendWatermark(effects: VideoEffects): void {
    const w = effects.watermark ?? null;
    if (!w) {
      if (this._watermarkSource) this._worker.postMessage({ type: 'watermark', watermark: null });
      this._watermarkSource = null;
      return;
    }
    const raster = rasterizeWatermark(w);
    this._watermarkSource = w.image;
    this._worker.postMessage(
      { type: 'watermark', watermark: { ...raster, x: Math.round(w.x), y: Math.round(w.y), opacity: w.opacity ?? 1 } },
      [raster.rgba],
    );
  }
}
