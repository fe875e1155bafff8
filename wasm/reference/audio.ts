// Plain TypeScript reference of wasm/assembly/audio.ts: the same f32 lane
// order (lane = sample index mod 8) and the same dB arithmetic, so every
// output sample and result field matches the WASM builds bit for bit.

/** dBFS reported for digital silence, and the bottom of every dB value. */
export const MIN_DBFS = -100;
/** dBFS that maps to level 0. */
export const LEVEL_FLOOR_DB = -60;
/** Lowest noise floor tracked. */
export const NOISE_FLOOR_MIN_DB = -90;
/** Speech margin over the noise floor. */
export const VAD_MARGIN_DB = 10;
/** Speech must also be louder than this. */
export const VAD_MIN_DB = -55;
/** Gain changes smaller than this snap to the target. */
export const GAIN_SNAP = 1e-4;

/** Per-quantum coefficients of a meter, derived from its sample rate. */
export interface MeterCoefficients {
  attack: number;
  release: number;
  floorDown: number;
  floorUp: number;
  gainCoef: number;
  hangoverQuanta: number;
}

/** Coefficients for a sample rate: time constants 10 ms attack, 300 ms release, 80 ms/2 s floor, 10 ms gain, 300 ms hangover. */
export function meterCoefficientsRef(sampleRate: number, quantum = 128): MeterCoefficients {
  const quantaPerSecond = sampleRate / quantum;
  const coef = (seconds: number) => 1 - Math.exp(-1 / (seconds * quantaPerSecond));
  return {
    attack: coef(0.01),
    release: coef(0.3),
    floorDown: coef(0.08),
    floorUp: coef(2),
    gainCoef: coef(0.01),
    hangoverQuanta: Math.round(0.3 * quantaPerSecond),
  };
}

/** Mutable state of one reference meter. */
export interface MeterStateRef extends MeterCoefficients {
  level: number;
  noiseFloorDb: number;
  gain: number;
  gainTarget: number;
  hangLeft: number;
  isInitialised: boolean;
  isSpeaking: boolean;
}

/** Result of one reference quantum. */
export interface QuantumResultRef {
  rms: number;
  peak: number;
  dbfs: number;
  level: number;
  clipped: number;
  isSpeaking: boolean;
  noiseFloorDb: number;
  gain: number;
}

/** A fresh meter state. */
export function createMeterStateRef(coefficients: MeterCoefficients, gain = 1): MeterStateRef {
  return {
    ...coefficients,
    level: 0,
    noiseFloorDb: NOISE_FLOOR_MIN_DB,
    gain: Math.fround(gain),
    gainTarget: gain,
    hangLeft: 0,
    isInitialised: false,
    isSpeaking: false,
  };
}

const f = Math.fround;
const bitsF32 = new Float32Array(1);
const bitsU32 = new Uint32Array(bitsF32.buffer);
const POWER_FLOOR = Math.fround(1e-10);

/** 10·log10(power) ≥ MIN_DBFS, computed exactly as the kernel does (f32 exponent + odd series for ln). */
export function powerToDbRef(power: number): number {
  if (power <= POWER_FLOOR) return MIN_DBFS;
  bitsF32[0] = power;
  const bits = bitsU32[0];
  const e = (bits >>> 23) - 127;
  bitsU32[0] = (bits & 0x7fffff) | 0x3f800000;
  const mant = bitsF32[0];
  const t = (mant - 1) / (mant + 1);
  const t2 = t * t;
  const ln = 2 * t * (1 + t2 * (0.3333333333333333 + t2 * (0.2 + t2 * (0.14285714285714285 + t2 * 0.1111111111111111))));
  const db = 3.010299956639812 * e + 4.342944819032518 * ln;
  return db < MIN_DBFS ? MIN_DBFS : db;
}

/**
 * One quantum: input[0..n) → out[0..n) with gain ramp and limiter, plus
 * levels and VAD. `gainTarget` < 0 keeps the current target.
 */
export function processQuantumRef(
  state: MeterStateRef,
  input: Float32Array,
  n: number,
  gainTarget: number,
  out: Float32Array,
  result: QuantumResultRef = createQuantumResultRef(),
): QuantumResultRef {
  if (gainTarget >= 0) state.gainTarget = gainTarget;
  const g0 = state.gain;
  const diff = state.gainTarget - g0;
  const g1 = Math.abs(diff) <= GAIN_SNAP ? f(state.gainTarget) : f(g0 + diff * state.gainCoef);
  const step = f(f(g1 - g0) / n);
  state.gain = g1;

  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let peak = 0;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    let x = input[i];
    if (!Number.isFinite(x)) x = 0;
    const g = f(g0 + f(step * (i + 1)));
    let y = f(x * g);
    if (Math.abs(y) >= 1) clipped++;
    y = Math.min(Math.max(y, -1), 1);
    out[i] = y;
    const yy = f(y * y);
    switch (i & 7) {
      case 0: s0 = f(s0 + yy); break;
      case 1: s1 = f(s1 + yy); break;
      case 2: s2 = f(s2 + yy); break;
      case 3: s3 = f(s3 + yy); break;
      case 4: s4 = f(s4 + yy); break;
      case 5: s5 = f(s5 + yy); break;
      case 6: s6 = f(s6 + yy); break;
      default: s7 = f(s7 + yy);
    }
    peak = Math.max(peak, Math.abs(y));
  }
  const a0 = f(s0 + s4), a1 = f(s1 + s5), a2 = f(s2 + s6), a3 = f(s3 + s7);
  const meanSquare = f(f(f(a0 + a1) + f(a2 + a3)) / n);
  const rms = f(Math.sqrt(meanSquare));
  const dbfs = powerToDbRef(meanSquare);

  const inst = Math.min(Math.max((dbfs - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB, 0), 1);
  state.level += (inst - state.level) * (inst > state.level ? state.attack : state.release);

  let floor = state.noiseFloorDb;
  if (!state.isInitialised) {
    floor = Math.max(dbfs, NOISE_FLOOR_MIN_DB);
    state.isInitialised = true;
  }
  const isAbove = dbfs > floor + VAD_MARGIN_DB && dbfs > VAD_MIN_DB;
  floor += (dbfs - floor) * (dbfs < floor ? state.floorDown : state.floorUp);
  state.noiseFloorDb = Math.max(floor, NOISE_FLOOR_MIN_DB);

  if (isAbove) {
    state.hangLeft = state.hangoverQuanta;
    state.isSpeaking = true;
  } else if (state.hangLeft > 0) {
    state.hangLeft -= 1;
    state.isSpeaking = true;
  } else {
    state.isSpeaking = false;
  }
  result.rms = rms;
  result.peak = peak;
  result.dbfs = dbfs;
  result.level = state.level;
  result.clipped = clipped;
  result.isSpeaking = state.isSpeaking;
  result.noiseFloorDb = state.noiseFloorDb;
  result.gain = g1;
  return result;
}

/** A zeroed result object to reuse across calls. */
export function createQuantumResultRef(): QuantumResultRef {
  return { rms: 0, peak: 0, dbfs: MIN_DBFS, level: 0, clipped: 0, isSpeaking: false, noiseFloorDb: NOISE_FLOOR_MIN_DB, gain: 1 };
}
