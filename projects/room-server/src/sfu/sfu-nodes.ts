/**
 * Which ion-sfu node holds a room: a configured node list, TCP health
 * checks, and rendezvous (highest random weight) hashing of the room's
 * ion-sfu session id over the healthy nodes. Every instance with the same
 * list and the same view of health picks the same node; the pick is also
 * recorded in the state store, so a room already live on a node stays
 * there while that node is healthy (even after another node comes back).
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Logger } from '../log.js';
import type { RoomStateStore } from '../state/room-state-store.js';

/** One ion-sfu node. */
export interface SfuNode {
  /** Stable name; it is what rooms hash against, so renaming a node moves rooms. */
  readonly id: string;
  /** Its JSON-RPC WebSocket URL, e.g. ws://10.0.0.5:7000/ws. */
  readonly url: string;
}

/** The weight of `node` for `key`: the first 8 bytes of SHA-256(id, key). */
export function rendezvousWeight(nodeId: string, key: string): bigint {
  return createHash('sha256').update(nodeId).update('\0').update(key).digest().readBigUInt64BE(0);
}

/** The node of highest weight for `key` (ties go to the smaller id); undefined for no nodes. */
export function rendezvousPick<N extends SfuNode>(nodes: readonly N[], key: string): N | undefined {
  let best: N | undefined;
  let bestWeight = -1n;
  for (const node of nodes) {
    const weight = rendezvousWeight(node.id, key);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && node.id < best.id)) {
      best = node;
      bestWeight = weight;
    }
  }
  return best;
}

/** Answers whether a node accepts connections. */
export type SfuProbe = (node: SfuNode, timeoutMs: number) => Promise<boolean>;

/** A TCP connect to the node's signaling host and port. */
export const tcpProbe: SfuProbe = (node, timeoutMs) =>
  new Promise((resolve) => {
    const url = new URL(node.url);
    const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });

/** Settings of a {@link SfuNodePool}. */
export interface SfuNodePoolOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly probe?: SfuProbe;
  /** Told when a node changes health. */
  readonly onChange?: (node: SfuNode, isHealthy: boolean) => void;
}

/** The nodes, their health, and the room → node choice. */
export class SfuNodePool {
  private readonly _healthy = new Map<string, boolean>();
  /** The newest check under way per node, numbered so a late answer of an older one cannot overrule it. */
  private readonly _probing = new Map<string, { readonly seq: number; readonly result: Promise<boolean> }>();
  /** Number of the newest check whose answer was applied, per node. */
  private readonly _applied = new Map<string, number>();
  private _seq = 0;
  private readonly _probe: SfuProbe;
  private _timer: NodeJS.Timeout | undefined;

  constructor(
    readonly nodes: readonly SfuNode[],
    private readonly _options: SfuNodePoolOptions,
  ) {
    if (nodes.length === 0) throw new Error('at least one ion-sfu node is needed');
    this._probe = _options.probe ?? tcpProbe;
    // Optimistic until the first check: a node is tried rather than refused.
    for (const node of nodes) this._healthy.set(node.id, true);
  }

  /** Starts the periodic health checks (none for a single node: there is nowhere else to go). */
  start(): void {
    if (this.nodes.length < 2 || this._timer) return;
    const checkAll = (): void => {
      for (const node of this.nodes) void this.check(node.id);
    };
    checkAll();
    this._timer = setInterval(checkAll, this._options.intervalMs);
    this._timer.unref();
  }

  stop(): void {
    clearInterval(this._timer);
    this._timer = undefined;
  }

  /** Whether the node passed its last check. */
  isHealthy(nodeId: string): boolean {
    return this._healthy.get(nodeId) === true;
  }

  /**
   * Checks one node now and resolves with its health. A check already under
   * way is joined, unless `fresh`: a check that started before a failure may
   * have connected just before the node died, so it cannot answer for it.
   */
  check(nodeId: string, fresh = false): Promise<boolean> {
    const node = this.nodes.find((n) => n.id === nodeId);
    if (!node) return Promise.resolve(false);
    const underWay = this._probing.get(nodeId);
    if (underWay && !fresh) return underWay.result;
    const seq = ++this._seq;
    const result = this._probe(node, this._options.timeoutMs)
      .catch(() => false)
      .then((ok) => {
        if (this._probing.get(nodeId)?.seq === seq) this._probing.delete(nodeId);
        if (seq > (this._applied.get(nodeId) ?? 0)) {
          this._applied.set(nodeId, seq);
          this._setHealth(node, ok);
        }
        return ok;
      });
    this._probing.set(nodeId, { seq, result });
    return result;
  }

  /** A link to the node failed: check it again at once, so the next join of its rooms already knows. */
  reportFailure(nodeId: string): void {
    if (this.nodes.length > 1) void this.check(nodeId, true);
  }

  /** The node for a room: the recorded one while healthy, else the rendezvous pick among healthy nodes (recorded). */
  async pick(sessionId: string, store: RoomStateStore | undefined): Promise<SfuNode> {
    if (this.nodes.length === 1 || !store) return this._hashPick(sessionId);
    // A check under way (e.g. after a link failure) decides before the pick does.
    await Promise.all([...this._probing.values()].map((p) => p.result));
    const recordedId = await store.sfuNodeOf(sessionId);
    const recorded = this.nodes.find((n) => n.id === recordedId);
    if (recorded && this.isHealthy(recorded.id)) return recorded;
    const choice = this._hashPick(sessionId);
    const assignedId = await store.assignSfuNode(sessionId, choice.id, recordedId);
    const assigned = this.nodes.find((n) => n.id === assignedId);
    // Another instance assigned the room meanwhile: follow it unless we know that node is down.
    return assigned && this.isHealthy(assigned.id) ? assigned : choice;
  }

  private _setHealth(node: SfuNode, ok: boolean): void {
    if (this._healthy.get(node.id) === ok) return;
    this._healthy.set(node.id, ok);
    this._options.log[ok ? 'info' : 'warn'](ok ? 'ion-sfu node is up' : 'ion-sfu node is down', { node: node.id, url: node.url });
    this._options.onChange?.(node, ok);
  }

  private _hashPick(sessionId: string): SfuNode {
    const healthy = this.nodes.filter((n) => this.isHealthy(n.id));
    return rendezvousPick(healthy.length > 0 ? healthy : this.nodes, sessionId)!;
  }
}
