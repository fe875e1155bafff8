/**
 * Chromium's breakout-box API on window (MediaStreamTrackProcessor/Generator),
 * which TypeScript's DOM lib does not declare.
 */
export interface TrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}

/** A MediaStreamTrackGenerator: a track whose frames come from `writable`. */
export interface TrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}

interface BreakoutBoxGlobals {
  MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => TrackProcessor;
  MediaStreamTrackGenerator: new (init: { kind: 'video' | 'audio' }) => TrackGenerator;
}

/** A processor reading a video track's frames. */
export function createTrackProcessor(track: MediaStreamTrack): TrackProcessor {
  const g = globalThis as unknown as BreakoutBoxGlobals;
  return new g.MediaStreamTrackProcessor({ track, maxBufferSize: 1 });
}

/** A generator: a video track fed by writing VideoFrames. */
export function createTrackGenerator(): TrackGenerator {
  const g = globalThis as unknown as BreakoutBoxGlobals;
  return new g.MediaStreamTrackGenerator({ kind: 'video' });
}
