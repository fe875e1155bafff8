import { ErrorCode, RtcError } from '../../errors/rtc-error';

/** Skin smoothing and colour, applied before publishing. Ranges: strength 0–1; the others −1…1, 0 = unchanged. */
export interface BeautyOptions {
  /** Smoothing strength, 0 (off) to 1. */
  strength?: number;
  brightness?: number;
  contrast?: number;
  saturation?: number;
}

/** An image drawn onto every published frame, at a position in output pixels. */
export interface WatermarkOptions {
  image: ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | ImageData;
  x: number;
  y: number;
  /** Drawn size; defaults to the image's own. */
  width?: number;
  height?: number;
  /** 0–1, default 1. */
  opacity?: number;
}

/**
 * Video effects applied before publishing (an ngx-trtc addition). Any effect on
 * routes the camera through the pipeline; all off publishes the raw track.
 */
export interface VideoEffects {
  /** Mirror what is published (the preview mirror is `play({mirror})`). */
  mirror?: boolean;
  beauty?: BeautyOptions | null;
  watermark?: WatermarkOptions | null;
  /** Crop to the aspect ratio and scale to this size (e.g. the video profile's). */
  scale?: { width: number; height: number } | null;
}

/** The effects in the numeric form the kernels take (the media core's units). */
export interface KernelParams {
  mirror: boolean;
  /** −1…1, ×255 added to luma. */
  brightness: number;
  /** 0…2 around mid-grey (1 = unchanged). */
  contrast: number;
  /** Chroma factor 0…2 (1 = unchanged). */
  saturation: number;
  /** Edge-preserving smoothing 0…1. */
  beauty: number;
  scaleWidth: number;
  scaleHeight: number;
}

function inRange(value: number | undefined, min: number, max: number, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `${name} must be a number in [${min}, ${max}]`);
  }
  return value;
}

/** Checks effects (INVALID_PARAMETER on bad values) and returns a normalized copy. */
export function normalizeEffects(effects: VideoEffects): VideoEffects {
  if (!effects || typeof effects !== 'object') throw new RtcError(ErrorCode.INVALID_PARAMETER, 'effects must be an object');
  const out: VideoEffects = { mirror: !!effects.mirror, beauty: null, watermark: null, scale: null };
  if (effects.beauty) {
    out.beauty = {
      strength: inRange(effects.beauty.strength, 0, 1, 'beauty.strength'),
      brightness: inRange(effects.beauty.brightness, -1, 1, 'beauty.brightness'),
      contrast: inRange(effects.beauty.contrast, -1, 1, 'beauty.contrast'),
      saturation: inRange(effects.beauty.saturation, -1, 1, 'beauty.saturation'),
    };
  }
  if (effects.watermark) {
    const w = effects.watermark;
    if (!w.image) throw new RtcError(ErrorCode.INVALID_PARAMETER, 'watermark.image is required');
    out.watermark = { ...w, opacity: w.opacity === undefined ? 1 : inRange(w.opacity, 0, 1, 'watermark.opacity') };
  }
  if (effects.scale) {
    const { width, height } = effects.scale;
    if (!(width > 0 && height > 0 && width % 2 === 0 && height % 2 === 0)) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, 'scale needs positive even width and height');
    }
    out.scale = { width, height };
  }
  return out;
}

/** Whether any effect needs the pipeline. */
export function hasActiveEffects(effects: VideoEffects): boolean {
  const b = effects.beauty;
  const beautyOn = !!b && (!!b.strength || !!b.brightness || !!b.contrast || !!b.saturation);
  return !!effects.mirror || beautyOn || !!effects.watermark || !!effects.scale;
}

/** Maps the public ranges to kernel parameters. */
export function kernelParams(effects: VideoEffects): KernelParams {
  const b = effects.beauty ?? {};
  return {
    mirror: !!effects.mirror,
    brightness: (b.brightness ?? 0) * 0.25,
    contrast: 1 + (b.contrast ?? 0) * 0.5,
    saturation: 1 + (b.saturation ?? 0),
    beauty: b.strength ?? 0,
    scaleWidth: effects.scale?.width ?? 0,
    scaleHeight: effects.scale?.height ?? 0,
  };
}
