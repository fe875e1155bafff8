// Shared fixtures of the media-core specs: both builds, a seeded PRNG and
// frames laid out in a buffer the way the wrapper expects them.
import {
  loadMediaCore,
  MediaCore,
  MediaPixelFormat,
  MediaPlaneLayout,
} from '../../projects/ngx-trtc/src/lib/media/wasm/media-core';
import { planeGeometryRef, RefFrame } from '../reference/video';

let cores: Promise<{ simd: MediaCore; scalar: MediaCore }> | undefined;

/** One SIMD and one scalar core, shared by all specs. */
export function loadBothCores(): Promise<{ simd: MediaCore; scalar: MediaCore }> {
  cores ??= Promise.all([loadMediaCore(), loadMediaCore({ simd: false })]).then(([simd, scalar]) => ({ simd, scalar }));
  return cores;
}

/** The builds under test, by name. */
export const BUILDS = ['simd', 'scalar'] as const;

/** mulberry32: a small seeded PRNG so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randInt(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

/** Plane layouts with `pad` spare bytes after every row and `gap` bytes before every plane. */
export function paddedLayout(format: MediaPixelFormat, width: number, height: number, pad: number, gap = 0): MediaPlaneLayout[] {
  let offset = 0;
  return planeGeometryRef(format, width, height).map((p) => {
    offset += gap;
    const stride = p.width * p.bpp + pad;
    const plane = { offset, stride };
    offset += stride * p.height;
    return plane;
  });
}

/** Bytes a layout spans. */
export function layoutBytes(format: MediaPixelFormat, width: number, height: number, layout: MediaPlaneLayout[]): number {
  return Math.max(...planeGeometryRef(format, width, height).map((p, i) =>
    layout[i].offset + layout[i].stride * (p.height - 1) + p.width * p.bpp));
}

/** How a frame's pixels are filled. */
export type Fill = 'random' | 'black' | 'white' | 'smooth';

/** A frame of random (or constant) content in a buffer of its layout. */
export function makeFrame(
  rand: () => number, format: MediaPixelFormat, width: number, height: number, layout: MediaPlaneLayout[], fill: Fill = 'random',
): RefFrame {
  const data = new Uint8Array(layoutBytes(format, width, height, layout) + 16);
  for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0;
  if (fill !== 'random') {
    planeGeometryRef(format, width, height).forEach((p, i) => {
      for (let y = 0; y < p.height; y++) {
        for (let x = 0; x < p.width * p.bpp; x++) {
          const o = layout[i].offset + y * layout[i].stride + x;
          if (fill === 'black') data[o] = format === 'RGBA' ? (x % 4 === 3 ? 255 : 0) : i === 0 ? 16 : 128;
          else if (fill === 'white') data[o] = format === 'RGBA' ? 255 : i === 0 ? 235 : 128;
          else data[o] = Math.min(255, Math.max(0, 128 + Math.round(60 * Math.sin(x / 7 + y / 11)) + ((rand() * 9) | 0) - 4));
        }
      }
    });
  }
  return { format, width, height, data, layout };
}

/** An empty output frame of a layout, filled with a sentinel so untouched bytes can be checked. */
export function emptyFrame(format: MediaPixelFormat, width: number, height: number, layout: MediaPlaneLayout[]): RefFrame {
  const data = new Uint8Array(layoutBytes(format, width, height, layout) + 16).fill(0xa5);
  return { format, width, height, data, layout };
}

/** First differing byte between the planes of two frames (same layout), or null. */
export function firstPlaneDifference(a: RefFrame, b: Uint8Array): string | null {
  const planes = planeGeometryRef(a.format, a.width, a.height);
  for (let i = 0; i < planes.length; i++) {
    const p = planes[i];
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width * p.bpp; x++) {
        const o = a.layout[i].offset + y * a.layout[i].stride + x;
        if (a.data[o] !== b[o]) return `plane ${i} row ${y} byte ${x}: reference ${a.data[o]}, wasm ${b[o]}`;
      }
    }
  }
  return null;
}

/** First byte of `out` outside the frame's planes that is not the 0xa5 sentinel, or null. */
export function firstTouchedPadding(frame: RefFrame, out: Uint8Array, length: number): string | null {
  const inside = new Uint8Array(length);
  planeGeometryRef(frame.format, frame.width, frame.height).forEach((p, i) => {
    for (let y = 0; y < p.height; y++) {
      const o = frame.layout[i].offset + y * frame.layout[i].stride;
      inside.fill(1, o, o + p.width * p.bpp);
    }
  });
  for (let o = 0; o < length; o++) if (!inside[o] && out[o] !== 0xa5) return `byte ${o} = ${out[o]}`;
  return null;
}
