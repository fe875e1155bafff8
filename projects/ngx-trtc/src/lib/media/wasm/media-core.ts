// JS side of the WASM media core (wasm/assembly): picks the SIMD or scalar
// binary, instantiates it, creates every typed-array view once, validates
// every argument before it reaches WASM (the module trusts its caller, so a
// bad size here would otherwise write outside a buffer), and turns the
// per-plane kernels into per-frame operations. Browser, worker, AudioWorklet
// and Node compatible: no Node or DOM APIs.
import { MEDIA_CORE_SCALAR_BASE64, MEDIA_CORE_SIMD_BASE64 } from './generated/media-core-binary';
import {
  FRAME_CAPACITY,
  MAX_DIMENSION,
  MAX_QUANTUM,
  MEDIA_CORE_LAYOUT,
  METER_SLOTS,
} from './media-core-layout';

/** The memory map and size limits; each constant is documented in media-core-layout.ts. */
export {
  FRAME_CAPACITY,
  MAX_DIMENSION,
  MAX_QUANTUM,
  MEDIA_CORE_LAYOUT,
  MEDIA_CORE_MEMORY_BYTES,
  METER_SLOTS,
} from './media-core-layout';

/** Pixel formats the video kernels accept. */
export type MediaPixelFormat = 'I420' | 'NV12' | 'RGBA';

/** One plane inside a frame buffer, as in WebCodecs' `PlaneLayout`: byte offset and row stride. */
export interface MediaPlaneLayout {
  /** Byte offset of the plane's first row from the start of the frame buffer. */
  offset: number;
  /** Bytes from one row to the next (≥ the row's width in bytes). */
  stride: number;
}

/** A frame in `frameIn` and where the kernel writes it in `frameOut`. */
export interface MediaFrameSpec {
  /** Pixel format of input and output. */
  format: MediaPixelFormat;
  /** Width in pixels, 2…4096. */
  width: number;
  /** Height in pixels, 2…4096. */
  height: number;
  /** Planes of the input in `frameIn`; tightly packed when omitted. */
  layout?: readonly MediaPlaneLayout[];
  /** Planes of the output in `frameOut`; tightly packed when omitted. */
  outLayout?: readonly MediaPlaneLayout[];
}

/** Mirror and colour adjustment; omitted fields leave the picture unchanged. */
export interface MediaAdjustParams {
  /** Flip left–right (a selfie view). */
  mirror?: boolean;
  /** −1…1, added to luma (or R, G, B); 0 = unchanged. */
  brightness?: number;
  /** 0…2 around mid-grey; 1 = unchanged. */
  contrast?: number;
  /** 0…2 (0 = grey); 1 = unchanged. */
  saturation?: number;
}

/** A crop rectangle in pixels of the input frame. */
export interface MediaRect {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width, ≥ 1. */
  width: number;
  /** Height, ≥ 1. */
  height: number;
}

/** Target of `cropAndScale`. */
export interface MediaScaleParams {
  /** Region of the input to keep; the whole frame when omitted. */
  crop?: MediaRect;
  /** Output width in pixels, 2…4096. */
  width: number;
  /** Output height in pixels, 2…4096. */
  height: number;
  /** Planes of the output in `frameOut`; tightly packed when omitted. */
  outLayout?: readonly MediaPlaneLayout[];
}

/** Where to draw the watermark set with `setWatermark`; it is clipped to the frame. */
export interface MediaWatermarkPlacement {
  /** Left edge in frame pixels (may be negative). */
  x: number;
  /** Top edge in frame pixels (may be negative). */
  y: number;
}

/** An RGBA image (row stride = width × 4). */
export interface MediaRgbaImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Pixels; when omitted the caller has already written them into `watermarkIn`. */
  data?: Uint8Array | Uint8ClampedArray;
}

/** Everything `processFrame` can do in one call. */
export interface MediaProcessParams extends MediaFrameSpec, MediaAdjustParams {
  /** Beauty (edge-preserving smoothing) strength 0…1; 0 = off. */
  beauty?: number;
  /** Beauty neighbourhood: 1 = 3×3 (default, cheapest), 2 = 5×5 (smoother skin, ~30% slower). */
  beautyRadius?: MediaBeautyRadius;
  /** Draw the current watermark here; none when omitted. */
  watermark?: MediaWatermarkPlacement;
}

/** Neighbourhood of the beauty filter: 1 = 3×3, 2 = 5×5. */
export type MediaBeautyRadius = 1 | 2;

/** Options of a meter. */
export interface MediaMeterOptions {
  /** Sample rate of the stream, for the time constants; 48000 when omitted. */
  sampleRate?: number;
  /** Initial capture gain (volume / 100), 0…MAX_GAIN; 1 when omitted. */
  gain?: number;
}

/** Levels of one processed quantum. One object per core, overwritten by every call. */
export interface AudioQuantumResult {
  /** RMS of the output samples, 0–1. */
  rms: number;
  /** Largest |sample| of the output, 0–1. */
  peak: number;
  /** RMS in dBFS, −100…0. */
  dbfs: number;
  /** Smoothed 0–1 level (fast attack, slow release): the value behind getAudioLevel(). */
  level: number;
  /** `level` × 100, rounded: the value of the `audio-volume` event. */
  volume: number;
  /** Samples that reached full scale (limited). */
  clipped: number;
  /** Voice activity, with hangover. */
  isSpeaking: boolean;
  /** The tracked noise floor in dBFS. */
  noiseFloorDb: number;
  /** Gain applied at the end of the quantum. */
  gain: number;
}

/** Largest capture gain (setAudioCaptureVolume(10000)); the limiter keeps any gain's output within ±1. */
export const MAX_GAIN = 100;

/** Options of `loadMediaCore` and `compileMediaCoreModule`. */
export interface MediaCoreLoadOptions {
  /** false forces the scalar build (tests, or to compare); default: SIMD when the engine validates it. */
  simd?: boolean;
}

interface MediaCoreExports {
  memory: WebAssembly.Memory;
  isSimdBuild(): number;
  meterInit(id: number, attack: number, release: number, floorDown: number, floorUp: number,
    gainCoef: number, hangover: number, gain: number): void;
  processQuantum(id: number, n: number, gainTarget: number): void;
  copyPlane(src: number, ss: number, dst: number, ds: number, rowBytes: number, h: number): void;
  mirrorPlane(bpp: number, src: number, ss: number, dst: number, ds: number, w: number, h: number): void;
  affinePlane(src: number, ss: number, dst: number, ds: number, w: number, h: number,
    bpp: number, mirror: number, k: number, bias: number): void;
  adjustRgba(src: number, ss: number, dst: number, ds: number, w: number, h: number,
    mirror: number, k: number, bias: number, s6: number): void;
  beautyPlane(src: number, ss: number, dst: number, ds: number, w: number, h: number, bpp: number,
    strength: number, radius: number): void;
  prepareWatermark(kind: number, w: number, h: number, px: number, py: number): void;
  blendPlane(dst: number, ds: number, src: number, ss: number, alpha: number, as: number, rowBytes: number, h: number): void;
  scalePlane(src: number, ss: number, planeW: number, planeH: number, bpp: number,
    dst: number, ds: number, dw: number, dh: number,
    startX: number, stepX: number, startY: number, stepY: number): void;
  [pointer: `${string}_PTR`]: WebAssembly.Global;
}

/** A plane resolved to absolute addresses, reused between calls. */
interface Plane {
  width: number;
  height: number;
  bpp: number;
  subsampling: number;
  address: number;
  stride: number;
}

const newPlane = (): Plane => ({ width: 0, height: 0, bpp: 1, subsampling: 1, address: 0, stride: 0 });
const PLANE_COUNT: Record<MediaPixelFormat, number> = { I420: 3, NV12: 2, RGBA: 1 };

/** The planes of a format, tightly packed, as `VideoFrame.copyTo` writes them by default. */
export function packedLayout(format: MediaPixelFormat, width: number, height: number): MediaPlaneLayout[] {
  checkFormat(format);
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  if (format === 'RGBA') return [{ offset: 0, stride: width * 4 }];
  const y = { offset: 0, stride: width };
  if (format === 'NV12') return [y, { offset: width * height, stride: cw * 2 }];
  return [y, { offset: width * height, stride: cw }, { offset: width * height + cw * ch, stride: cw }];
}

/** Bytes of a tightly packed frame. */
export function packedFrameBytes(format: MediaPixelFormat, width: number, height: number): number {
  checkFormat(format);
  const chroma = ((width + 1) >> 1) * ((height + 1) >> 1);
  return format === 'RGBA' ? width * height * 4 : width * height + chroma * 2;
}

function checkFormat(format: unknown): asserts format is MediaPixelFormat {
  if (format !== 'I420' && format !== 'NV12' && format !== 'RGBA') {
    throw new TypeError(`media core: format must be 'I420', 'NV12' or 'RGBA', got ${String(format)}`);
  }
}

function checkDimension(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_DIMENSION) {
    throw new RangeError(`media core: ${name} must be an integer in [${min}, ${MAX_DIMENSION}], got ${String(value)}`);
  }
  return value;
}

function checkNumber(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`media core: ${name} must be a number, got ${typeof value}`);
  if (!(value >= min && value <= max)) {
    throw new RangeError(`media core: ${name} must be a finite number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function checkRadius(radius: unknown): void {
  if (radius !== 1 && radius !== 2) throw new RangeError(`media core: beauty radius must be 1 or 2, got ${String(radius)}`);
}

function checkInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new RangeError(`media core: ${name} must be an integer, got ${String(value)}`);
  }
  return value;
}

let simdBytes: Uint8Array<ArrayBuffer> | undefined;
let scalarBytes: Uint8Array<ArrayBuffer> | undefined;

const BASE64_CODES = (() => {
  const codes = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) codes[alphabet.charCodeAt(i)] = i;
  return codes;
})();

// atob is missing in AudioWorkletGlobalScope, so decode by hand.
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array((clean.length * 3) >> 2);
  let bits = 0;
  let count = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    bits = (bits << 6) | BASE64_CODES[clean.charCodeAt(i)];
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[o++] = (bits >> count) & 0xff;
    }
  }
  return out;
}

/** The bytes of the binary `loadMediaCore` would pick: SIMD when requested and valid in this engine. */
export function mediaCoreBinary(options: MediaCoreLoadOptions = {}): Uint8Array<ArrayBuffer> {
  if (options.simd !== false) {
    simdBytes ??= decodeBase64(MEDIA_CORE_SIMD_BASE64);
    if (WebAssembly.validate(simdBytes)) return simdBytes;
  }
  scalarBytes ??= decodeBase64(MEDIA_CORE_SCALAR_BASE64);
  return scalarBytes;
}

/**
 * Compiles the media core once (e.g. on the main thread) so it can be sent to
 * an AudioWorklet in `processorOptions` and instantiated there with
 * `instantiateMediaCore`.
 */
export function compileMediaCoreModule(options: MediaCoreLoadOptions = {}): Promise<WebAssembly.Module> {
  return WebAssembly.compile(mediaCoreBinary(options));
}

/** Instantiates a compiled media core synchronously (for AudioWorklet and worker scopes). */
export function instantiateMediaCore(module: WebAssembly.Module): MediaCore {
  return new MediaCore(new WebAssembly.Instance(module, {}));
}

/** Compiles and instantiates the media core: SIMD when the engine supports it, unless `simd: false`. */
export async function loadMediaCore(options: MediaCoreLoadOptions = {}): Promise<MediaCore> {
  const module = await compileMediaCoreModule(options);
  return new MediaCore(await WebAssembly.instantiate(module, {}));
}

/**
 * One instance of the media core: its buffers as typed-array views, up to 64
 * audio meters, and the video kernels. Video kernels read the frame the caller
 * copied into `frameIn` and write `frameOut`. Not thread-safe; one per scope.
 */
export class MediaCore {
  /** Whether this instance runs the SIMD build. */
  readonly isSimd: boolean;
  /** The core's fixed linear memory (never grows, so views never detach). */
  readonly memory: WebAssembly.Memory;
  /** Input frame buffer (FRAME_CAPACITY bytes): copy a frame here, e.g. `frame.copyTo(core.frameIn, {layout})`. */
  readonly frameIn: Uint8Array;
  /** Output frame buffer (FRAME_CAPACITY bytes) written by the kernels. */
  readonly frameOut: Uint8Array;
  /** The watermark image, RGBA rows of width × 4 bytes. */
  readonly watermarkIn: Uint8Array;
  /** Input quantum (128 samples); pass it to `processQuantum` to skip the copy. */
  readonly audioIn: Float32Array;
  /** Output quantum after gain and limiter. */
  readonly audioOut: Float32Array;

  private readonly _x: MediaCoreExports;
  private readonly _resultView: Float64Array;
  private readonly _result: AudioQuantumResult = {
    rms: 0, peak: 0, dbfs: -100, level: 0, volume: 0, clipped: 0, isSpeaking: false, noiseFloorDb: -90, gain: 1,
  };
  private readonly _meterInUse = new Uint8Array(METER_SLOTS);
  private readonly _in = [newPlane(), newPlane(), newPlane()];
  private readonly _out = [newPlane(), newPlane(), newPlane()];
  private readonly _tmp = [newPlane(), newPlane(), newPlane()];
  private _watermarkWidth = 0;
  private _watermarkHeight = 0;
  /** What WM_PREP holds: -1 nothing, 0–3 YUV with parity (x & 1) | (y & 1) << 1, 4 RGBA. */
  private _watermarkPrepared = -1;

  /** Wraps an instance of the media core module; prefer `loadMediaCore` / `instantiateMediaCore`. */
  constructor(instance: WebAssembly.Instance) {
    const x = instance.exports as unknown as MediaCoreExports;
    for (const [name, address] of Object.entries(MEDIA_CORE_LAYOUT)) {
      const exported = x[`${name}_PTR`]?.value;
      if (exported !== address) {
        throw new Error(`media core: ${name} is at ${exported} in the binary but ${address} in MEDIA_CORE_LAYOUT; rebuild (npm run build:wasm)`);
      }
    }
    this._x = x;
    this.isSimd = x.isSimdBuild() === 1;
    this.memory = x.memory;
    const buffer = x.memory.buffer;
    this.frameIn = new Uint8Array(buffer, MEDIA_CORE_LAYOUT.FRAME_IN, FRAME_CAPACITY);
    this.frameOut = new Uint8Array(buffer, MEDIA_CORE_LAYOUT.FRAME_OUT, FRAME_CAPACITY);
    this.watermarkIn = new Uint8Array(buffer, MEDIA_CORE_LAYOUT.WM_RGBA, FRAME_CAPACITY);
    this.audioIn = new Float32Array(buffer, MEDIA_CORE_LAYOUT.AUDIO_IN, MAX_QUANTUM);
    this.audioOut = new Float32Array(buffer, MEDIA_CORE_LAYOUT.AUDIO_OUT, MAX_QUANTUM);
    this._resultView = new Float64Array(buffer, MEDIA_CORE_LAYOUT.AUDIO_RESULT, 8);
  }

  // ─── audio ────────────────────────────────────────────────────────────

  /** Reserves a meter (one per stream) and returns its id; throws RangeError when all 64 are in use. */
  createMeter(options: MediaMeterOptions = {}): number {
    const sampleRate = checkNumber('sampleRate', options.sampleRate, 3000, 768000, 48000);
    const gain = checkNumber('gain', options.gain, 0, MAX_GAIN, 1);
    const id = this._meterInUse.indexOf(0);
    if (id < 0) throw new RangeError(`media core: all ${METER_SLOTS} meters are in use`);
    this._meterInUse[id] = 1;
    const quantaPerSecond = sampleRate / MAX_QUANTUM;
    const coef = (seconds: number) => 1 - Math.exp(-1 / (seconds * quantaPerSecond));
    this._x.meterInit(id, coef(0.01), coef(0.3), coef(0.08), coef(2), coef(0.01),
      Math.round(0.3 * quantaPerSecond), gain);
    return id;
  }

  /** Frees a meter id from `createMeter`; releasing a free id is a no-op. */
  releaseMeter(id: number): void {
    if (Number.isInteger(id) && id >= 0 && id < METER_SLOTS) this._meterInUse[id] = 0;
  }

  /**
   * Runs one quantum through meter `id`: capture gain ramped toward
   * `gainTarget` (volume / 100; omitted = keep), limiter at 0 dBFS, levels,
   * VAD. Output samples land in `audioOut`. Non-finite samples count as 0.
   * Returns the core's single result object, overwritten by the next call.
   */
  processQuantum(id: number, samples: Float32Array = this.audioIn, gainTarget?: number): AudioQuantumResult {
    if (!(id >= 0 && id < METER_SLOTS && this._meterInUse[id] === 1)) {
      throw new RangeError(`media core: meter ${id} is not a meter from createMeter()`);
    }
    const n = samples.length;
    if (samples !== this.audioIn) {
      if (n < 1 || n > MAX_QUANTUM) throw new RangeError(`media core: a quantum has 1…${MAX_QUANTUM} samples, got ${n}`);
      this.audioIn.set(samples);
    }
    let target = -1;
    if (gainTarget !== undefined) {
      if (!(gainTarget >= 0 && gainTarget <= MAX_GAIN)) {
        throw new RangeError(`media core: gain must be a number in [0, ${MAX_GAIN}], got ${gainTarget}`);
      }
      target = gainTarget;
    }
    this._x.processQuantum(id, n, target);
    const v = this._resultView;
    const r = this._result;
    r.rms = v[0];
    r.peak = v[1];
    r.dbfs = v[2];
    r.level = v[3];
    r.volume = Math.round(v[3] * 100);
    r.clipped = v[4];
    r.isSpeaking = v[5] === 1;
    r.noiseFloorDb = v[6];
    r.gain = v[7];
    return r;
  }

  // ─── video ────────────────────────────────────────────────────────────

  /** Copies `frameIn` to `frameOut`, converting between the two layouts. */
  copyFrame(frame: MediaFrameSpec): void {
    this._copy(this._resolve(frame), this._in, this._out);
  }

  /** Mirrors `frameIn` left–right into `frameOut`. */
  mirror(frame: MediaFrameSpec): void {
    const n = this._resolve(frame);
    for (let i = 0; i < n; i++) {
      const s = this._in[i];
      const d = this._out[i];
      this._x.mirrorPlane(s.bpp, s.address, s.stride, d.address, d.stride, s.width, s.height);
    }
  }

  /** Mirror + brightness/contrast/saturation of `frameIn` into `frameOut`, in one pass. */
  adjust(frame: MediaFrameSpec, params: MediaAdjustParams): void {
    const n = this._resolve(frame);
    this._adjust(frame.format, n, this._in, this._out, params);
  }

  /**
   * Edge-preserving smoothing (strength 0…1) of `frameIn` luma (RGB for RGBA)
   * into `frameOut`; chroma copied. `radius` 1 = 3×3 (default), 2 = 5×5.
   */
  beauty(frame: MediaFrameSpec, strength: number, radius: MediaBeautyRadius = 1): void {
    const q = Math.round(checkNumber('beauty strength', strength, 0, 1, 0) * 256);
    checkRadius(radius);
    const n = this._resolve(frame);
    this._beauty(n, this._in, this._out, q, radius);
  }

  /**
   * Sets the watermark drawn by `watermark` / `processFrame`: copies `image.data`
   * into `watermarkIn` (or uses what the caller wrote there).
   */
  setWatermark(image: MediaRgbaImage): void {
    const w = checkDimension('watermark width', image.width, 1);
    const h = checkDimension('watermark height', image.height, 1);
    const bytes = w * h * 4;
    const cwch = ((w + 2) >> 1) * ((h + 2) >> 1);
    if (bytes > FRAME_CAPACITY || 2 * w * h + 7 * cwch > FRAME_CAPACITY) {
      throw new RangeError(`media core: a ${w}×${h} watermark does not fit the ${FRAME_CAPACITY}-byte buffer`);
    }
    if (image.data) {
      if (image.data.length < bytes) {
        throw new RangeError(`media core: watermark data has ${image.data.length} bytes, ${w}×${h} RGBA needs ${bytes}`);
      }
      this.watermarkIn.set(image.data.subarray(0, bytes));
    }
    this._watermarkWidth = w;
    this._watermarkHeight = h;
    this._watermarkPrepared = -1;
  }

  /** Removes the watermark. */
  clearWatermark(): void {
    this._watermarkWidth = 0;
    this._watermarkHeight = 0;
    this._watermarkPrepared = -1;
  }

  /** Copies `frameIn` to `frameOut` and alpha-blends the watermark at (x, y), clipped to the frame. */
  watermark(frame: MediaFrameSpec, at: MediaWatermarkPlacement): void {
    const n = this._resolve(frame);
    this._checkWatermark(at);
    this._copy(n, this._in, this._out);
    this._blendWatermark(frame.format, frame.width, frame.height, this._out, at.x, at.y);
  }

  /**
   * Alpha-blends the watermark at (x, y) onto the frame already in `frameOut`
   * (laid out as `frame.outLayout`), in place: e.g. after `cropAndScale`.
   */
  drawWatermark(frame: MediaFrameSpec, at: MediaWatermarkPlacement): void {
    checkFormat(frame.format);
    const width = checkDimension('width', frame.width, 2);
    const height = checkDimension('height', frame.height, 2);
    this._planes(frame.format, width, height, frame.outLayout, this._out, MEDIA_CORE_LAYOUT.FRAME_OUT, 'outLayout');
    this._checkWatermark(at);
    this._blendWatermark(frame.format, width, height, this._out, at.x, at.y);
  }

  /**
   * Crops `frameIn` (whole frame by default) and scales it bilinearly to
   * `params.width` × `params.height` into `frameOut`. For I420/NV12 the chroma
   * crop is the luma crop halved (odd edges interpolate).
   */
  cropAndScale(frame: MediaFrameSpec, params: MediaScaleParams): void {
    checkFormat(frame.format);
    const width = checkDimension('width', frame.width, 2);
    const height = checkDimension('height', frame.height, 2);
    const n = this._planes(frame.format, width, height, frame.layout, this._in, MEDIA_CORE_LAYOUT.FRAME_IN, 'layout');
    const dw = checkDimension('output width', params.width, 2);
    const dh = checkDimension('output height', params.height, 2);
    this._planes(frame.format, dw, dh, params.outLayout, this._out, MEDIA_CORE_LAYOUT.FRAME_OUT, 'outLayout');
    const crop = params.crop ?? { x: 0, y: 0, width, height };
    const cx = checkInteger('crop.x', crop.x);
    const cy = checkInteger('crop.y', crop.y);
    const cw = checkInteger('crop.width', crop.width);
    const ch = checkInteger('crop.height', crop.height);
    if (cx < 0 || cy < 0 || cw < 1 || ch < 1 || cx + cw > width || cy + ch > height) {
      throw new RangeError(`media core: crop ${cx},${cy} ${cw}×${ch} is not inside the ${width}×${height} frame`);
    }
    for (let i = 0; i < n; i++) {
      const s = this._in[i];
      const d = this._out[i];
      const stepX = Math.round((cw * 65536) / s.subsampling / d.width);
      const startX = Math.round((cx * 65536) / s.subsampling) + (stepX >> 1) - 32768;
      const stepY = Math.round((ch * 65536) / s.subsampling / d.height);
      const startY = Math.round((cy * 65536) / s.subsampling) + (stepY >> 1) - 32768;
      this._x.scalePlane(s.address, s.stride, s.width, s.height, s.bpp, d.address, d.stride, d.width, d.height,
        startX, stepX, startY, stepY);
    }
  }

  /**
   * mirror → brightness/contrast/saturation → beauty → watermark, `frameIn` to
   * `frameOut`, in as few passes as the parameters allow (one for the
   * adjustments, one more for beauty; the watermark only touches its region).
   */
  processFrame(params: MediaProcessParams): void {
    const n = this._resolve(params);
    const strength = Math.round(checkNumber('beauty', params.beauty, 0, 1, 0) * 256);
    const radius = params.beautyRadius ?? 1;
    checkRadius(radius);
    if (params.watermark) this._checkWatermark(params.watermark);
    const isAdjusting = params.mirror === true
      || (params.brightness ?? 0) !== 0 || (params.contrast ?? 1) !== 1 || (params.saturation ?? 1) !== 1;
    if (strength > 0) {
      let source = this._in;
      if (isAdjusting) {
        this._planes(params.format, params.width, params.height, params.outLayout, this._tmp,
          MEDIA_CORE_LAYOUT.FRAME_TMP, 'outLayout');
        this._adjust(params.format, n, this._in, this._tmp, params);
        source = this._tmp;
      }
      this._beauty(n, source, this._out, strength, radius);
    } else if (isAdjusting) {
      this._adjust(params.format, n, this._in, this._out, params);
    } else {
      this._copy(n, this._in, this._out);
    }
    if (params.watermark) {
      this._blendWatermark(params.format, params.width, params.height, this._out, params.watermark.x, params.watermark.y);
    }
  }

  // ─── internals ────────────────────────────────────────────────────────

  /** Validates a frame spec; fills `_in` / `_out`; returns the plane count. */
  private _resolve(frame: MediaFrameSpec): number {
    checkFormat(frame.format);
    const width = checkDimension('width', frame.width, 2);
    const height = checkDimension('height', frame.height, 2);
    this._planes(frame.format, width, height, frame.outLayout, this._out, MEDIA_CORE_LAYOUT.FRAME_OUT, 'outLayout');
    return this._planes(frame.format, width, height, frame.layout, this._in, MEDIA_CORE_LAYOUT.FRAME_IN, 'layout');
  }

  private _planes(
    format: MediaPixelFormat, width: number, height: number, layout: readonly MediaPlaneLayout[] | undefined,
    into: Plane[], base: number, what: string,
  ): number {
    const n = PLANE_COUNT[format];
    const cw = (width + 1) >> 1;
    const ch = (height + 1) >> 1;
    if (layout !== undefined && (!Array.isArray(layout) || layout.length !== n)) {
      throw new RangeError(`media core: ${what} of a ${format} frame needs ${n} planes`);
    }
    let packedOffset = 0;
    for (let i = 0; i < n; i++) {
      const p = into[i];
      const isChroma = i > 0;
      p.width = isChroma ? cw : width;
      p.height = isChroma ? ch : height;
      p.bpp = format === 'RGBA' ? 4 : format === 'NV12' && isChroma ? 2 : 1;
      p.subsampling = isChroma ? 2 : 1;
      const rowBytes = p.width * p.bpp;
      let offset = packedOffset;
      let stride = rowBytes;
      if (layout) {
        offset = layout[i].offset;
        stride = layout[i].stride;
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(stride) || offset < 0 || stride < rowBytes) {
          throw new RangeError(`media core: ${what}[${i}] {offset: ${offset}, stride: ${stride}} is invalid; stride must be ≥ ${rowBytes}`);
        }
      }
      const end = offset + stride * (p.height - 1) + rowBytes;
      if (end > FRAME_CAPACITY) {
        throw new RangeError(`media core: ${what}[${i}] ends at byte ${end}, past the ${FRAME_CAPACITY}-byte frame buffer`);
      }
      p.address = base + offset;
      p.stride = stride;
      packedOffset = offset + rowBytes * p.height;
    }
    return n;
  }

  private _copy(n: number, src: Plane[], dst: Plane[]): void {
    for (let i = 0; i < n; i++) {
      const s = src[i];
      const d = dst[i];
      this._x.copyPlane(s.address, s.stride, d.address, d.stride, s.width * s.bpp, s.height);
    }
  }

  private _adjust(format: MediaPixelFormat, n: number, src: Plane[], dst: Plane[], params: MediaAdjustParams): void {
    const mirror = params.mirror === true ? 1 : 0;
    const bias = Math.round(checkNumber('brightness', params.brightness, -1, 1, 0) * 255);
    // Q7 factors stop at 255 so the kernel needs one u8 × u8 multiply (2.0 acts as 1.99).
    const k = Math.min(255, Math.round(checkNumber('contrast', params.contrast, 0, 2, 1) * 128));
    const saturation = checkNumber('saturation', params.saturation, 0, 2, 1);
    if (format === 'RGBA') {
      const s = src[0];
      const d = dst[0];
      this._x.adjustRgba(s.address, s.stride, d.address, d.stride, s.width, s.height, mirror, k, bias,
        Math.round(saturation * 64));
      return;
    }
    const s7 = Math.min(255, Math.round(saturation * 128));
    for (let i = 0; i < n; i++) {
      const s = src[i];
      const d = dst[i];
      this._x.affinePlane(s.address, s.stride, d.address, d.stride, s.width, s.height, s.bpp, mirror,
        i === 0 ? k : s7, i === 0 ? bias : 0);
    }
  }

  private _beauty(n: number, src: Plane[], dst: Plane[], strength: number, radius: MediaBeautyRadius): void {
    const s = src[0];
    const d = dst[0];
    this._x.beautyPlane(s.address, s.stride, d.address, d.stride, s.width, s.height, s.bpp, strength, radius);
    for (let i = 1; i < n; i++) {
      this._x.copyPlane(src[i].address, src[i].stride, dst[i].address, dst[i].stride,
        src[i].width * src[i].bpp, src[i].height);
    }
  }

  private _checkWatermark(at: MediaWatermarkPlacement): void {
    if (this._watermarkWidth === 0) throw new RangeError('media core: no watermark set; call setWatermark() first');
    checkInteger('watermark x', at.x);
    checkInteger('watermark y', at.y);
  }

  private _blendWatermark(format: MediaPixelFormat, width: number, height: number, planes: Plane[], x: number, y: number): void {
    const w = this._watermarkWidth;
    const h = this._watermarkHeight;
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(width, x + w);
    const y1 = Math.min(height, y + h);
    const hasLuma = x0 < x1 && y0 < y1;
    const prep = MEDIA_CORE_LAYOUT.WM_PREP;
    const X = this._x;
    if (format === 'RGBA') {
      if (!hasLuma) return;
      if (this._watermarkPrepared !== 4) {
        X.prepareWatermark(1, w, h, 0, 0);
        this._watermarkPrepared = 4;
      }
      const d = planes[0];
      const o = ((y0 - y) * w + (x0 - x)) * 4;
      X.blendPlane(d.address + y0 * d.stride + x0 * 4, d.stride, MEDIA_CORE_LAYOUT.WM_RGBA + o, w * 4,
        prep + o, w * 4, (x1 - x0) * 4, y1 - y0);
      return;
    }
    const px = x & 1;
    const py = y & 1;
    const kind = px | (py << 1);
    if (this._watermarkPrepared !== kind) {
      X.prepareWatermark(0, w, h, px, py);
      this._watermarkPrepared = kind;
    }
    const wh = w * h;
    const luma = planes[0];
    const o = (y0 - y) * w + (x0 - x);
    if (hasLuma) {
      X.blendPlane(luma.address + y0 * luma.stride + x0, luma.stride, prep + o, w, prep + wh + o, w, x1 - x0, y1 - y0);
    }

    // Chroma blocks: frame block (x >> 1) + i holds prepared block i. A block
    // on an odd frame edge can hold watermark pixels that fall outside the
    // luma plane; they still tint it.
    const cw = (px + w + 1) >> 1;
    const ch = (py + h + 1) >> 1;
    const cwch = cw * ch;
    const bx0 = x >> 1;
    const by0 = y >> 1;
    const fbx0 = Math.max(0, bx0);
    const fby0 = Math.max(0, by0);
    const fbx1 = Math.min((width + 1) >> 1, bx0 + cw);
    const fby1 = Math.min((height + 1) >> 1, by0 + ch);
    if (fbx0 >= fbx1 || fby0 >= fby1) return;
    const co = (fby0 - by0) * cw + (fbx0 - bx0);
    const cols = fbx1 - fbx0;
    const rows = fby1 - fby0;
    const pu = prep + 2 * wh;
    if (format === 'I420') {
      const u = planes[1];
      const v = planes[2];
      X.blendPlane(u.address + fby0 * u.stride + fbx0, u.stride, pu + co, cw, pu + 2 * cwch + co, cw, cols, rows);
      X.blendPlane(v.address + fby0 * v.stride + fbx0, v.stride, pu + cwch + co, cw, pu + 2 * cwch + co, cw, cols, rows);
    } else {
      const uv = planes[1];
      X.blendPlane(uv.address + fby0 * uv.stride + fbx0 * 2, uv.stride, pu + 3 * cwch + co * 2, cw * 2,
        pu + 5 * cwch + co * 2, cw * 2, cols * 2, rows);
    }
  }
}
