// Audio levels, voice-activity detection and capture gain on one quantum.
//
// Sample math is f32 with eight partial sums (lane = sample index mod 8) in
// both builds, decibels come from powerToDb (no Math.log10), smoothing is f64:
// the SIMD and scalar builds and the TypeScript reference agree bit for bit on
// every output sample and every result field.
//
// Meter slot layout (f64 index inside the 128-byte slot):
//   0 level (0–1, smoothed)   1 noise floor dB   2 gain (current)
//   3 gain target             4 hangover left    5 attack coefficient
//   6 release coefficient     7 floor-down coef  8 floor-up coef
//   9 gain coefficient       10 hangover quanta 11 initialised (0/1)
//  12 isSpeaking (0/1)
import { AUDIO_IN, AUDIO_OUT, AUDIO_RESULT, METER_STATE, METER_STRIDE } from './layout';

const S_LEVEL = 0;
const S_FLOOR = 1;
const S_GAIN = 2;
const S_TARGET = 3;
const S_HANG = 4;
const S_ATTACK = 5;
const S_RELEASE = 6;
const S_FLOOR_DOWN = 7;
const S_FLOOR_UP = 8;
const S_GAIN_COEF = 9;
const S_HANGOVER = 10;
const S_INIT = 11;
const S_SPEAKING = 12;

/** dBFS reported for digital silence, and the bottom of every dB value. */
export const MIN_DBFS: f64 = -100;
/** dBFS that maps to level 0; 0 dBFS maps to level 1. */
export const LEVEL_FLOOR_DB: f64 = -60;
/** Lowest noise floor the VAD tracks. */
export const NOISE_FLOOR_MIN_DB: f64 = -90;
/** A quantum is speech when louder than noise floor + this margin… */
export const VAD_MARGIN_DB: f64 = 10;
/** …and louder than this absolute level. */
export const VAD_MIN_DB: f64 = -55;
/** Gain changes smaller than this snap to the target. */
export const GAIN_SNAP: f64 = 1e-4;

/**
 * 10·log10(power) in dB, ≥ MIN_DBFS: exponent from the f32 bits plus an odd
 * series for ln of the mantissa (error < 1e-5 dB). The reference runs the
 * same f64 operations, so both agree bit for bit (Math.log10 would not).
 */
@inline function powerToDb(power: f32): f64 {
  if (power <= <f32>1e-10) return MIN_DBFS;
  const bits = reinterpret<u32>(power);
  const e = <f64>(<i32>(bits >> 23) - 127);
  const mant = <f64>reinterpret<f32>((bits & 0x7fffff) | 0x3f800000);
  const t = (mant - 1) / (mant + 1);
  const t2 = t * t;
  const ln = 2 * t * (1 + t2 * (0.3333333333333333 + t2 * (0.2 + t2 * (0.14285714285714285 + t2 * 0.1111111111111111))));
  const db = 3.010299956639812 * e + 4.342944819032518 * ln;
  return db < MIN_DBFS ? MIN_DBFS : db;
}

@inline function slot(id: i32): usize {
  return METER_STATE + <usize>(id * METER_STRIDE);
}
@inline function getS(s: usize, field: i32): f64 {
  return load<f64>(s + (<usize>field << 3));
}
@inline function setS(s: usize, field: i32, v: f64): void {
  store<f64>(s + (<usize>field << 3), v);
}

/** Resets a meter slot with coefficients computed by the caller for its sample rate. */
export function meterInit(
  id: i32, attack: f64, release: f64, floorDown: f64, floorUp: f64,
  gainCoef: f64, hangoverQuanta: f64, gain: f64,
): void {
  const s = slot(id);
  memory.fill(s, 0, METER_STRIDE);
  setS(s, S_FLOOR, NOISE_FLOOR_MIN_DB);
  setS(s, S_GAIN, <f64><f32>gain);
  setS(s, S_TARGET, gain);
  setS(s, S_ATTACK, attack);
  setS(s, S_RELEASE, release);
  setS(s, S_FLOOR_DOWN, floorDown);
  setS(s, S_FLOOR_UP, floorUp);
  setS(s, S_GAIN_COEF, gainCoef);
  setS(s, S_HANGOVER, hangoverQuanta);
}

/**
 * Processes AUDIO_IN[0..n) through meter `id`: writes AUDIO_OUT and
 * AUDIO_RESULT. `gainTarget` < 0 keeps the meter's current target.
 */
export function processQuantum(id: i32, n: i32, gainTarget: f64): void {
  const s = slot(id);
  if (gainTarget >= 0) setS(s, S_TARGET, gainTarget);
  const target = getS(s, S_TARGET);
  const g0 = <f32>getS(s, S_GAIN);
  const diff = target - <f64>g0;
  let g1: f32;
  if (Math.abs(diff) <= GAIN_SNAP) g1 = <f32>target;
  else g1 = <f32>(<f64>g0 + diff * getS(s, S_GAIN_COEF));
  const step: f32 = (g1 - g0) / <f32>n;
  setS(s, S_GAIN, <f64>g1);

  // Zero the tail up to a multiple of 8: zeros add nothing to any lane.
  const m = (n + 7) & ~7;
  for (let i = n; i < m; i++) store<f32>(AUDIO_IN + (<usize>i << 2), 0);

  // Eight partial sums of y² (lane = sample index mod 8): two independent
  // SIMD accumulators, so the loop is not bound by one add chain.
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let peak: f32 = 0;
  let clipped: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    let accA = f32x4.splat(0);
    let accB = f32x4.splat(0);
    let pkA = f32x4.splat(0);
    let pkB = f32x4.splat(0);
    let clip = i32x4.splat(0);
    const one = f32x4.splat(1);
    const minusOne = f32x4.splat(-1);
    const zero = f32x4.splat(0);
    const g0v = f32x4.splat(g0);
    // A steady gain (no ramp this quantum) needs no per-sample gain vector:
    // g0 + 0 · idx is exactly g0.
    const isRamp = step != 0;
    const stepv = f32x4.splat(step);
    let idxA = f32x4(1, 2, 3, 4);
    let idxB = f32x4(5, 6, 7, 8);
    const eight = f32x4.splat(8);
    for (let i = 0; i < m; i += 8) {
      const p = AUDIO_IN + (<usize>i << 2);
      const q = AUDIO_OUT + (<usize>i << 2);
      let xa = v128.load(p);
      let xb = v128.load(p, 16);
      // x - x is 0 for finite x and NaN for NaN/±Inf: those become 0.
      xa = v128.and(xa, f32x4.eq(f32x4.sub(xa, xa), zero));
      xb = v128.and(xb, f32x4.eq(f32x4.sub(xb, xb), zero));
      let ya: v128, yb: v128;
      if (isRamp) {
        ya = f32x4.mul(xa, f32x4.add(g0v, f32x4.mul(stepv, idxA)));
        yb = f32x4.mul(xb, f32x4.add(g0v, f32x4.mul(stepv, idxB)));
        idxA = f32x4.add(idxA, eight);
        idxB = f32x4.add(idxB, eight);
      } else {
        ya = f32x4.mul(xa, g0v);
        yb = f32x4.mul(xb, g0v);
      }
      // pmin/pmax are one instruction each; there is no NaN left here.
      ya = f32x4.pmin(f32x4.pmax(ya, minusOne), one);
      yb = f32x4.pmin(f32x4.pmax(yb, minusOne), one);
      v128.store(q, ya);
      v128.store(q, yb, 16);
      accA = f32x4.add(accA, f32x4.mul(ya, ya));
      accB = f32x4.add(accB, f32x4.mul(yb, yb));
      // |clamped y| == 1 exactly when |y| ≥ 1: the clipped samples.
      const aa = f32x4.abs(ya);
      const ab = f32x4.abs(yb);
      clip = i32x4.add(clip, i32x4.add(f32x4.eq(aa, one), f32x4.eq(ab, one)));
      pkA = f32x4.pmax(pkA, aa);
      pkB = f32x4.pmax(pkB, ab);
    }
    const acc = f32x4.add(accA, accB);
    s0 = f32x4.extract_lane(acc, 0);
    s1 = f32x4.extract_lane(acc, 1);
    s2 = f32x4.extract_lane(acc, 2);
    s3 = f32x4.extract_lane(acc, 3);
    const pk = f32x4.pmax(pkA, pkB);
    const p0 = f32x4.extract_lane(pk, 0), p1 = f32x4.extract_lane(pk, 1);
    const p2 = f32x4.extract_lane(pk, 2), p3 = f32x4.extract_lane(pk, 3);
    const p01 = p0 < p1 ? p1 : p0;
    const p23 = p2 < p3 ? p3 : p2;
    peak = p01 < p23 ? p23 : p01;
    clipped = -(i32x4.extract_lane(clip, 0) + i32x4.extract_lane(clip, 1)
      + i32x4.extract_lane(clip, 2) + i32x4.extract_lane(clip, 3));
  } else {
    for (let i = 0; i < m; i++) {
      let x = load<f32>(AUDIO_IN + (<usize>i << 2));
      if (x - x != 0) x = 0;
      let y: f32 = x * (g0 + step * <f32>(i + 1));
      const ay = Mathf.abs(y);
      if (ay >= 1) clipped++;
      y = y < -1 ? -1 : y;
      y = 1 < y ? 1 : y;
      store<f32>(AUDIO_OUT + (<usize>i << 2), y);
      const a = Mathf.abs(y);
      peak = peak < a ? a : peak;
    }
    // Squares in the same lane order as the SIMD build (lane = index mod 8).
    for (let i = 0; i < m; i += 8) {
      const q = AUDIO_OUT + (<usize>i << 2);
      let y = load<f32>(q);
      s0 += y * y;
      y = load<f32>(q, 4);
      s1 += y * y;
      y = load<f32>(q, 8);
      s2 += y * y;
      y = load<f32>(q, 12);
      s3 += y * y;
      y = load<f32>(q, 16);
      s4 += y * y;
      y = load<f32>(q, 20);
      s5 += y * y;
      y = load<f32>(q, 24);
      s6 += y * y;
      y = load<f32>(q, 28);
      s7 += y * y;
    }
    s0 += s4;
    s1 += s5;
    s2 += s6;
    s3 += s7;
  }
  const meanSquare: f32 = ((s0 + s1) + (s2 + s3)) / <f32>n;
  const rms: f32 = Mathf.sqrt(meanSquare);
  const dbfs = powerToDb(meanSquare);

  let inst = (dbfs - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB;
  inst = Math.min(Math.max(inst, 0), 1);
  let level = getS(s, S_LEVEL);
  level += (inst - level) * (inst > level ? getS(s, S_ATTACK) : getS(s, S_RELEASE));
  setS(s, S_LEVEL, level);

  let floor = getS(s, S_FLOOR);
  if (getS(s, S_INIT) == 0) {
    floor = Math.max(dbfs, NOISE_FLOOR_MIN_DB);
    setS(s, S_INIT, 1);
  }
  const isAbove = dbfs > floor + VAD_MARGIN_DB && dbfs > VAD_MIN_DB;
  floor += (dbfs - floor) * (dbfs < floor ? getS(s, S_FLOOR_DOWN) : getS(s, S_FLOOR_UP));
  floor = Math.max(floor, NOISE_FLOOR_MIN_DB);
  setS(s, S_FLOOR, floor);

  let hang = getS(s, S_HANG);
  let speaking: f64 = 0;
  if (isAbove) {
    hang = getS(s, S_HANGOVER);
    speaking = 1;
  } else if (hang > 0) {
    hang -= 1;
    speaking = 1;
  }
  setS(s, S_HANG, hang);
  setS(s, S_SPEAKING, speaking);

  store<f64>(AUDIO_RESULT, <f64>rms);
  store<f64>(AUDIO_RESULT, <f64>peak, 8);
  store<f64>(AUDIO_RESULT, dbfs, 16);
  store<f64>(AUDIO_RESULT, level, 24);
  store<f64>(AUDIO_RESULT, <f64>clipped, 32);
  store<f64>(AUDIO_RESULT, speaking, 40);
  store<f64>(AUDIO_RESULT, floor, 48);
  store<f64>(AUDIO_RESULT, <f64>g1, 56);
}
