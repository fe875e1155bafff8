// The memory map of the media core, mirrored from wasm/assembly/layout.ts.
// MediaCore checks these numbers against the module's exported `*_PTR`
// globals when it is instantiated, so a drift fails loudly instead of
// corrupting frames.

/** Byte addresses of the media core's static buffers in its linear memory. */
export const MEDIA_CORE_LAYOUT = {
  /** 128 × f32: the quantum to process. */
  AUDIO_IN: 1024,
  /** 128 × f32: the quantum after gain and limiter. */
  AUDIO_OUT: 1536,
  /** 8 × f64: rms, peak, dBFS, level, clipped, isSpeaking, noiseFloorDb, gain. */
  AUDIO_RESULT: 2048,
  /** 64 meter slots × 128 bytes. */
  METER_STATE: 2112,
  /** Affine lookup table (scalar build) and the beauty weight table (both builds). */
  LUT: 10304,
  /** One vertically smoothed row for the beauty filter. */
  BEAUTY_LINE: 10816,
  /** One interpolated source row for scaling. */
  SCALE_ROW: 43840,
  /** Swizzle groups of the SIMD scaler. */
  SCALE_GROUPS: 109440,
  /** The caller's input frame. */
  FRAME_IN: 262144,
  /** Kernel output. */
  FRAME_OUT: 8650752,
  /** Scratch frame of processFrame. */
  FRAME_TMP: 17039360,
  /** The watermark image, RGBA, stride = width × 4. */
  WM_RGBA: 25427968,
  /** The watermark converted for the current frame format. */
  WM_PREP: 33816576,
} as const;

/** Bytes of each frame buffer (FRAME_IN, FRAME_OUT, FRAME_TMP, WM_RGBA, WM_PREP): 1920×1080 RGBA plus padding room. */
export const FRAME_CAPACITY = 8388608;
/** Largest frame width or height in pixels. */
export const MAX_DIMENSION = 4096;
/** Number of independent audio meters one core holds. */
export const METER_SLOTS = 64;
/** Largest quantum, in samples (an AudioWorklet quantum). */
export const MAX_QUANTUM = 128;
/** Size of the core's fixed linear memory (644 pages of 64 KiB). */
export const MEDIA_CORE_MEMORY_BYTES = 644 * 65536;
