/**
 * room-server's egresses: starts them (a worker process each, on demand),
 * follows their rooms, stops them, enforces the server's egress limit, and
 * tells room members, the log and the metrics when one starts, fails or
 * stops.
 */
import { randomBytes } from 'node:crypto';

import type { EgressConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { RpcError } from '../rpc/errors.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { RoomId, ServerNotification } from '../rooms/types.js';
import type { SessionContext } from '../session/peer-session.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { EgressJob } from './egress-job.js';
import { egressView, type EgressInfo, type EgressOutputsSpec, type EgressRequest, type LayoutSpec } from './types.js';
import { forkWorker, type WorkerLauncher } from './worker-launcher.js';

/** What the manager reports (besides telling room members). */
export interface EgressManagerEvents {
  started: (info: EgressInfo) => void;
  failed: (info: EgressInfo, error: string, isRestarting: boolean) => void;
  stopped: (info: EgressInfo) => void;
}

/** What the manager needs. */
export interface EgressManagerDeps {
  readonly config: EgressConfig;
  readonly registry: RoomRegistry;
  /** For the workers' hidden sessions (same ion-sfu links, metrics and log as clients'). */
  readonly sessionContext: SessionContext;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  readonly launch?: WorkerLauncher;
  /** Unix ms. */
  readonly now?: () => number;
  /** How often rooms are looked at for layout changes (ms). */
  readonly pollMs?: number;
}

/** Ended egresses kept for GET /admin/egress. */
const HISTORY = 50;

/** Every egress of this room-server. */
export class EgressManager extends TypedEmitter<EgressManagerEvents> {
  private readonly _jobs = new Map<string, EgressJob>();
  private readonly _history: EgressInfo[] = [];
  private readonly _timer: NodeJS.Timeout;
  private readonly _launch: WorkerLauncher;
  private readonly _now: () => number;
  private _isClosed = false;

  constructor(private readonly _deps: EgressManagerDeps) {
    super();
    this._launch = _deps.launch ?? forkWorker;
    this._now = _deps.now ?? Date.now;
    // Rooms have no change events; a look every 250 ms at the registry sees every way a room
    // changes (local peers, cluster mirrors, mutes, role changes) without touching room code.
    this._timer = setInterval(() => {
      for (const job of this._jobs.values()) job.refresh();
    }, _deps.pollMs ?? 250);
    this._timer.unref();
    _deps.metrics.addGauge('roomserver_egress_active', 'Egresses not ended (starting, active, restarting, stopping).', () => this._jobs.size);
  }

  /** The server's configuration of egress. */
  get config(): EgressConfig {
    return this._deps.config;
  }

  /**
   * Starts an egress of a room that exists on this server. Resolves with it
   * at once; `whenActive` gives the promise of its first start. Throws
   * EGRESS_FAILED (disabled), SERVER_FULL (limit), INVALID_PARAMS (no output).
   */
  start(request: EgressRequest): { info: EgressInfo; whenActive: Promise<EgressInfo> } {
    const config = this._deps.config;
    if (this._isClosed || !config.enabled) throw new RpcError('EGRESS_FAILED', 'egress is disabled on this server');
    if (this._jobs.size >= config.maxEgresses) throw new RpcError('SERVER_FULL', `the egress limit of this server (${config.maxEgresses}) is reached`);
    if (!request.outputs.file && request.outputs.rtmpUrl === null) throw new RpcError('INVALID_PARAMS', 'an egress needs an output: a file or an RTMP URL');
    const egressId = `eg_${randomBytes(6).toString('hex')}`;
    const job = new EgressJob(
      egressId,
      request,
      {
        config,
        sessionContext: this._deps.sessionContext,
        launch: this._launch,
        log: this._deps.log.child({ component: 'egress' }),
        now: this._now,
        findRoom: () => this._deps.registry.find(request.sdkAppId, request.roomId),
      },
      {
        started: (j) => this._onStarted(j),
        failed: (j, error, isRestarting) => this._onFailed(j, error, isRestarting),
        ended: (j) => this._onEnded(j),
      },
    );
    this._jobs.set(egressId, job);
    this._deps.log.info('egress requested', { egressId, sdkAppId: request.sdkAppId, roomId: request.roomId, owner: request.owner, layout: request.layout.kind, file: request.outputs.file, rtmp: request.outputs.rtmpUrl !== null });
    job.start();
    return { info: job.info(), whenActive: job.ready };
  }

  /** Changes a running egress's layout or outputs; false when there is no such egress. */
  update(egressId: string, change: { layout?: LayoutSpec; outputs?: EgressOutputsSpec; streamId?: string | null }): boolean {
    const job = this._jobs.get(egressId);
    if (!job) return false;
    job.update(change);
    return true;
  }

  /** Stops an egress; resolves when it has ended (undefined: no such running egress). */
  async stop(egressId: string, reason: 'requested' | 'shutdown' = 'requested'): Promise<EgressInfo | undefined> {
    const job = this._jobs.get(egressId);
    if (!job) return undefined;
    return job.stop(reason);
  }

  /** An egress, running or recently ended. */
  get(egressId: string): EgressInfo | undefined {
    return this._jobs.get(egressId)?.info() ?? this._history.find((h) => h.egressId === egressId);
  }

  /** Running egresses, then recently ended ones (newest first), optionally of one room. */
  list(filter: { sdkAppId?: number; roomId?: RoomId } = {}): EgressInfo[] {
    const all = [...[...this._jobs.values()].map((j) => j.info()), ...this._history];
    return all.filter((e) => (filter.sdkAppId === undefined || e.sdkAppId === filter.sdkAppId) && (filter.roomId === undefined || e.roomId === filter.roomId));
  }

  /** Stops every egress (server shutdown); later starts are refused. */
  async close(): Promise<void> {
    this._isClosed = true;
    clearInterval(this._timer);
    await Promise.all([...this._jobs.values()].map((j) => j.stop('shutdown')));
  }

  private _onStarted(job: EgressJob): void {
    const info = job.info();
    this._deps.metrics.egressStarts.inc({ origin: job.request.owner === null ? 'admin' : 'client' });
    this._deps.log.info('egress active', { egressId: info.egressId, latencyMs: this._now() - info.requestedAt, restarts: info.restarts });
    this._notifyRoom(job, { method: 'egress-started', params: { egress: egressView(info) } });
    this.emit('started', info);
  }

  private _onFailed(job: EgressJob, error: string, isRestarting: boolean): void {
    const info = job.info();
    this._deps.metrics.egressFailures.inc({ outcome: isRestarting ? 'restarting' : 'final' });
    this._notifyRoom(job, { method: 'egress-failed', params: { egress: egressView(info), error, isRestarting } });
    this.emit('failed', info, error, isRestarting);
  }

  private _onEnded(job: EgressJob): void {
    this._jobs.delete(job.egressId);
    const info = job.info();
    this._history.unshift(info);
    this._history.splice(HISTORY);
    this._deps.log.info('egress ended', { egressId: info.egressId, status: info.status, reason: info.endReason, files: info.files, restarts: info.restarts });
    this._notifyRoom(job, { method: 'egress-stopped', params: { egress: egressView(info) } });
    this.emit('stopped', info);
  }

  /** Tells the room's members on this instance (mirrored members of other instances are not reached). */
  private _notifyRoom(job: EgressJob, notification: ServerNotification): void {
    const room = this._deps.registry.find(job.request.sdkAppId, job.request.roomId);
    for (const member of room?.members() ?? []) member.notify(notification);
  }
}
