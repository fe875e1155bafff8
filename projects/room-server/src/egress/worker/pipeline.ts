/**
 * The egress pipeline inside the worker: on its own clock it composes a
 * picture from the latest frame of each tile's stream and pulls a chunk of
 * mixed audio, writes both to the ffmpeg encoder, and fans the encoder's
 * MPEG-TS out to one remuxer per output.
 *
 * Frames and samples are written on the clock, not as media arrives, so the
 * output runs at a constant rate whether a participant's camera stalls,
 * someone joins or the room is empty: a tile without fresh frames shows the
 * background, silence fills the audio.
 */
import type { EgressOutput, ResolvedLayout } from '../types.js';
import type { WorkerJob } from '../ipc.js';
import { AudioMixer, type PcmChunk } from './audio-mixer.js';
import { I420Compositor, type I420Frame, type PlacedFrame } from './compositor.js';
import { describeExit, EncoderProcess, RemuxProcess, type SpawnFn } from './ffmpeg-process.js';

/** What the pipeline reports. */
export interface PipelineEvents {
  /** The encoder produced its first output; `at` (Unix ms) is when its first frame was taken: time 0 of the outputs. */
  started(at: number): void;
  /** A layout stream was drawn for the first time. */
  firstMedia(streamId: string, at: number): void;
  outputStarted(id: string): void;
  /** An output's remuxer ended on its own; it is dropped. */
  outputFailed(id: string, error: string): void;
  /** The encoder died: the pipeline cannot go on. */
  fatal(error: string): void;
}

/** Seams for tests. */
export interface PipelineDeps {
  readonly spawn?: SpawnFn;
  /** Monotonic ms. */
  readonly now?: () => number;
}

/** MPEG-TS packet size: a remuxer joining mid-stream starts on a packet boundary. */
const TS_PACKET = 188;
/** Audio is mixed and written in chunks of this length. */
const AUDIO_CHUNK_MS = 20;
/** The clock's resolution. */
const TICK_MS = 10;

interface RunningOutput {
  readonly proc: RemuxProcess;
  isAligned: boolean;
  isFinishing: boolean;
}

/** One egress's media pipeline. */
export class EgressPipeline {
  private readonly _compositor: I420Compositor;
  private readonly _mixer: AudioMixer;
  private readonly _now: () => number;
  private readonly _spawn: SpawnFn | undefined;
  private _layout: ResolvedLayout;
  private readonly _latest = new Map<string, { frame: I420Frame; at: number }>();
  private readonly _lastSeen = new Map<string, number>();
  private readonly _drawn = new Set<string>();
  private readonly _outputs = new Map<string, RunningOutput>();
  private _encoder: EncoderProcess | undefined;
  private _timer: NodeJS.Timeout | undefined;
  private _t0 = 0;
  private _t0Wall = 0;
  private _framesSent = 0;
  private _chunksSent = 0;
  private _framesOut = 0;
  private _framesDropped = 0;
  private _tsBytes = 0;
  private _isStarted = false;
  private _isStopping = false;

  constructor(
    private readonly _job: WorkerJob,
    private readonly _events: PipelineEvents,
    deps: PipelineDeps = {},
  ) {
    const e = _job.encoding;
    this._compositor = new I420Compositor(e.width, e.height, e.backgroundColor);
    this._mixer = new AudioMixer(e.audioSampleRate, e.audioChannels, AUDIO_CHUNK_MS);
    this._now = deps.now ?? (() => performance.now());
    this._spawn = deps.spawn;
    this._layout = _job.layout;
    this._mixer.setInputs(_job.layout.audio);
  }

  /** Starts the encoder, the outputs and the clock. */
  start(): void {
    const encoder = new EncoderProcess(this._job.ffmpeg, this._job.encoding, this._spawn);
    this._encoder = encoder;
    encoder.output.on('data', (chunk: Buffer) => this._fanOut(chunk));
    void encoder.exited.then((exit) => {
      if (!this._isStopping) this._events.fatal(describeExit('the encoder (ffmpeg)', exit));
    });
    this.setOutputs(this._job.outputs);
    this._t0 = this._now();
    this._t0Wall = Date.now();
    this._timer = setInterval(() => this._tick(), TICK_MS);
  }

  /** The streams whose media is wanted (video tiles and mixed audio). */
  get wantedStreams(): Set<string> {
    return new Set([...this._layout.tiles.map((t) => t.streamId), ...this._layout.audio]);
  }

  setLayout(layout: ResolvedLayout): void {
    this._layout = layout;
    this._mixer.setInputs(layout.audio);
    const wanted = this.wantedStreams;
    for (const id of this._latest.keys()) if (!wanted.has(id)) this._latest.delete(id);
  }

  /** Starts outputs not running yet, ends those no longer listed. */
  setOutputs(outputs: readonly EgressOutput[]): void {
    if (this._isStopping) return;
    const ids = new Set(outputs.map((o) => o.id));
    for (const [id, running] of this._outputs) {
      if (!ids.has(id)) this._finishOutput(id, running);
    }
    for (const output of outputs) {
      if (this._outputs.has(output.id)) continue;
      const proc = new RemuxProcess(this._job.ffmpeg, output, this._spawn);
      const running: RunningOutput = { proc, isAligned: false, isFinishing: false };
      this._outputs.set(output.id, running);
      void proc.exited.then((exit) => {
        if (running.isFinishing || this._isStopping) return;
        if (this._outputs.get(output.id) === running) this._outputs.delete(output.id);
        this._events.outputFailed(output.id, describeExit(`the ${output.kind} output (ffmpeg)`, exit));
      });
      this._events.outputStarted(output.id);
    }
  }

  onVideo(streamId: string, frame: I420Frame): void {
    const at = this._now();
    this._lastSeen.set(streamId, at);
    if (this._layout.tiles.some((t) => t.streamId === streamId)) this._latest.set(streamId, { frame, at });
  }

  onAudio(streamId: string, chunk: PcmChunk): void {
    this._lastSeen.set(streamId, this._now());
    this._mixer.push(streamId, chunk);
  }

  /** Frames written, frames skipped, streams heard from in the last second. */
  stats(): { framesOut: number; framesDropped: number; liveInputs: string[] } {
    const since = this._now() - 1000;
    return {
      framesOut: this._framesOut,
      framesDropped: this._framesDropped,
      liveInputs: [...this._lastSeen].filter(([, at]) => at >= since).map(([id]) => id),
    };
  }

  /** PIDs of the ffmpeg processes. */
  pids(): number[] {
    return [this._encoder?.pid, ...[...this._outputs.values()].map((o) => o.proc.pid)].filter((p): p is number => p !== undefined);
  }

  /** Stops the clock, lets the encoder flush into the outputs, lets the outputs finish their files. */
  async stop(): Promise<void> {
    if (this._isStopping) return;
    this._isStopping = true;
    clearInterval(this._timer);
    const encoder = this._encoder;
    if (encoder) {
      const drained = new Promise<void>((resolve) => {
        if (encoder.output.readableEnded) resolve();
        else encoder.output.once('close', () => resolve());
      });
      await encoder.finish();
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))]);
    }
    await Promise.all([...this._outputs.values()].map((o) => ((o.isFinishing = true), o.proc.finish())));
    this._outputs.clear();
  }

  private _finishOutput(id: string, running: RunningOutput): void {
    running.isFinishing = true;
    this._outputs.delete(id);
    void running.proc.finish();
  }

  private _tick(): void {
    const encoder = this._encoder;
    if (!encoder || this._isStopping) return;
    const elapsed = this._now() - this._t0;
    const fps = this._job.encoding.frameRate;
    const dueFrames = Math.floor((elapsed * fps) / 1000) + 1;
    if (this._framesSent < dueFrames) {
      const frame = this._compose();
      // Behind (the event loop stalled): the same picture again keeps the output's duration true.
      while (this._framesSent < dueFrames) {
        if (encoder.writeVideo(frame)) this._framesOut++;
        else this._framesDropped++;
        this._framesSent++;
      }
    }
    const dueChunks = Math.floor(elapsed / AUDIO_CHUNK_MS) + 1;
    while (this._chunksSent < dueChunks) {
      encoder.writeAudio(this._mixer.pull());
      this._chunksSent++;
    }
  }

  private _compose(): Uint8Array {
    const now = this._now();
    const placed: PlacedFrame[] = this._layout.tiles.map((tile) => {
      const latest = this._latest.get(tile.streamId);
      const isFresh = latest !== undefined && now - latest.at <= this._job.staleFrameMs;
      const frame = !tile.isMuted && isFresh ? latest.frame : null;
      if (frame && !this._drawn.has(tile.streamId)) {
        this._drawn.add(tile.streamId);
        this._events.firstMedia(tile.streamId, Date.now());
      }
      return { x: tile.x, y: tile.y, width: tile.width, height: tile.height, frame };
    });
    return this._compositor.compose(placed);
  }

  private _fanOut(chunk: Buffer): void {
    if (!this._isStarted) {
      this._isStarted = true;
      this._events.started(this._t0Wall);
    }
    const offset = this._tsBytes;
    this._tsBytes += chunk.length;
    for (const [id, running] of this._outputs) {
      let data = chunk;
      if (!running.isAligned) {
        const skip = (TS_PACKET - (offset % TS_PACKET)) % TS_PACKET;
        if (skip >= chunk.length) continue;
        data = chunk.subarray(skip);
        running.isAligned = true;
      }
      if (!running.proc.write(data)) {
        // Stalled (e.g. an RTMP server that stopped reading): drop it before it holds memory hostage.
        running.isFinishing = true;
        this._outputs.delete(id);
        running.proc.kill();
        this._events.outputFailed(id, `the ${running.proc.output.kind} output stalled (over 16 MB unwritten)`);
      }
    }
  }
}
