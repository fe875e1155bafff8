/**
 * The in-memory {@link RoomStateStore}: the default, nothing to install.
 * Stores that share one {@link MemoryStateBus} behave like instances sharing
 * a Redis (tests run several room-servers in one process this way); a store
 * with a bus of its own is a single instance and its changes go nowhere.
 */
import { randomUUID } from 'node:crypto';
import type { BanRecord, StreamInfo } from '../rooms/types.js';
import type { PeerRecord, RoomChange, RoomEvent, RoomEventHandler, RoomStateStore, StateSnapshot } from './room-state-store.js';

type StoredStream = StreamInfo & { readonly sessionId: string; readonly connectionId: string };

/** The shared state of in-memory stores: the same rules as the Redis scripts. */
export class MemoryStateBus {
  private _seq = 0;
  private readonly _peers = new Map<string, Map<string, PeerRecord>>();
  private readonly _streams = new Map<string, Map<string, StoredStream>>();
  private readonly _sfuNodes = new Map<string, string>();
  /** `sessionId \n userId` → ban; expired ones are dropped by the next ban or listing. */
  private readonly _bans = new Map<string, BanRecord>();
  private readonly _stores = new Map<string, MemoryStateStore>();

  /** @internal */
  attach(store: MemoryStateStore): void {
    this._stores.set(store.instanceId, store);
  }

  /** @internal Removes an instance; a crash also drops its peers and tells the others. */
  detach(store: MemoryStateStore, isCrash: boolean): void {
    if (!this._stores.delete(store.instanceId)) return;
    let hadPeers = false;
    for (const [sessionId, peers] of this._peers) {
      for (const peer of [...peers.values()]) {
        if (peer.instanceId !== store.instanceId) continue;
        hadPeers = true;
        this._dropPeer(sessionId, peer);
      }
    }
    if (isCrash || hadPeers) this._deliver({ kind: 'instance-down', instanceId: store.instanceId, origin: store.instanceId, seq: ++this._seq });
  }

  /** @internal */
  snapshot(): StateSnapshot {
    return {
      seq: this._seq,
      peers: [...this._peers.values()].flatMap((m) => [...m.values()]),
      streams: [...this._streams.values()].flatMap((m) => [...m.values()]),
    };
  }

  /** @internal */
  sfuNodeOf(sessionId: string): string | undefined {
    return this._sfuNodes.get(sessionId);
  }

  /** @internal */
  assignSfuNode(sessionId: string, nodeId: string, previous: string | undefined): string {
    const current = this._sfuNodes.get(sessionId);
    if (current === undefined || current === previous) {
      this._sfuNodes.set(sessionId, nodeId);
      return nodeId;
    }
    return current;
  }

  /** @internal Records a ban and, in the same step, tells the holder of the user's connection to evict it (redis-store.ts's ban script). */
  ban(origin: string, ban: BanRecord, message: string): PeerRecord | null {
    this._dropExpiredBans(ban.createdAt);
    this._bans.set(banKey(ban.sessionId, ban.userId), ban);
    const current = this._peers.get(ban.sessionId)?.get(ban.userId);
    if (!current) return null;
    const { sessionId, userId, connectionId } = current;
    this._deliver({ kind: 'kick', reason: 'banned', message, sessionId, userId, connectionId, origin, seq: ++this._seq });
    return current;
  }

  /** @internal */
  unban(sessionId: string, userId: string, now: number): boolean {
    const key = banKey(sessionId, userId);
    const ban = this._bans.get(key);
    this._bans.delete(key);
    return ban !== undefined && now < ban.expiresAt;
  }

  /** @internal */
  banOf(sessionId: string, userId: string, now: number): BanRecord | undefined {
    const ban = this._bans.get(banKey(sessionId, userId));
    return ban && now < ban.expiresAt ? ban : undefined;
  }

  /** @internal */
  bans(now: number): BanRecord[] {
    this._dropExpiredBans(now);
    return [...this._bans.values()];
  }

  /** @internal Applies a change (the rules of redis-store.ts's script) and delivers the event to the other stores. */
  apply(origin: string, change: RoomChange): RoomEvent {
    const peers = this._peers.get(change.sessionId);
    const current = peers?.get(change.userId);
    const isCurrent = current?.connectionId === change.connectionId;
    let replaced: string | null = null;
    switch (change.kind) {
      case 'join':
      case 'restore': {
        if (current && !isCurrent) {
          if (change.kind === 'restore') return { ...change, origin, seq: 0, replaced: current.connectionId, refused: true };
          replaced = current.connectionId;
          this._dropStreams(change.sessionId, current);
        }
        const { kind: _kind, ...record } = change;
        let map = peers;
        if (!map) this._peers.set(change.sessionId, (map = new Map()));
        map.set(change.userId, record);
        break;
      }
      case 'leave':
        if (!current || !isCurrent) return { ...change, origin, seq: 0 };
        this._dropPeer(change.sessionId, current);
        break;
      case 'stream':
        if (!current || !isCurrent) return { ...change, origin, seq: 0 };
        this._streamsOf(change.sessionId).set(change.stream.streamId, { ...change.stream, sessionId: change.sessionId, connectionId: change.connectionId });
        break;
      case 'unstream': {
        const streams = this._streams.get(change.sessionId);
        if (streams?.get(change.streamId)?.connectionId !== change.connectionId) return { ...change, origin, seq: 0 };
        streams.delete(change.streamId);
        break;
      }
      case 'role':
        if (!current || !isCurrent) return { ...change, origin, seq: 0 };
        peers!.set(change.userId, { ...current, role: change.role });
        break;
      case 'kick':
        break;
    }
    const event: RoomEvent = { ...change, origin, seq: ++this._seq, ...(change.kind === 'join' || change.kind === 'restore' ? { replaced, refused: false } : {}) };
    this._deliver(event);
    return event;
  }

  private _dropExpiredBans(now: number): void {
    for (const [key, ban] of this._bans) if (now >= ban.expiresAt) this._bans.delete(key);
  }

  private _deliver(event: RoomEvent): void {
    for (const store of this._stores.values()) {
      // Asynchronous like a real bus, and in order: microtasks run first in, first out.
      if (store.instanceId !== event.origin) queueMicrotask(() => store.deliver(event));
    }
  }

  private _streamsOf(sessionId: string): Map<string, StoredStream> {
    let map = this._streams.get(sessionId);
    if (!map) this._streams.set(sessionId, (map = new Map()));
    return map;
  }

  private _dropStreams(sessionId: string, peer: PeerRecord): void {
    const streams = this._streams.get(sessionId);
    if (!streams) return;
    for (const [id, s] of streams) if (s.userId === peer.userId && s.connectionId === peer.connectionId) streams.delete(id);
  }

  private _dropPeer(sessionId: string, peer: PeerRecord): void {
    this._dropStreams(sessionId, peer);
    const peers = this._peers.get(sessionId)!;
    peers.delete(peer.userId);
    if (peers.size === 0) {
      this._peers.delete(sessionId);
      this._streams.delete(sessionId);
      this._sfuNodes.delete(sessionId);
    }
  }
}

function banKey(sessionId: string, userId: string): string {
  return `${sessionId}\n${userId}`;
}

/** One instance's in-memory store. */
export class MemoryStateStore implements RoomStateStore {
  private _handler: RoomEventHandler | undefined;
  private _isClosed = false;

  constructor(
    private readonly _bus: MemoryStateBus = new MemoryStateBus(),
    readonly instanceId: string = randomUUID(),
  ) {}

  async start(handler: RoomEventHandler): Promise<StateSnapshot> {
    this._handler = handler;
    this._bus.attach(this);
    return this._bus.snapshot();
  }

  async apply(change: RoomChange): Promise<RoomEvent> {
    if (this._isClosed) throw new Error('the state store is closed');
    return this._bus.apply(this.instanceId, change);
  }

  async sfuNodeOf(sessionId: string): Promise<string | undefined> {
    return this._bus.sfuNodeOf(sessionId);
  }

  async assignSfuNode(sessionId: string, nodeId: string, previous: string | undefined): Promise<string> {
    return this._bus.assignSfuNode(sessionId, nodeId, previous);
  }

  async ban(ban: BanRecord, message: string): Promise<PeerRecord | null> {
    if (this._isClosed) throw new Error('the state store is closed');
    return this._bus.ban(this.instanceId, ban, message);
  }

  async unban(sessionId: string, userId: string, now: number): Promise<boolean> {
    return this._bus.unban(sessionId, userId, now);
  }

  async banOf(sessionId: string, userId: string, now: number): Promise<BanRecord | undefined> {
    return this._bus.banOf(sessionId, userId, now);
  }

  async bans(now: number): Promise<BanRecord[]> {
    return this._bus.bans(now);
  }

  async close(options: { graceful?: boolean } = {}): Promise<void> {
    if (this._isClosed) return;
    this._isClosed = true;
    this._handler = undefined;
    this._bus.detach(this, options.graceful === false);
  }

  /** @internal Called by the bus. */
  deliver(event: RoomEvent): void {
    if (event.kind === 'instance-down' && event.instanceId === this.instanceId) this._handler?.reclaim();
    else this._handler?.event(event);
  }
}
