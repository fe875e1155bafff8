// Audio path of the media core (both builds) against the TypeScript
// reference, and the behaviour a user hears or sees on a meter.
import type { MediaCore } from '../../projects/ngx-trtc/src/lib/media/wasm/media-core';
import { METER_SLOTS } from '../../projects/ngx-trtc/src/lib/media/wasm/media-core';
import {
  createMeterStateRef,
  meterCoefficientsRef,
  powerToDbRef,
  processQuantumRef,
} from '../reference/audio';
import { BUILDS, loadBothCores, prng } from './support';

const SAMPLE_RATE = 48000;
const QUANTA_PER_SECOND = SAMPLE_RATE / 128;

/** A quantum of a sine tone at `amplitude`, continuing phase from quantum index `q`. */
function tone(q: number, amplitude: number, hz = 440, n = 128): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * (q * n + i)) / SAMPLE_RATE);
  return out;
}

/** A quantum of uniform white noise at `amplitude`. */
function noise(rand: () => number, amplitude: number, n = 128): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * (rand() * 2 - 1);
  return out;
}

describe('media core audio', () => {
  let cores: { simd: MediaCore; scalar: MediaCore };
  const meters: number[] = [];
  beforeAll(async () => {
    cores = await loadBothCores();
  });
  afterEach(() => {
    for (const build of BUILDS) for (const id of meters) cores[build].releaseMeter(id);
    meters.length = 0;
  });
  const meter = (core: MediaCore, options?: Parameters<MediaCore['createMeter']>[0]) => {
    const id = core.createMeter(options);
    meters.push(id);
    return id;
  };

  for (const build of BUILDS) {
    describe(build, () => {
      it('matches the reference bit for bit: samples, rms, peak, dBFS, level, clipped, VAD, noise floor, gain', () => {
        const core = cores[build];
        const rand = prng(21);
        const failures: string[] = [];
        for (const sampleRate of [8000, 44100, 48000, 96000]) {
          const id = meter(core, { sampleRate });
          const state = createMeterStateRef(meterCoefficientsRef(sampleRate));
          const expectedOut = new Float32Array(128);
          for (let q = 0; q < 400; q++) {
            const n = q % 7 === 3 ? 1 + Math.floor(rand() * 128) : 128;
            const kind = Math.floor(q / 40) % 4;
            const amplitude = [0.001, 0.3, 1.4, 0][kind] * (0.5 + rand());
            const samples = rand() < 0.5 ? noise(rand, amplitude, n) : tone(q, amplitude, 300, n);
            const gain = q % 25 === 0 ? rand() * 3 : undefined;
            const r = core.processQuantum(id, samples, gain);
            const e = processQuantumRef(state, samples, n, gain ?? -1, expectedOut);
            const label = `rate ${sampleRate} quantum ${q}`;
            for (let i = 0; i < n; i++) {
              if (!Object.is(core.audioOut[i], expectedOut[i])) {
                failures.push(`${label} sample ${i}: ${core.audioOut[i]} vs ${expectedOut[i]}`);
                break;
              }
            }
            if (r.rms !== e.rms || r.peak !== e.peak || r.clipped !== e.clipped || r.isSpeaking !== e.isSpeaking
              || r.gain !== e.gain) {
              failures.push(`${label}: ${JSON.stringify(r)} vs ${JSON.stringify(e)}`);
            }
            for (const key of ['dbfs', 'level', 'noiseFloorDb'] as const) {
              if (!Object.is(r[key], e[key])) failures.push(`${label} ${key}: ${r[key]} vs ${e[key]}`);
            }
            if (failures.length > 5) break;
          }
        }
        expect(failures).toEqual([]);
      });

      it('treats NaN and ±Infinity samples as silence, with a defined result', () => {
        const core = cores[build];
        const id = meter(core);
        const samples = tone(0, 0.5);
        samples[3] = NaN;
        samples[64] = Infinity;
        samples[127] = -Infinity;
        const r = core.processQuantum(id, samples);
        expect(core.audioOut[3]).toBe(0);
        expect(core.audioOut[64]).toBe(0);
        expect(core.audioOut[127]).toBe(0);
        expect(Array.from(core.audioOut).every(Number.isFinite)).toBeTrue();
        for (const v of [r.rms, r.peak, r.dbfs, r.level, r.noiseFloorDb]) expect(Number.isFinite(v)).toBeTrue();
        const all = core.processQuantum(id, new Float32Array(128).fill(NaN));
        expect(all.rms).toBe(0);
        expect(all.dbfs).toBe(-100);
      });

      it('limits clipping input to ±1 and counts the clipped samples', () => {
        const core = cores[build];
        const id = meter(core);
        const samples = tone(0, 1.5);
        const r = core.processQuantum(id, samples);
        expect(Math.max(...Array.from(core.audioOut, Math.abs))).toBe(1);
        expect(r.peak).toBe(1);
        expect(r.clipped).toBe(Array.from(samples).filter((s) => Math.abs(s) >= 1).length);
        expect(r.clipped).toBeGreaterThan(0);
      });

      it('keeps |out| ≤ 1 and finite at the largest gain, on loud noise and on silence', () => {
        const core = cores[build];
        const rand = prng(26);
        const id = meter(core, { gain: 100 });
        for (let q = 0; q < 20; q++) {
          const samples = q % 2 ? noise(rand, 0.9) : new Float32Array(128);
          const r = core.processQuantum(id, samples, 100);
          for (const s of core.audioOut) expect(Math.abs(s)).toBeLessThanOrEqual(1);
          expect(Number.isFinite(r.rms)).toBeTrue();
        }
      });

      it('keeps |out| ≤ 1 with gain 4 on loud noise', () => {
        const core = cores[build];
        const rand = prng(22);
        const id = meter(core, { gain: 4 });
        for (let q = 0; q < 50; q++) {
          core.processQuantum(id, noise(rand, 0.9));
          for (const s of core.audioOut) expect(Math.abs(s)).toBeLessThanOrEqual(1);
        }
      });

      it('ramps a gain change without a step larger than 0.01 between samples', () => {
        const core = cores[build];
        const id = meter(core, { gain: 0 });
        const dc = new Float32Array(128).fill(0.5);
        let previous = 0;
        let largestStep = 0;
        for (let q = 0; q < 200; q++) {
          const target = q < 100 ? 1 : 0.2;
          core.processQuantum(id, dc, target);
          for (const s of core.audioOut) {
            largestStep = Math.max(largestStep, Math.abs(s - previous));
            previous = s;
          }
        }
        expect(largestStep).toBeLessThan(0.01);
        expect(previous).toBeCloseTo(0.1, 6);
      });

      it('raises the level in a tone burst and lets it decay in silence', () => {
        const core = cores[build];
        const id = meter(core);
        const silence = new Float32Array(128);
        for (let q = 0; q < 50; q++) core.processQuantum(id, silence);
        expect(core.processQuantum(id, silence).level).toBe(0);
        let level = 0;
        for (let q = 0; q < 40; q++) level = core.processQuantum(id, tone(q, 0.5)).level; // ~107 ms
        expect(level).toBeGreaterThan(0.85);
        const afterBurst = core.processQuantum(id, silence).level;
        let late = afterBurst;
        for (let q = 0; q < QUANTA_PER_SECOND; q++) late = core.processQuantum(id, silence).level;
        expect(afterBurst).toBeGreaterThan(0.8); // release is slow: no flicker
        expect(late).toBeLessThan(0.05);
        const r = core.processQuantum(id, tone(0, 0.5));
        expect(r.volume).toBe(Math.round(r.level * 100)); // the audio-volume event's 0–100
      });

      it('detects a speech-like burst over noise, holds it briefly, then goes quiet', () => {
        const core = cores[build];
        const rand = prng(23);
        const id = meter(core);
        for (let q = 0; q < 2 * QUANTA_PER_SECOND; q++) core.processQuantum(id, noise(rand, 0.01)); // −45 dBFS
        expect(core.processQuantum(id, noise(rand, 0.01)).isSpeaking).toBeFalse();
        let speakingQuanta = 0;
        for (let q = 0; q < 100; q++) {
          // Syllable-like amplitude modulation of a tone, plus the noise.
          const env = 0.3 * Math.abs(Math.sin((Math.PI * q) / 25));
          const s = tone(q, env, 180);
          const n = noise(rand, 0.01);
          for (let i = 0; i < 128; i++) s[i] += n[i];
          if (core.processQuantum(id, s).isSpeaking) speakingQuanta++;
        }
        expect(speakingQuanta).toBeGreaterThan(90);
        let stillSpeaking = 0;
        for (let q = 0; q < QUANTA_PER_SECOND; q++) if (core.processQuantum(id, noise(rand, 0.01)).isSpeaking) stillSpeaking++;
        expect(stillSpeaking).toBeGreaterThan(0.2 * QUANTA_PER_SECOND); // hangover ~300 ms
        expect(stillSpeaking).toBeLessThan(0.4 * QUANTA_PER_SECOND);
        expect(core.processQuantum(id, noise(rand, 0.01)).noiseFloorDb).toBeCloseTo(-45, -1);
      });

      it('stops reporting speech on a new steady noise once the floor adapts', () => {
        const core = cores[build];
        const rand = prng(24);
        const id = meter(core);
        for (let q = 0; q < QUANTA_PER_SECOND; q++) core.processQuantum(id, new Float32Array(128));
        let last = core.processQuantum(id, noise(rand, 0.05)); // a fan at −32 dBFS switches on
        for (let q = 0; q < 8 * QUANTA_PER_SECOND; q++) last = core.processQuantum(id, noise(rand, 0.05));
        expect(last.isSpeaking).toBeFalse();
        expect(last.noiseFloorDb).toBeGreaterThan(-40);
      });

      it('keeps meters independent', () => {
        const core = cores[build];
        const rand = prng(25);
        const a = meter(core);
        const b = meter(core);
        const loud = Array.from({ length: 30 }, (_, q) => tone(q, 0.8));
        const quiet = Array.from({ length: 30 }, () => noise(rand, 0.001));
        let levelA = 0;
        let levelB = 0;
        for (let q = 0; q < 30; q++) {
          levelA = core.processQuantum(a, loud[q]).level;
          levelB = core.processQuantum(b, quiet[q]).level;
        }
        const alone = meter(core);
        let levelAlone = 0;
        for (let q = 0; q < 30; q++) levelAlone = core.processQuantum(alone, quiet[q]).level;
        expect(levelB).toBe(levelAlone);
        expect(levelA).toBeGreaterThan(0.9);
      });
    });
  }

  it('computes dBFS within 1e-4 dB of 10·log10 over the whole range', () => {
    let worst = 0;
    for (let db = -99; db <= 0; db += 0.37) {
      const power = Math.fround(10 ** (db / 10));
      worst = Math.max(worst, Math.abs(powerToDbRef(power) - 10 * Math.log10(power)));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(powerToDbRef(0)).toBe(-100);
  });

  describe('bad input', () => {
    it('hands out 64 meters, then throws a RangeError until one is released', () => {
      const core = cores.simd;
      for (let i = 0; i < METER_SLOTS; i++) meter(core);
      expect(() => core.createMeter()).toThrowError(RangeError, /all 64 meters/);
      core.releaseMeter(meters[10]);
      expect(core.createMeter()).toBe(meters[10]);
    });

    it('rejects unknown meters, bad quantum lengths, bad gains and bad sample rates', () => {
      const core = cores.scalar;
      const id = meter(core);
      expect(() => core.processQuantum(63, new Float32Array(128))).toThrowError(RangeError, /meter 63/);
      expect(() => core.processQuantum(-1, new Float32Array(128))).toThrowError(RangeError, /meter/);
      expect(() => core.processQuantum(id, new Float32Array(0))).toThrowError(RangeError, /1…128 samples/);
      expect(() => core.processQuantum(id, new Float32Array(129))).toThrowError(RangeError, /1…128 samples/);
      expect(() => core.processQuantum(id, new Float32Array(128), NaN)).toThrowError(RangeError, /gain/);
      expect(() => core.processQuantum(id, new Float32Array(128), -1)).toThrowError(RangeError, /gain/);
      expect(() => core.processQuantum(id, new Float32Array(128), Infinity)).toThrowError(RangeError, /gain/);
      expect(() => core.processQuantum(id, new Float32Array(128), 101)).toThrowError(RangeError, /gain/);
      expect(() => core.createMeter({ gain: 1e40 })).toThrowError(RangeError, /gain/);
      expect(() => core.createMeter({ sampleRate: NaN })).toThrowError(RangeError, /sampleRate/);
    });

    it('processes the audioIn view in place without a copy', () => {
      const core = cores.simd;
      const id = meter(core);
      core.audioIn.fill(0.25);
      const r = core.processQuantum(id);
      expect(r.rms).toBe(0.25);
      expect(core.audioOut[127]).toBe(0.25);
    });
  });
});
