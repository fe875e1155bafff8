/**
 * An egress's output settings from a request (trtc-js-sdk's
 * MixTranscodeConfig fields or the admin API's), the server's defaults and
 * its limits.
 */
import type { EgressConfig } from '../config.js';
import { RpcError } from '../rpc/errors.js';
import type { EncodingSpec } from './types.js';

/** What a request may set; 0 or absent means "the server's default". */
export interface EncodingRequest {
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
  readonly videoBitrateKbps?: number;
  readonly gopSeconds?: number;
  readonly audioSampleRate?: number;
  readonly audioChannels?: 1 | 2;
  readonly audioBitrateKbps?: number;
  readonly backgroundColor?: number;
}

/** Fills in defaults; throws INVALID_PARAMS for a size or rate above the server's limits. */
export function resolveEncoding(config: Pick<EgressConfig, 'defaults' | 'limits'>, req: EncodingRequest): EncodingSpec {
  const d = config.defaults;
  const l = config.limits;
  const pick = (value: number | undefined, fallback: number): number => (value === undefined || value === 0 ? fallback : value);
  // Even sizes: I420 chroma is subsampled 2×2, and x264 refuses odd ones.
  const width = Math.floor(pick(req.width, d.width) / 2) * 2;
  const height = Math.floor(pick(req.height, d.height) / 2) * 2;
  const frameRate = pick(req.frameRate, d.frameRate);
  if (width < 16 || height < 16) throw new RpcError('INVALID_PARAMS', 'videoWidth and videoHeight must be at least 16');
  if (width > l.maxWidth || height > l.maxHeight) throw new RpcError('INVALID_PARAMS', `the picture may be at most ${l.maxWidth}×${l.maxHeight} on this server`);
  if (frameRate > l.maxFrameRate) throw new RpcError('INVALID_PARAMS', `videoFramerate may be at most ${l.maxFrameRate} on this server`);
  // No bitrate: the default's bits per pixel per second at this size and rate (trtc-js-sdk: "determined by videoWidth and videoHeight").
  const scaled = Math.round((d.videoBitrateKbps * (width * height * frameRate)) / (d.width * d.height * d.frameRate));
  const videoBitrateKbps = Math.min(l.maxVideoBitrateKbps, req.videoBitrateKbps ? req.videoBitrateKbps : Math.max(100, scaled));
  return {
    width,
    height,
    frameRate,
    videoBitrateKbps,
    gopSeconds: pick(req.gopSeconds, d.gopSeconds),
    audioSampleRate: pick(req.audioSampleRate, d.audioSampleRate),
    audioChannels: req.audioChannels ?? d.audioChannels,
    audioBitrateKbps: pick(req.audioBitrateKbps, d.audioBitrateKbps),
    backgroundColor: req.backgroundColor ?? 0x000000,
  };
}
