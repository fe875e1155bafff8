/**
 * The worker's ffmpeg child processes: the encoder (raw video on stdin,
 * PCM on fd 3, MPEG-TS on stdout) and a remuxer per output (TS on stdin).
 * Each is ended by closing its input (ffmpeg then writes its trailer and
 * exits), and killed by PID only when it does not exit in time.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

import type { EgressOutput, EncodingSpec } from '../types.js';
import { encoderArgs, fileRemuxArgs, rtmpRemuxArgs } from './ffmpeg-args.js';

/** child_process.spawn, replaceable in tests. */
export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** How long an ended ffmpeg may take to finish its file before it is killed. */
const EXIT_GRACE_MS = 5_000;
/** The last stderr kept for error messages. */
const STDERR_TAIL = 2_000;

/** How an ffmpeg process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its last error output. */
  readonly stderr: string;
}

/** One ffmpeg process with a bounded stderr tail and an exit promise. */
class FfmpegChild {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  private _stderr = '';

  constructor(spawnFn: SpawnFn, ffmpeg: string, args: readonly string[], extraFds: number) {
    const stdio: Array<'pipe' | 'ignore'> = ['pipe', 'pipe', 'pipe', ...new Array<'pipe'>(extraFds).fill('pipe')];
    this.child = spawnFn(ffmpeg, args, { stdio });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this._stderr = (this._stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => resolve({ code: null, signal: null, stderr: `${err.message}\n${this._stderr}` }));
      this.child.once('exit', (code, signal) => resolve({ code, signal, stderr: this._stderr.trim() }));
    });
    // Writes after the process died fail with EPIPE; the exit is what reports the failure.
    for (const stream of this.child.stdio) (stream as NodeJS.EventEmitter | null)?.on('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Closes the given inputs, waits for the exit, kills by PID after the grace. */
  async finish(inputs: readonly (Writable | null | undefined)[]): Promise<ExitInfo> {
    for (const input of inputs) input?.end();
    const timer = setTimeout(() => this.kill(), EXIT_GRACE_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL by PID if still running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The encoder: raw I420 + s16 PCM in, H.264/AAC MPEG-TS out. */
export class EncoderProcess {
  private readonly _proc: FfmpegChild;
  private readonly _video: Writable;
  private readonly _audio: Writable;
  /** TS output. */
  readonly output: Readable;

  constructor(
    ffmpeg: string,
    private readonly _encoding: EncodingSpec,
    spawnFn: SpawnFn = spawn,
  ) {
    this._proc = new FfmpegChild(spawnFn, ffmpeg, encoderArgs(_encoding), 1);
    this._video = this._proc.child.stdin!;
    this._audio = this._proc.child.stdio[3] as Writable;
    this.output = this._proc.child.stdout!;
  }

  get pid(): number | undefined {
    return this._proc.pid;
  }

  /** Settles when ffmpeg exits. */
  get exited(): Promise<ExitInfo> {
    return this._proc.exited;
  }

  /** Writes one frame unless ~2 s of frames are already waiting (an overloaded encoder); false when skipped. */
  writeVideo(frame: Uint8Array): boolean {
    if (this._video.writableLength > frame.length * this._encoding.frameRate * 2) return false;
    // A copy: the compositor reuses its buffer, and a queued write keeps a reference.
    this._video.write(Buffer.from(frame));
    return true;
  }

  /** Writes PCM (interleaved s16, little-endian as on every platform Node runs egress on). */
  writeAudio(pcm: Int16Array): boolean {
    if (this._audio.writableLength > this._encoding.audioSampleRate * this._encoding.audioChannels * 4) return false;
    this._audio.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return true;
  }

  /** Ends both inputs: ffmpeg flushes and exits. */
  finish(): Promise<ExitInfo> {
    return this._proc.finish([this._video, this._audio]);
  }

  kill(): void {
    this._proc.kill();
  }
}

/** The TS bytes a remuxer may hold unwritten before it counts as stalled (a dead RTMP server). */
const MAX_OUTPUT_BACKLOG = 16 * 1024 * 1024;

/** A stream-copy remuxer for one output. */
export class RemuxProcess {
  private readonly _proc: FfmpegChild;
  private readonly _input: Writable;

  constructor(
    ffmpeg: string,
    readonly output: EgressOutput,
    spawnFn: SpawnFn = spawn,
  ) {
    this._proc = new FfmpegChild(spawnFn, ffmpeg, output.kind === 'file' ? fileRemuxArgs(output.path) : rtmpRemuxArgs(output.url), 0);
    this._input = this._proc.child.stdin!;
  }

  get pid(): number | undefined {
    return this._proc.pid;
  }

  get exited(): Promise<ExitInfo> {
    return this._proc.exited;
  }

  /** Writes TS bytes; false when the remuxer is stalled (the caller drops it). */
  write(chunk: Buffer): boolean {
    if (this._input.writableLength > MAX_OUTPUT_BACKLOG) return false;
    this._input.write(chunk);
    return true;
  }

  /** Ends its input: ffmpeg writes the rest of the file (or closes the RTMP stream) and exits. */
  finish(): Promise<ExitInfo> {
    return this._proc.finish([this._input]);
  }

  kill(): void {
    this._proc.kill();
  }
}

/** `ffmpeg exited with code 1: <last error line>` */
export function describeExit(what: string, exit: ExitInfo): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const line = exit.stderr.split('\n').filter(Boolean).pop();
  return `${what} ${how}${line ? `: ${line.slice(0, 300)}` : ''}`;
}
