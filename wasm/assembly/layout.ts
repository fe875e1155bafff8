// Static memory of the media core. Every buffer is reserved here with
// `memory.data`, in this order, so its address is fixed at compile time; the
// JS wrapper (projects/ngx-trtc/src/lib/media/wasm/media-core-layout.ts) keeps
// the same numbers and checks them against the exported `*_PTR` globals when
// it instantiates the module. Memory is fixed (initial = maximum = 644 pages),
// nothing is ever allocated at run time, so views never detach.
//
// offset      bytes      buffer
// 1024        512        AUDIO_IN      128 × f32 input samples of one quantum
// 1536        512        AUDIO_OUT     128 × f32 samples after gain + limiter
// 2048        64         AUDIO_RESULT  8 × f64: rms, peak, dBFS, level, clipped,
//                                      isSpeaking, noiseFloorDb, gain
// 2112        8192       METER_STATE   64 slots × 16 × f64 (see audio.ts)
// 10304       512        LUT           affine table (scalar build), beauty weight table at +256
// 10816       33024      BEAUTY_LINE   one vertically smoothed row (u8), 64 pad each side
// 43840       16448      SCALE_ROW     one vertically interpolated source row
// 60288       16384      SCALE_X0      i32 × 4096 left source pixel per output x
// 76672       16384      SCALE_X1      i32 × 4096 right source pixel per output x
// 93056       16384      SCALE_FX      i32 × 4096 horizontal weight (0–255, Q8)
// 109440      131072     SCALE_GROUPS  2048 × 64 B swizzle groups (SIMD scaling)
// 262144      8388608    FRAME_IN      caller's frame (any layout that fits)
// 8650752     8388608    FRAME_OUT     kernel output
// 17039360    8388608    FRAME_TMP     scratch of processFrame (adjust → beauty)
// 25427968    8388608    WM_RGBA       watermark image, RGBA, stride = width × 4
// 33816576    8388608    WM_PREP       watermark converted for the frame format
// 42205184               end = 644 × 64 KiB

/** Largest frame width or height, in pixels; bounds the line and table buffers. */
export const MAX_DIMENSION: i32 = 4096;
/** Bytes in each frame buffer: 1920×1080 RGBA (8 294 400) plus room for padded strides. */
export const FRAME_CAPACITY: i32 = 8388608;
/** Number of audio meter slots. */
export const METER_SLOTS: i32 = 64;
/** Largest number of samples in one audio quantum. */
export const MAX_QUANTUM: i32 = 128;
/** Bytes of one meter slot. */
export const METER_STRIDE: i32 = 128;

export const AUDIO_IN: usize = memory.data(512, 16);
export const AUDIO_OUT: usize = memory.data(512, 16);
export const AUDIO_RESULT: usize = memory.data(64, 16);
export const METER_STATE: usize = memory.data(METER_SLOTS * METER_STRIDE, 16);
export const LUT: usize = memory.data(512, 16);
export const BEAUTY_LINE: usize = memory.data((MAX_DIMENSION * 4 + 128) * 2, 16);
export const SCALE_ROW: usize = memory.data(MAX_DIMENSION * 4 + 64, 16);
export const SCALE_X0: usize = memory.data(MAX_DIMENSION * 4, 16);
export const SCALE_X1: usize = memory.data(MAX_DIMENSION * 4, 16);
export const SCALE_FX: usize = memory.data(MAX_DIMENSION * 4, 16);
export const SCALE_GROUPS: usize = memory.data(MAX_DIMENSION * 4 / 8 * 64, 16);
export const FRAME_IN: usize = memory.data(FRAME_CAPACITY, 65536);
export const FRAME_OUT: usize = memory.data(FRAME_CAPACITY, 65536);
export const FRAME_TMP: usize = memory.data(FRAME_CAPACITY, 65536);
export const WM_RGBA: usize = memory.data(FRAME_CAPACITY, 65536);
export const WM_PREP: usize = memory.data(FRAME_CAPACITY, 65536);
