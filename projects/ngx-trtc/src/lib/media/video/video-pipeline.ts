import { isInsertableStreamsSupported } from '../../devices/devices';
import { BreakoutBoxPipeline } from './breakout-box-pipeline';
import { CanvasPipeline } from './canvas-pipeline';
import { VideoEffects } from './video-effects';

/** Counters a pipeline keeps (for leak checks and the benchmark). */
export interface VideoPipelineStats {
  /** Frames read from the camera. */
  framesIn: number;
  /** Frames handed to the output. */
  framesOut: number;
  /** Frames the pipeline closed itself (input frames after copying, dropped frames). */
  framesClosed: number;
  /** Frames read but neither closed nor written yet (0 or 1). */
  framesHeld: number;
  /** Most frames ever held at once. */
  maxHeld: number;
  /** Mean time per frame in ms, from the frame read to the processed frame written. */
  meanProcessMs: number;
  /** Median of the same over the last 256 frames. */
  medianProcessMs: number;
  /** Mean ms per stage on the WASM path (copy in, kernels, new VideoFrame, generator write), when known. */
  stageMeansMs?: { copy: number; kernel: number; wrap: number; write: number } | null;
  /** Whether the WASM core runs the kernels (else JS). */
  wasm: boolean;
}

/** Camera track in, processed track out; effects change live. */
export interface VideoPipeline {
  readonly kind: 'breakout-box' | 'canvas';
  /** The processed track to publish; stays the same across `setInput` and `setEffects`. */
  readonly outputTrack: MediaStreamTrack;
  setEffects(effects: VideoEffects): void;
  /** Feeds another camera track in (device switch) without changing `outputTrack`. */
  setInput(track: MediaStreamTrack): void;
  stats(): Promise<VideoPipelineStats>;
  /** Zeroes the frame counters and timings (benchmarks measure after a warm-up). */
  resetStats(): void;
  dispose(): void;
}

/** Options of {@link createVideoPipeline}. */
export interface VideoPipelineOptions {
  /** Force the canvas fallback (tests, benchmark). */
  forceCanvas?: boolean;
  /** false runs the breakout-box kernels in JS instead of the WASM core (tests, benchmark). */
  wasm?: boolean;
  /** Frame rate of the canvas fallback's output. */
  frameRate?: number;
}

/** A breakout-box pipeline where MediaStreamTrackProcessor/Generator exist, else the canvas fallback. */
export async function createVideoPipeline(
  input: MediaStreamTrack,
  effects: VideoEffects,
  options: VideoPipelineOptions = {},
): Promise<VideoPipeline> {
  if (!options.forceCanvas && isInsertableStreamsSupported()) {
    return BreakoutBoxPipeline.create(input, effects, options.wasm !== false);
  }
  return CanvasPipeline.create(input, effects, options.frameRate ?? 30, options.wasm !== false);
}
