/**
 * Mixes the audio of the layout's streams into one PCM stream for the
 * encoder: each input is converted to the output rate and channel count as
 * it arrives (libwebrtc's sinks deliver 10 ms chunks at the rate the
 * decoder chose, 16 kHz–48 kHz), queued with a small jitter buffer, and
 * summed with clipping one chunk at a time on the egress clock.
 *
 * Why by hand: ffmpeg's amix needs a fixed set of inputs when it starts;
 * participants come and go during a recording.
 */

/** A chunk of PCM as @roamhq/wrtc's RTCAudioSink delivers it (interleaved s16). */
export interface PcmChunk {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  readonly channelCount: number;
  readonly numberOfFrames: number;
}

/** Jitter-buffer and bound settings. */
export interface MixerOptions {
  /** Queued audio before an input is mixed (again, after running dry). */
  readonly prebufferMs: number;
  /** An input queued longer than this loses its oldest audio (bounded latency). */
  readonly maxQueueMs: number;
}

const DEFAULTS: MixerOptions = { prebufferMs: 60, maxQueueMs: 400 };

/** One input's queue at the output format, with its resampler state. */
class InputQueue {
  private readonly _buf: Int16Array;
  private _start = 0;
  private _length = 0;
  /** Waiting for the prebuffer to fill. */
  isPriming = true;
  /** Resampler: where the next output frame falls in the next chunk (-1 = this chunk's last frame). */
  private _pos = 0;
  private readonly _last: number[];

  constructor(
    private readonly _channels: number,
    capacityFrames: number,
  ) {
    this._buf = new Int16Array(capacityFrames * _channels);
    this._last = new Array<number>(_channels).fill(0);
  }

  /** Frames queued. */
  get frames(): number {
    return this._length / this._channels;
  }

  /** Converts `chunk` (any rate, 1 or 2 channels) to the output format and appends it, dropping the oldest on overflow. */
  push(chunk: PcmChunk, outRate: number): void {
    const inCh = Math.max(1, chunk.channelCount);
    const frames = Math.min(chunk.numberOfFrames, Math.floor(chunk.samples.length / inCh));
    if (frames <= 0 || chunk.sampleRate <= 0) return;
    const outCh = this._channels;
    const samples = chunk.samples;
    // Frame f of this chunk on output channel c; f = -1 is the previous chunk's last frame.
    const valueAt = (f: number, c: number): number => {
      if (f < 0) return this._last[c]!;
      const base = f * inCh;
      if (inCh === 1) return samples[base]!;
      return outCh === 1 ? (samples[base]! + samples[base + 1]!) / 2 : samples[base + Math.min(c, 1)]!;
    };
    // Linear interpolation: cheap, and enough for speech mixed into a 64 kbit/s AAC stream.
    const step = chunk.sampleRate / outRate;
    let pos = this._pos;
    while (pos <= frames - 1) {
      const i = Math.floor(pos);
      const frac = pos - i;
      for (let c = 0; c < outCh; c++) {
        const s0 = valueAt(i, c);
        this._append(frac > 0 ? Math.round(s0 + (valueAt(i + 1, c) - s0) * frac) : Math.round(s0));
      }
      pos += step;
    }
    this._pos = pos - frames;
    for (let c = 0; c < outCh; c++) this._last[c] = valueAt(frames - 1, c);
  }

  /** Adds up to `frames` queued frames into `acc` (interleaved); returns how many it had. */
  mixInto(acc: Int32Array, frames: number): number {
    const n = Math.min(frames, this.frames) * this._channels;
    const cap = this._buf.length;
    for (let k = 0; k < n; k++) acc[k]! += this._buf[(this._start + k) % cap]!;
    this._start = (this._start + n) % cap;
    this._length -= n;
    return n / this._channels;
  }

  private _append(sample: number): void {
    const cap = this._buf.length;
    if (this._length === cap) {
      // Full: the oldest goes, so latency stays bounded when the egress clock runs behind the sender's.
      this._start = (this._start + this._channels) % cap;
      this._length -= this._channels;
    }
    this._buf[(this._start + this._length) % cap] = sample;
    this._length++;
  }
}

/** Mixes any number of inputs into fixed-size chunks of interleaved s16. */
export class AudioMixer {
  /** Frames per chunk pulled. */
  readonly chunkFrames: number;
  private readonly _inputs = new Map<string, InputQueue>();
  private readonly _options: MixerOptions;
  private readonly _acc: Int32Array;

  constructor(
    readonly sampleRate: number,
    readonly channels: 1 | 2,
    chunkMs = 20,
    options: Partial<MixerOptions> = {},
  ) {
    this._options = { ...DEFAULTS, ...options };
    this.chunkFrames = Math.round((sampleRate * chunkMs) / 1000);
    this._acc = new Int32Array(this.chunkFrames * channels);
  }

  /** Keeps only these inputs (others are dropped with their queues). */
  setInputs(ids: Iterable<string>): void {
    const wanted = new Set(ids);
    for (const id of this._inputs.keys()) if (!wanted.has(id)) this._inputs.delete(id);
    for (const id of wanted) {
      if (!this._inputs.has(id)) this._inputs.set(id, new InputQueue(this.channels, Math.ceil((this.sampleRate * this._options.maxQueueMs) / 1000)));
    }
  }

  /** Queues audio of an input (ignored unless it is one of {@link setInputs}). */
  push(id: string, chunk: PcmChunk): void {
    this._inputs.get(id)?.push(chunk, this.sampleRate);
  }

  /** One chunk of the mix: the sum of every primed input, clipped; silence where none has audio. */
  pull(): Int16Array {
    const acc = this._acc;
    acc.fill(0);
    const prebuffer = Math.round((this.sampleRate * this._options.prebufferMs) / 1000);
    for (const input of this._inputs.values()) {
      if (input.isPriming) {
        if (input.frames < prebuffer) continue;
        input.isPriming = false;
      }
      // Ran dry: wait for the prebuffer again rather than crackle chunk by chunk.
      if (input.mixInto(acc, this.chunkFrames) < this.chunkFrames) input.isPriming = true;
    }
    const out = new Int16Array(acc.length);
    for (let k = 0; k < acc.length; k++) out[k] = Math.max(-32768, Math.min(32767, acc[k]!));
    return out;
  }
}
