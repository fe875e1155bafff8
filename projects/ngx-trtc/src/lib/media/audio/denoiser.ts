import { RNNOISE_ABI } from '../wasm/generated/rnnoise-abi';

/**
 * RNNoise (Xiph.Org's recurrent-network noise suppressor, built to WebAssembly
 * by @jitsi/rnnoise-wasm) for the capture worklet.
 *
 * The main thread compiles the module once ({@link loadDenoiserModule}) and
 * posts it to the worklet, which instantiates it itself with the two imports
 * the binary has (heap growth, memcpy): no fetch, and none of Emscripten's
 * glue, which expects a window or worker scope, in the AudioWorkletGlobalScope.
 *
 * Frames: RNNoise takes 480 samples (10 ms at 48 kHz), Web Audio hands over
 * 128. The worklet buffers input into 480-sample frames and plays the
 * denoised output from a FIFO primed with {@link DENOISER_PRIME_SAMPLES} of
 * silence, the least that never runs dry (the largest 128·k mod 480 is 448),
 * so the added latency is 448 samples = 9.33 ms at 48 kHz, plus RNNoise's own
 * (see docs/BENCHMARKS.md for the measured figure).
 */
export const DENOISER_FRAME = 480;

/** Silence the output FIFO starts with (see above). */
export const DENOISER_PRIME_SAMPLES = 448;

/** RNNoise is trained for (and its bands assume) 48 kHz. */
export const DENOISER_SAMPLE_RATE = 48000;

let compiled: Promise<WebAssembly.Module> | null = null;

/**
 * Compiles RNNoise once per page. The binary is a dynamic import: a lazy chunk
 * of 1.9 MB that only pages switching noise suppression on download.
 */
export function loadDenoiserModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const { RNNOISE_WASM_BASE64 } = await import('../wasm/generated/rnnoise-binary');
    const binary = Uint8Array.from(atob(RNNOISE_WASM_BASE64), (c) => c.charCodeAt(0));
    return WebAssembly.compile(binary);
  })();
  // A failed compile may be retried (e.g. after a transient memory error).
  compiled.catch(() => (compiled = null));
  return compiled;
}

/**
 * Source of `(module) => createDenoiser` for the worklet: each call of
 * `createDenoiser()` gives one channel's state with `processFrame(frame)`
 * (480 floats in −1…1, denoised in place; returns RNNoise's voice
 * probability) and `destroy()`.
 */
export function denoiserBindingSource(): string {
  const { module, imports, exports: x } = RNNOISE_ABI;
  return /* js */ `(function (wasmModule) {
  let memory = null;
  const env = {
    ${imports.emscripten_resize_heap}: (size) => {
      try { memory.grow(Math.ceil((size - memory.buffer.byteLength) / 65536)); return 1; } catch (e) { return 0; }
    },
    ${imports.emscripten_memcpy_big}: (dest, src, n) => { new Uint8Array(memory.buffer).copyWithin(dest, src, src + n); return dest; },
  };
  const instance = new WebAssembly.Instance(wasmModule, { ${module}: env });
  const x = instance.exports;
  memory = x.${x.memory};
  x.${x.wasm_call_ctors}();
  return function createDenoiser() {
    const state = x.${x.rnnoise_create}(0);
    const input = x.${x.malloc}(${DENOISER_FRAME * 4});
    const output = x.${x.malloc}(${DENOISER_FRAME * 4});
    if (!state || !input || !output) throw new Error('RNNoise: out of memory');
    let heap = null;
    return {
      processFrame(frame) {
        if (!heap || heap.buffer !== memory.buffer) heap = new Float32Array(memory.buffer);
        const i0 = input >> 2, o0 = output >> 2;
        // RNNoise works on 16-bit PCM magnitudes.
        for (let i = 0; i < ${DENOISER_FRAME}; i++) heap[i0 + i] = frame[i] * 32768;
        const vad = x.${x.rnnoise_process_frame}(state, output, input);
        if (heap.buffer !== memory.buffer) heap = new Float32Array(memory.buffer);
        for (let i = 0; i < ${DENOISER_FRAME}; i++) frame[i] = heap[o0 + i] / 32768;
        return vad;
      },
      destroy() { x.${x.rnnoise_destroy}(state); x.${x.free}(input); x.${x.free}(output); },
    };
  };
})`;
}
