import { DENOISER_FRAME, DENOISER_PRIME_SAMPLES } from './denoiser';

/**
 * Source of the `ngx-trtc-meter` AudioWorkletProcessor, loaded from a Blob URL
 * so an app needs no asset. It applies capture gain, measures each 128-sample
 * quantum (RMS, peak, dBFS, smoothed 0–1 level, speaking) and posts the figures
 * every `reportEvery` quanta.
 *
 * Measuring runs in the WASM media core when the main thread passes a compiled
 * `WebAssembly.Module` (`processorOptions.module`) and the module source was
 * built with a binding (the source of a function `(module) => core` with
 * `createMeter()` and `processQuantum(id, samples, gain)`), else in the plain
 * JS below, which follows the same formulas.
 *
 * Noise suppression (RNNoise, see denoiser.ts) runs before gain and meter
 * when switched on with `{type: 'ns', enabled: true, module}` (the compiled
 * RNNoise module); the worklet answers `{type: 'ns', enabled, error?}`.
 *
 * Messages in: `{type: 'gain', value}`, `{type: 'ns', enabled, module?}`, `{type: 'dispose'}`.
 * Messages out: `{type: 'ready', wasm}`, `{type: 'level', level, rms, peak, dbfs, speaking}`, `{type: 'ns', enabled, error?}`.
 */
export const METER_PROCESSOR_NAME = 'ngx-trtc-meter';

/** The worklet module source, with the WASM bindings (media core, RNNoise; or none) prepended. */
export function meterWorkletSource(bindingSource: string | null, denoiserBinding: string | null = null): string {
  return `const bindCore = ${bindingSource ?? 'null'};\nconst bindDenoiser = ${denoiserBinding ?? 'null'};\n` + METER_WORKLET_BODY;
}

const METER_WORKLET_BODY = /* js */ `
const FLOOR_DB = -100;
// One core per AudioWorkletGlobalScope (its memory is large); each node takes a meter slot.
let sharedCore = null;
// RNNoise, instantiated once per scope from the module the main thread compiled; a state per channel.
let createDenoiser = null;
const NS_FRAME = ${DENOISER_FRAME}, NS_PRIME = ${DENOISER_PRIME_SAMPLES}, NS_FIFO = 2048;
class ChannelDenoiser {
  constructor() {
    this.rnn = createDenoiser();
    this.frame = new Float32Array(NS_FRAME);
    this.fill = 0;
    // Output FIFO, primed with silence so a 128-sample read never finds it empty.
    this.fifo = new Float32Array(NS_FIFO);
    this.read = 0;
    this.write = NS_PRIME;
    this.out = new Float32Array(128);
  }
  process(input) {
    const n = input.length, fifo = this.fifo, frame = this.frame;
    for (let i = 0; i < n; i++) {
      frame[this.fill++] = input[i];
      if (this.fill === NS_FRAME) {
        this.rnn.processFrame(frame);
        for (let j = 0; j < NS_FRAME; j++) { fifo[this.write] = frame[j]; this.write = (this.write + 1) & (NS_FIFO - 1); }
        this.fill = 0;
      }
    }
    const out = n === this.out.length ? this.out : (this.out = new Float32Array(n));
    for (let i = 0; i < n; i++) { out[i] = fifo[this.read]; this.read = (this.read + 1) & (NS_FIFO - 1); }
    return out;
  }
  destroy() { this.rnn.destroy(); }
}
class JsMeter {
  constructor() { this.level = 0; this.gain = 1; this.noiseFloorDb = -70; this.hang = 0; this.speaking = false; }
  process(input, output, gainTarget) {
    const n = input.length;
    const g0 = this.gain, step = (gainTarget - g0) / n;
    let sum = 0, peak = 0;
    for (let i = 0; i < n; i++) {
      const s = input[i] * (g0 + step * (i + 1));
      if (output) output[i] = s;
      sum += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
    }
    this.gain = gainTarget;
    const rms = Math.sqrt(sum / n);
    const dbfs = rms > 1e-5 ? Math.max(FLOOR_DB, 20 * Math.log10(rms)) : FLOOR_DB;
    const instant = Math.min(1, Math.max(0, (dbfs + 60) / 60));
    this.level = instant > this.level ? instant : this.level * 0.95 + instant * 0.05;
    if (dbfs > FLOOR_DB) {
      // The noise floor follows quiet quanta quickly and loud ones slowly.
      this.noiseFloorDb += (dbfs - this.noiseFloorDb) * (dbfs < this.noiseFloorDb ? 0.1 : 0.001);
    }
    if (dbfs > -50 && dbfs > this.noiseFloorDb + 12) { this.speaking = true; this.hang = 75; }
    else if (this.hang > 0) { this.hang--; } else { this.speaking = false; }
    return { rms, peak, dbfs, level: this.level, clipped: peak >= 1, isSpeaking: this.speaking, gain: gainTarget };
  }
}

class NgxTrtcMeter extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = (options && options.processorOptions) || {};
    this.reportEvery = o.reportEvery || 8;
    this.gain = typeof o.gain === 'number' ? o.gain : 1;
    this.count = 0;
    this.alive = true;
    this.core = null;
    this.meterId = -1;
    this.js = new JsMeter();
    this.scratch = new Float32Array(128);
    this.last = null;
    if (o.module && bindCore) {
      try {
        sharedCore = sharedCore || bindCore(o.module);
        this.meterId = sharedCore.createMeter(sampleRate, this.gain);
        this.core = sharedCore;
      } catch (e) {
        this.core = null;
        this.port.postMessage({ type: 'warning', message: 'WASM core unavailable in worklet: ' + e });
      }
    }
    this.ns = null;
    this.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'gain') this.gain = m.value;
      else if (m.type === 'ns') this.setNoiseSuppression(m.enabled, m.module);
      else if (m.type === 'dispose') {
        this.alive = false;
        if (this.core && this.meterId >= 0) this.core.releaseMeter(this.meterId);
        this.setNoiseSuppression(false);
      }
    };
    this.port.postMessage({ type: 'ready', wasm: !!this.core });
  }

  setNoiseSuppression(enabled, module) {
    if (this.ns) { for (const d of this.ns) if (d) d.destroy(); }
    this.ns = null;
    let error;
    if (enabled) {
      try {
        if (!bindDenoiser) throw new Error('this worklet was built without RNNoise');
        if (sampleRate !== 48000) throw new Error('RNNoise needs a 48 kHz AudioContext, this one runs at ' + sampleRate + ' Hz');
        createDenoiser = createDenoiser || bindDenoiser(module);
        this.ns = [];
      } catch (e) {
        error = String(e && e.message || e);
      }
    }
    if (this.alive) this.port.postMessage({ type: 'ns', enabled: !!this.ns, error });
  }

  process(inputs, outputs) {
    if (!this.alive) return false;
    let input = inputs[0];
    const output = outputs[0];
    if (!input || input.length === 0) {
      // No input connected yet (or the track ended): report silence, keep running.
      this.report({ rms: 0, peak: 0, dbfs: FLOOR_DB, level: this.js.level *= 0.95, isSpeaking: false });
      return true;
    }
    if (this.ns) {
      // Denoised channels replace the input (stereo: one RNNoise state per channel, at most two).
      const denoised = [];
      for (let c = 0; c < Math.min(2, input.length); c++) denoised.push((this.ns[c] = this.ns[c] || new ChannelDenoiser()).process(input[c]));
      input = denoised;
    }
    const ch0 = input[0];
    const out0 = output && output[0];
    let r;
    if (this.core) {
      r = this.core.processQuantum(this.meterId, ch0, this.gain);
      if (out0) out0.set(r.samples.subarray(0, out0.length));
    } else {
      r = this.js.process(ch0, out0, this.gain);
    }
    // Further channels (stereo profiles) get the gain the meter applied; only channel 0 is measured.
    if (output) {
      const g = r.gain === undefined ? this.gain : r.gain;
      for (let c = 1; c < output.length; c++) {
        const src = input[c] || ch0, dst = output[c];
        for (let i = 0; i < dst.length; i++) dst[i] = src[i] * g;
      }
    }
    this.report(r);
    return true;
  }

  report(r) {
    if (++this.count < this.reportEvery) return;
    this.count = 0;
    this.port.postMessage({ type: 'level', level: r.level, rms: r.rms, peak: r.peak, dbfs: r.dbfs, speaking: !!r.isSpeaking });
  }
}
registerProcessor('ngx-trtc-meter', NgxTrtcMeter);
`;
