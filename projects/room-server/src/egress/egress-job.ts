/**
 * One egress: its worker process, the hidden room-server session the worker
 * signals through, its outputs and its life (starting → active ⇄ restarting
 * → stopping → stopped | failed). A worker that dies while the egress is
 * active is reported and started again (a new file part; the old one stays
 * playable: fragmented MP4); failures before the first start are final.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { EgressConfig } from '../config.js';
import type { Logger } from '../log.js';
import { parseFrame } from '../rpc/jsonrpc.js';
import type { Room } from '../rooms/room.js';
import { PeerSession, type SessionContext } from '../session/peer-session.js';
import type { FromWorker, WorkerJob } from './ipc.js';
import { resolveLayout, type RoomView } from './layout.js';
import { reapProcesses } from './reap.js';
import type { EgressEndReason, EgressInfo, EgressOutput, EgressOutputsSpec, EgressRequest, EgressStats, EgressStatus, LayoutSpec, ResolvedLayout } from './types.js';
import type { WorkerHandle, WorkerLauncher } from './worker-launcher.js';

/** What a job reports to its manager. */
export interface JobEvents {
  started(job: EgressJob): void;
  failed(job: EgressJob, error: string, isRestarting: boolean): void;
  ended(job: EgressJob): void;
}

/** What a job needs. */
export interface JobDeps {
  readonly config: EgressConfig;
  readonly sessionContext: SessionContext;
  readonly launch: WorkerLauncher;
  readonly log: Logger;
  readonly now: () => number;
  /** The egress's room now (undefined once it is gone). */
  readonly findRoom: () => Room | undefined;
}

/** No status from a running worker for this long: it is hung, and killed (then restarted). */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** A worker that has not produced output this long after it was launched has failed to start. */
const START_TIMEOUT_MS = 20_000;
/** A stopping worker that has not exited after this long is killed. */
const STOP_TIMEOUT_MS = 15_000;
/** How long a dead worker's ffmpeg processes get to finish their files before they are killed. */
const REAP_GRACE_MS = 3_000;

/** One egress and its worker. */
export class EgressJob {
  private _status: EgressStatus = 'starting';
  private _request: EgressRequest;
  private _worker: WorkerHandle | undefined;
  private _session: PeerSession | undefined;
  private _workerOff: Array<() => void> = [];
  private _pids: readonly number[] = [];
  private _stats: EgressStats | null = null;
  private _lastStatusAt = 0;
  private _launchedAt = 0;
  private _startedAt: number | null = null;
  private _firstMediaAt: number | null = null;
  private _endedAt: number | null = null;
  private _endReason: EgressEndReason | null = null;
  private _error: string | null = null;
  private _restarts = 0;
  private _hasStarted = false;
  /** Times of failures (worker or output) inside the restart window. */
  private _failureTimes: number[] = [];
  private _layoutJson = '';
  private _fileOutput: Extract<EgressOutput, { kind: 'file' }> | null = null;
  private _rtmpOutput: Extract<EgressOutput, { kind: 'rtmp' }> | null = null;
  private _outputSerial = 0;
  private _part = 0;
  private readonly _files: string[] = [];
  private readonly _timers = new Set<NodeJS.Timeout>();
  private _emptySince: number | null = null;
  private _settleReady!: { resolve: (info: EgressInfo) => void; reject: (error: Error) => void };
  private _settleEnded!: (info: EgressInfo) => void;
  /** Resolves once it is first active; rejects if it ends before. */
  readonly ready: Promise<EgressInfo>;
  /** Resolves when it has ended. */
  readonly ended: Promise<EgressInfo>;

  constructor(
    readonly egressId: string,
    request: EgressRequest,
    private readonly _deps: JobDeps,
    private readonly _events: JobEvents,
  ) {
    this._request = request;
    this.requestedAt = _deps.now();
    this.ready = new Promise((resolve, reject) => (this._settleReady = { resolve, reject }));
    // Callers that never await `ready` (the admin API returns at once) must not see an unhandled rejection.
    this.ready.catch(() => undefined);
    this.ended = new Promise((resolve) => (this._settleEnded = resolve));
  }

  readonly requestedAt: number;

  get status(): EgressStatus {
    return this._status;
  }

  get request(): EgressRequest {
    return this._request;
  }

  get isEnded(): boolean {
    return this._status === 'stopped' || this._status === 'failed';
  }

  /** The admin view. */
  info(): EgressInfo {
    const r = this._request;
    return {
      egressId: this.egressId,
      sdkAppId: r.sdkAppId,
      roomId: r.roomId,
      owner: r.owner,
      streamId: r.streamId,
      layout: r.layout.kind,
      status: this._status,
      encoding: r.encoding,
      files: [...this._files],
      isRecording: !this.isEnded && this._fileOutput !== null,
      rtmpUrl: this.isEnded ? null : (this._rtmpOutput?.url ?? null),
      requestedAt: this.requestedAt,
      startedAt: this._startedAt,
      firstMediaAt: this._firstMediaAt,
      endedAt: this._endedAt,
      restarts: this._restarts,
      endReason: this._endReason,
      error: this._error,
      stats: this._stats,
      workerPid: this._worker?.pid ?? null,
    };
  }

  /** Launches the first worker. */
  start(): void {
    this._launch();
  }

  /** Changes what it shows or where it goes, without a restart. */
  update(change: { layout?: LayoutSpec; outputs?: EgressOutputsSpec; streamId?: string | null }): void {
    if (this.isEnded || this._status === 'stopping') return;
    this._request = { ...this._request, ...change };
    if (change.layout) this.refresh();
    if (change.outputs) this._worker?.send({ type: 'outputs', outputs: this._currentOutputs() });
  }

  /** Asks the worker to finish; resolves when it has ended. */
  stop(reason: EgressEndReason): Promise<EgressInfo> {
    if (this.isEnded || this._status === 'stopping') return this.ended;
    this._endReason = reason;
    if (!this._worker) {
      this._finish('stopped');
      return this.ended;
    }
    this._status = 'stopping';
    this._worker.send({ type: 'stop' });
    const worker = this._worker;
    this._after(STOP_TIMEOUT_MS, () => {
      this._deps.log.warn('egress worker did not stop in time; killing it', { egressId: this.egressId, pid: worker.pid });
      worker.kill('SIGKILL');
    });
    return this.ended;
  }

  /**
   * Called by the manager every poll: follows the room (layout, owner, emptiness)
   * and watches the worker's heartbeat and start.
   */
  refresh(): void {
    if (this.isEnded || this._status === 'stopping') return;
    const now = this._deps.now();
    const room = this._deps.findRoom();
    const owner = this._request.owner;
    if (owner !== null && !room?.memberOf(owner)) {
      void this.stop('owner-left');
      return;
    }
    if (!room || room.size === 0) {
      this._emptySince ??= now;
      if (now - this._emptySince >= this._deps.config.emptyRoomTimeoutMs) {
        void this.stop('room-empty');
        return;
      }
    } else this._emptySince = null;
    const layout = this._resolve(room);
    const json = JSON.stringify(layout);
    if (json !== this._layoutJson && this._worker) {
      this._layoutJson = json;
      this._worker.send({ type: 'layout', layout });
    }
    const worker = this._worker;
    if (!worker) return;
    if (this._status === 'active' && now - this._lastStatusAt > HEARTBEAT_TIMEOUT_MS) {
      this._error = `the worker sent no status for ${HEARTBEAT_TIMEOUT_MS} ms`;
      worker.kill('SIGKILL');
    } else if (this._status !== 'active' && now - this._launchedAt > START_TIMEOUT_MS) {
      this._error = `the worker produced no output within ${START_TIMEOUT_MS} ms`;
      worker.kill('SIGKILL');
    }
  }

  private _resolve(room: Room | undefined): ResolvedLayout {
    const snapshot = room?.snapshotFor('');
    const view: RoomView = { members: snapshot?.peers ?? [], streams: snapshot?.streams ?? [] };
    return resolveLayout(this._request.layout, view, this._request.encoding);
  }

  private _launch(): void {
    const room = this._deps.findRoom();
    if (!room) {
      this._endReason ??= 'room-empty';
      this._finish(this._hasStarted ? 'stopped' : 'failed');
      return;
    }
    let outputs: EgressOutput[];
    try {
      // A new run writes a new part: the previous file stays as it was when its worker died.
      this._fileOutput = null;
      this._rtmpOutput = null;
      outputs = this._currentOutputs();
    } catch (err) {
      this._error = err instanceof Error ? err.message : String(err);
      this._endReason = 'failed';
      this._finish('failed');
      return;
    }
    const worker = this._deps.launch(this.egressId);
    this._worker = worker;
    this._launchedAt = this._deps.now();
    this._lastStatusAt = this._launchedAt;
    const session = new PeerSession({ send: (frame) => worker.send({ type: 'rpc', frame }), close: () => undefined }, this._deps.sessionContext);
    session.joinHidden(room, `egress-${this.egressId}`);
    this._session = session;
    this._workerOff = [
      worker.onMessage((message) => this._onMessage(worker, session, message)),
      worker.onLog((line) => this._deps.log.warn('egress worker', { egressId: this.egressId, line })),
    ];
    void worker.exited.then((exit) => this._onExit(worker, exit));
    const layout = this._resolve(room);
    this._layoutJson = JSON.stringify(layout);
    const job: WorkerJob = {
      egressId: this.egressId,
      encoding: this._request.encoding,
      layout,
      outputs,
      ffmpeg: this._deps.config.ffmpegPath,
      staleFrameMs: 2000,
    };
    worker.send({ type: 'start', job });
    this._deps.log.info('egress worker launched', { egressId: this.egressId, pid: worker.pid, outputs: outputs.map((o) => o.kind), restarts: this._restarts });
  }

  /** The output list for the worker, creating file parts and RTMP ids as needed. */
  private _currentOutputs(): EgressOutput[] {
    const spec = this._request.outputs;
    const out: EgressOutput[] = [];
    if (spec.file) {
      if (!this._fileOutput) {
        const dir = resolve(this._deps.config.recordingsDir);
        mkdirSync(dir, { recursive: true });
        this._part++;
        const base = `${this._request.sdkAppId}_${safeName(String(this._request.roomId))}_${this.egressId}`;
        const path = join(dir, `${base}${this._part > 1 ? `_part${this._part}` : ''}.mp4`);
        this._fileOutput = { id: `file-${++this._outputSerial}`, kind: 'file', path };
        this._files.push(path);
      }
      out.push(this._fileOutput);
    } else this._fileOutput = null;
    if (spec.rtmpUrl !== null) {
      if (this._rtmpOutput?.url !== spec.rtmpUrl) this._rtmpOutput = { id: `rtmp-${++this._outputSerial}`, kind: 'rtmp', url: spec.rtmpUrl };
      out.push(this._rtmpOutput);
    } else this._rtmpOutput = null;
    return out;
  }

  private _onMessage(worker: WorkerHandle, session: PeerSession, message: FromWorker): void {
    if (worker !== this._worker) return;
    switch (message.type) {
      case 'rpc':
        void session.receive(parseFrame(message.frame));
        break;
      case 'started':
        if (this._status === 'starting' || this._status === 'restarting') {
          this._status = 'active';
          this._startedAt ??= message.at;
          this._lastStatusAt = this._deps.now();
          const first = !this._hasStarted;
          this._hasStarted = true;
          this._events.started(this);
          if (first) this._settleReady.resolve(this.info());
        }
        break;
      case 'first-media':
        this._firstMediaAt ??= message.at;
        break;
      case 'status':
        this._stats = message.stats;
        this._pids = message.pids;
        this._lastStatusAt = this._deps.now();
        break;
      case 'output-failed':
        this._onOutputFailed(message.id, message.error);
        break;
      case 'fatal':
        this._error = message.error;
        break;
      case 'output-started':
        break;
    }
  }

  private _onOutputFailed(id: string, error: string): void {
    const kind = this._fileOutput?.id === id ? 'file' : this._rtmpOutput?.id === id ? 'rtmp' : null;
    if (!kind || this._status === 'stopping' || this.isEnded) return;
    this._error = error;
    if (kind === 'file') this._fileOutput = null;
    else this._rtmpOutput = null;
    const isRestarting = this._mayRestart();
    this._deps.log.warn('egress output failed', { egressId: this.egressId, kind, error, isRestarting });
    this._events.failed(this, error, isRestarting);
    if (isRestarting) {
      this._restarts++;
      this._after(this._backoffMs(), () => this._worker?.send({ type: 'outputs', outputs: this._currentOutputs() }));
      return;
    }
    this._request = { ...this._request, outputs: { file: kind === 'file' ? false : this._request.outputs.file, rtmpUrl: kind === 'rtmp' ? null : this._request.outputs.rtmpUrl } };
    if (!this._request.outputs.file && this._request.outputs.rtmpUrl === null) {
      this._endReason = 'failed';
      this._status = 'stopping';
      this._worker?.send({ type: 'stop' });
    }
  }

  private _onExit(worker: WorkerHandle, exit: { code: number | null; signal: NodeJS.Signals | null }): void {
    if (worker !== this._worker) return;
    for (const off of this._workerOff.splice(0)) off();
    this._worker = undefined;
    this._session?.close('leave');
    this._session = undefined;
    const pids = this._pids;
    this._pids = [];
    void reapProcesses(pids, 'ffmpeg', REAP_GRACE_MS).then((killed) => {
      if (killed.length > 0) this._deps.log.warn('killed ffmpeg processes a dead egress worker left', { egressId: this.egressId, pids: killed });
    });
    if (this._status === 'stopping') {
      this._finish(this._endReason === 'failed' ? 'failed' : 'stopped');
      return;
    }
    const error = this._error ?? `the worker ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}`;
    this._error = error;
    // Before its first start, a failure is a setup problem (ffmpeg or @roamhq/wrtc missing, bad
    // configuration): trying again would fail the same way, so the caller hears of it at once.
    const isRestarting = this._hasStarted && this._mayRestart();
    this._deps.log.warn('egress worker died', { egressId: this.egressId, pid: worker.pid, code: exit.code, signal: exit.signal, error, isRestarting });
    this._events.failed(this, error, isRestarting);
    if (!isRestarting) {
      this._endReason = 'failed';
      this._finish('failed');
      return;
    }
    this._status = 'restarting';
    this._restarts++;
    this._after(this._backoffMs(), () => {
      if (this._status === 'restarting') this._launch();
    });
  }

  private _mayRestart(): boolean {
    const now = this._deps.now();
    this._failureTimes = this._failureTimes.filter((t) => now - t < this._deps.config.restartWindowMs);
    this._failureTimes.push(now);
    return this._failureTimes.length <= this._deps.config.maxRestarts;
  }

  /** 1 s, 2 s, 4 s… capped at 10 s, by failures in the window. */
  private _backoffMs(): number {
    return Math.min(10_000, 1000 * 2 ** Math.max(0, this._failureTimes.length - 1));
  }

  private _after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this._timers.delete(timer);
      run();
    }, ms);
    this._timers.add(timer);
  }

  private _finish(status: 'stopped' | 'failed'): void {
    if (this.isEnded) return;
    for (const timer of this._timers) clearTimeout(timer);
    this._timers.clear();
    this._status = status;
    this._endedAt = this._deps.now();
    this._endReason ??= status === 'failed' ? 'failed' : 'requested';
    const info = this.info();
    if (!this._hasStarted) this._settleReady.reject(new Error(this._error ?? 'the egress ended before it started'));
    this._events.ended(this);
    this._settleEnded(info);
  }
}

/** A room id as a file name part: anything but letters, digits, `_` and `-` becomes `-`. */
function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}
