/**
 * A real test signal for noise suppression: a voice (espeak-ng) with silent
 * gaps, steady noise (sox), mixed at a chosen SNR into a 48 kHz WAV that
 * Chromium plays as its fake microphone (`--use-file-for-fake-audio-capture`),
 * and the estimator that measures the SNR of what a receiver got.
 *
 * The estimate is energy-based, because a waveform comparison would mostly
 * measure Opus's coding error: see {@link estimateSnr}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Samples per second of the signal (RNNoise's rate, Opus's rate). */
export const RATE = 48000;
/** Samples per analysis frame: 10 ms. */
export const FRAME = 480;

const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Please call Stella and ask her to bring these things with her from the store.',
  'Noise suppression keeps the voice and removes the hiss.',
];

/** The files and facts of one generated signal. */
export interface NoisySpeech {
  /** The WAV Chromium plays: voice + noise. */
  mixPath: string;
  /** The voice alone, 48 kHz mono, −1…1. */
  clean: Float32Array;
  /** The mix, as written. */
  mix: Float32Array;
  /** The SNR the mix was made with, over speech frames (dB). */
  designedSnrDb: number;
}

/** Whether espeak-ng and sox are installed (scripts/lib.sh ensure_audio_tools). */
export function haveAudioTools(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Speaks the sentences with 0.8 s of silence after each, makes pink noise of
 * the same length with sox, and mixes them so the noise sits `snrDb` below
 * the speech (mean power of speech frames over mean noise power).
 */
export function makeNoisySpeech(dir: string, snrDb = 5): NoisySpeech {
  mkdirSync(dir, { recursive: true });
  const parts: string[] = [];
  SENTENCES.forEach((text, i) => {
    const raw = join(dir, `sentence-${i}.raw.wav`);
    const part = join(dir, `sentence-${i}.wav`);
    execFileSync('espeak-ng', ['-v', 'en', '-s', '150', '-w', raw, text]);
    execFileSync('sox', [raw, '-r', String(RATE), '-c', '1', '-b', '16', part, 'gain', '-3', 'pad', i === 0 ? '0.6' : '0', '0.8']);
    parts.push(part);
  });
  const speechPath = join(dir, 'speech.wav');
  execFileSync('sox', [...parts, speechPath]);
  const clean = readWav(speechPath);
  const seconds = (clean.length / RATE).toFixed(3);
  const noisePath = join(dir, 'noise.wav');
  execFileSync('sox', ['-n', '-r', String(RATE), '-c', '1', '-b', '16', noisePath, 'synth', seconds, 'pinknoise', 'vol', '0.5']);
  const noise = readWav(noisePath).subarray(0, clean.length);

  const speechPower = mean(frameSpeechMask(clean).flatMap((isSpeech, f) => (isSpeech ? [framePower(clean, f)] : [])));
  const noisePower = mean(Array.from(noise, (s) => s * s));
  const gain = Math.sqrt(speechPower / (noisePower * 10 ** (snrDb / 10)));
  const mix = new Float32Array(clean.length);
  let peak = 0;
  for (let i = 0; i < mix.length; i++) {
    mix[i] = clean[i] + noise[i] * gain;
    peak = Math.max(peak, Math.abs(mix[i]));
  }
  // Headroom against clipping; the ratio between voice and noise is unchanged.
  const scale = peak > 0.9 ? 0.9 / peak : 1;
  for (let i = 0; i < mix.length; i++) mix[i] *= scale;
  for (let i = 0; i < clean.length; i++) clean[i] *= scale;
  const mixPath = join(dir, 'noisy-speech.wav');
  writeWav(mixPath, mix);
  return { mixPath, clean, mix, designedSnrDb: snrDb };
}

/** Mean power of each 10 ms frame. */
export function framePowers(samples: ArrayLike<number>): number[] {
  const n = Math.floor(samples.length / FRAME);
  return Array.from({ length: n }, (_, f) => framePower(samples, f));
}

/** Which frames of the clean voice carry speech (within 20 dB of its loudest frame). */
export function frameSpeechMask(clean: ArrayLike<number>): boolean[] {
  const powers = framePowers(clean);
  const top = Math.max(...powers);
  return powers.map((p) => p > top * 1e-2);
}

/** The estimate and how it was made. */
export interface SnrEstimate {
  snrDb: number;
  /** Mean power of the loudest frames (speech, with the noise under it), dB full scale. */
  speechDb: number;
  /** Mean power of the quietest frames (the pauses: noise only), dB full scale. */
  noiseDb: number;
  /** Frames used as speech and as noise. */
  speechFrames: number;
  noiseFrames: number;
}

/** Share of frames taken as noise: the quietest (the pauses are 34 % of the signal). */
export const NOISE_SHARE = 0.2;
/** Share of frames taken as speech: the loudest (speech is 47 % of the signal). */
export const SPEECH_SHARE = 0.4;

/**
 * SNR from the distribution of 10 ms frame powers, with no reference: the
 * quietest {@link NOISE_SHARE} of the frames are the pauses between
 * sentences (noise only), the loudest {@link SPEECH_SHARE} are speech;
 * SNR = (P_speech − P_noise) / P_noise. The signal's pauses and speech are
 * each a larger share than that, so the split holds wherever the recording
 * starts, and needs no alignment with the file. (An alignment against the
 * clean voice was tried first: on the loaded test machine the fake
 * microphone and the receiver's jitter buffer stretch time by up to 25 % in
 * a few seconds, and the alignment lost track.) Frames the receiver got as
 * digital silence (concealment) are left out: they would flatter the noise.
 */
export function estimateSnr(framePowerValues: number[]): SnrEstimate {
  const sorted = framePowerValues.filter((p) => p > 0).sort((a, b) => a - b);
  const noise = sorted.slice(0, Math.floor(sorted.length * NOISE_SHARE));
  const speech = sorted.slice(Math.ceil(sorted.length * (1 - SPEECH_SHARE)));
  const pn = mean(noise);
  const ps = mean(speech);
  return {
    snrDb: 10 * Math.log10(Math.max(ps - pn, 1e-12) / Math.max(pn, 1e-12)),
    speechDb: toDb(ps),
    noiseDb: toDb(pn),
    speechFrames: speech.length,
    noiseFrames: noise.length,
  };
}

/** Reads a 16-bit PCM mono WAV (the `data` chunk, wherever it is). */
export function readWav(path: string): Float32Array {
  const buf = readFileSync(path);
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      const channels = buf.readUInt16LE(offset + 10);
      const bits = buf.readUInt16LE(offset + 22);
      if (channels !== 1 || bits !== 16) throw new Error(`${path}: expected 16-bit mono, got ${bits}-bit × ${channels}`);
    }
    if (id === 'data') {
      const n = Math.min(size, buf.length - offset - 8) >> 1;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(offset + 8 + i * 2) / 32768;
      return out;
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Writes 16-bit PCM mono WAV at {@link RATE}. */
export function writeWav(path: string, samples: Float32Array): void {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
  if (!existsSync(path)) throw new Error(`could not write ${path}`);
}

function framePower(samples: ArrayLike<number>, f: number): number {
  let sum = 0;
  for (let i = f * FRAME; i < (f + 1) * FRAME; i++) sum += samples[i] * samples[i];
  return sum / FRAME;
}

function toDb(p: number): number {
  return 10 * Math.log10(Math.max(p, 1e-10));
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
