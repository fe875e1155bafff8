/**
 * Messages between room-server's egress manager and an egress worker
 * process (Node IPC channel of `child_process.fork`). The worker's
 * signaling (ion-sfu join/offer/answer/trickle) travels as JSON-RPC frames
 * inside `rpc` messages: room-server feeds them to the worker's hidden
 * {@link PeerSession}, so the egress reaches ion-sfu only through room-server.
 */
import type { EgressOutput, EgressStats, EncodingSpec, ResolvedLayout } from './types.js';

/** What a worker is started with. */
export interface WorkerJob {
  readonly egressId: string;
  readonly encoding: EncodingSpec;
  readonly layout: ResolvedLayout;
  readonly outputs: readonly EgressOutput[];
  /** The ffmpeg binary. */
  readonly ffmpeg: string;
  /** ms without a frame from a subscribed stream before its tile shows the background. */
  readonly staleFrameMs: number;
}

/** Manager → worker. */
export type ToWorker =
  | { readonly type: 'start'; readonly job: WorkerJob }
  | { readonly type: 'rpc'; readonly frame: string }
  | { readonly type: 'layout'; readonly layout: ResolvedLayout }
  | { readonly type: 'outputs'; readonly outputs: readonly EgressOutput[] }
  /** Ends the encoder's input, waits for the outputs to close their files, exits 0. */
  | { readonly type: 'stop' };

/** Worker → manager. */
export type FromWorker =
  | { readonly type: 'rpc'; readonly frame: string }
  /** The encoder produced its first bytes: the egress is live; `at` (Unix ms) is time 0 of its outputs. */
  | { readonly type: 'started'; readonly at: number }
  /** The first frame of a layout stream was drawn. */
  | { readonly type: 'first-media'; readonly streamId: string; readonly at: number }
  | { readonly type: 'output-started'; readonly id: string }
  /** An output's remuxer exited before it was asked to (RTMP refused, disk full…). */
  | { readonly type: 'output-failed'; readonly id: string; readonly error: string }
  /** Every second: a heartbeat with figures, and the PIDs of its ffmpeg processes. */
  | { readonly type: 'status'; readonly stats: EgressStats; readonly pids: readonly number[] }
  /** Unrecoverable: the worker exits non-zero after sending this. */
  | { readonly type: 'fatal'; readonly error: string };

/** Whether a value looks like a {@link ToWorker} message (the channel is trusted; this guards against bugs). */
export function isToWorker(value: unknown): value is ToWorker {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Whether a value looks like a {@link FromWorker} message. */
export function isFromWorker(value: unknown): value is FromWorker {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
