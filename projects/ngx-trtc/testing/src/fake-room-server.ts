import type {
  JsonRpcErrorObject,
  PeerInfo,
  RequestMap,
  RoomJoinParams,
  RoomRole,
  RoomSnapshot,
  ServerNotificationMap,
  StreamInfo,
  WebSocketFactory,
} from 'ngx-trtc';
import { FakeSocketServerSide, FakeWebSocket, TaskQueue } from './fake-web-socket';

/** A request the fake server received. */
export interface ReceivedRequest {
  userId: string | null;
  method: string;
  params: unknown;
}

/** Options of a {@link FakeRoomServer}. */
export interface FakeRoomServerOptions {
  /** `heartbeatIntervalMs` of the snapshot (default 5000). */
  heartbeatIntervalMs?: number;
  /**
   * Decides `room.join`; return a JSON-RPC error to refuse. By default a
   * userSig of `bad-signature` is refused with 4011 and `expired` with 4012.
   */
  authorize?: (params: RoomJoinParams) => JsonRpcErrorObject | null;
}

/** One client connection as the fake server sees it. */
export class FakeConnection {
  userId: string | null = null;
  roomKey: string | null = null;
  role: RoomRole = 'anchor';
  /** Streams announced with stream.publish. */
  readonly streams = new Map<string, StreamInfo>();
  /** msids present in this peer's last SFU offer. */
  sfuStreams = new Set<string>();
  /** Whether it sent the ion-sfu `join`. */
  sfuJoined = false;
  /** msids last offered to this peer's subscriber connection. */
  offeredStreams = new Set<string>();

  constructor(readonly socket: FakeWebSocket) {}

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this.socket.readyState === FakeWebSocket.OPEN;
  }
}

/** Fake SDP: one `a=msid:<stream> <track>` line per track. */
export function fakeSdp(entries: { streamId: string; trackId: string }[]): string {
  return ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=fake', ...entries.map((e) => `a=msid:${e.streamId} ${e.trackId}`)].join('\r\n');
}

/** Stream ids (msids) of a fake or real SDP. */
export function msidsOf(sdp: string): Set<string> {
  const ids = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) {
    const match = /^a=msid:(\S+)(?:\s|$)/.exec(line);
    if (match && match[1] !== '-') ids.add(match[1]);
  }
  return ids;
}

const ERRORS = {
  INVALID_PARAMS: { code: -32602, message: 'INVALID_PARAMS' },
  METHOD_NOT_FOUND: { code: -32601, message: 'METHOD_NOT_FOUND' },
  NOT_JOINED: { code: 4001, message: 'NOT_JOINED' },
  ALREADY_JOINED: { code: 4002, message: 'ALREADY_JOINED' },
  INVALID_OPERATION: { code: 4003, message: 'INVALID_OPERATION' },
  ROLE_FORBIDDEN: { code: 4020, message: 'ROLE_FORBIDDEN' },
  STREAM_NOT_ANNOUNCED: { code: 4021, message: 'STREAM_NOT_ANNOUNCED' },
  STREAM_NOT_FOUND: { code: 4022, message: 'STREAM_NOT_FOUND' },
} satisfies Record<string, JsonRpcErrorObject>;

/**
 * An in-memory room-server speaking docs/protocol.md over {@link FakeWebSocket}s:
 * rooms, roles, the stream registry, notifications, kicks, and a fake SFU that
 * checks offers' msids. Tests drive failures with its switches and actions.
 */
export class FakeRoomServer implements FakeSocketServerSide {
  /** Close codes of the sockets clients closed, in order (1000 done, 4100 reconnecting). */
  readonly clientCloseCodes: number[] = [];
  /** Every connection ever made, oldest first. */
  readonly connections: FakeConnection[] = [];
  /** Every request received. */
  readonly requests: ReceivedRequest[] = [];
  /** Every notification received from clients. */
  readonly clientNotifications: ReceivedRequest[] = [];

  /** New sockets fail (error + close) instead of opening. */
  refuseConnections = false;
  /** Egress state by userId (what startMixTranscode / startPublishCDNStream turned on). */
  readonly egresses = new Map<string, { mix: boolean; cdn: boolean }>();
  /** New sockets never open. */
  holdConnections = false;
  /** Requests of these methods are never answered. */
  readonly unansweredMethods = new Set<string>();
  /** Answer these methods with an error once. */
  readonly failNext = new Map<string, JsonRpcErrorObject>();

  /** Opens a socket to this server: pass it as `WEB_SOCKET_FACTORY`. */
  readonly webSocketFactory: WebSocketFactory = (url) => this.connect(url);

  private readonly _tasks = new TaskQueue();
  private readonly _bans = new Map<string, { expiresAt: number; message: string }>();
  private readonly _options: Required<Pick<FakeRoomServerOptions, 'heartbeatIntervalMs'>> & FakeRoomServerOptions;

  constructor(options: FakeRoomServerOptions = {}) {
    this._options = { heartbeatIntervalMs: 5000, ...options };
  }

  /** Opens a fake socket (what {@link webSocketFactory} calls). */
  connect(url: string): FakeWebSocket {
    const socket = new FakeWebSocket(url, this, this._tasks);
    const connection = new FakeConnection(socket);
    this.connections.push(connection);
    if (this.refuseConnections) socket.serverRefuse();
    else if (!this.holdConnections) socket.serverOpen();
    return socket;
  }

  /** Resolves once every queued socket event has been delivered. */
  async drained(): Promise<void> {
    while (this._tasks.size > 0) await this._tasks.drained();
  }

  /** Open connections that joined a room. */
  get members(): FakeConnection[] {
    return this.connections.filter((c) => c.isOpen && c.roomKey !== null);
  }

  /** The open, joined connection of a user. */
  connectionOf(userId: string): FakeConnection | undefined {
    return this.members.find((c) => c.userId === userId);
  }

  /** Requests received, optionally of one method. */
  requestsOf(method: string, userId?: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === method && (userId === undefined || r.userId === userId));
  }

  // actions -------------------------------------------------------------------

  /** Drops a user's socket (or every socket) without a close frame, as a network loss does. */
  drop(userId?: string): void {
    for (const c of this.connections) {
      if (c.isOpen && (userId === undefined || c.userId === userId)) {
        this._leave(c, 'disconnect');
        c.socket.serverClose(1006);
      }
    }
  }

  /**
   * Bans a user (from every room of this fake), as room-server's `/admin/ban` does: a connected user gets
   * `client-banned {reason: 'banned'}` and is closed (4000), and their
   * `room.join`s are refused with BANNED (4032, `data.detail` and
   * `data.expiresAt`) until {@link unban}. `expiresAt` is Unix seconds.
   */
  ban(userId: string, options: { expiresAt?: number; reason?: string } = {}): void {
    const expiresAt = options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600;
    const until = new Date(expiresAt * 1000).toISOString().replace('.000Z', 'Z');
    const message = `banned from this room until ${until}${options.reason ? `: ${options.reason}` : ''}`;
    this._bans.set(userId, { expiresAt, message });
    this.kick(userId, 'banned', message);
  }

  /** Lifts a {@link ban}. */
  unban(userId: string): void {
    this._bans.delete(userId);
  }

  /** Sends `client-banned` to a user and closes their socket. */
  kick(userId: string, reason: 'kick' | 'banned' | 'room-disband' = 'kick', message = 'kicked by the admin'): void {
    const c = this.connectionOf(userId);
    if (!c) return;
    this.notify(c, 'client-banned', { reason, message });
    this._leave(c, 'kick');
    c.socket.serverClose(4000, reason);
  }

  /** Drops a user's ion-sfu link, as room-server does when ion-sfu fails: `sfu-error`. */
  sfuError(userId: string, message = 'ion-sfu link lost'): void {
    const c = this.connectionOf(userId);
    if (!c) return;
    c.sfuJoined = false;
    c.sfuStreams.clear();
    this._offerToOthers(c);
    this.notify(c, 'sfu-error', { message });
  }

  /** Sends any notification to a connection. */
  notify<M extends keyof ServerNotificationMap>(connection: FakeConnection, method: M, params: ServerNotificationMap[M]): void {
    connection.socket.serverSend(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  // FakeSocketServerSide -------------------------------------------------------

  onClientMessage(socket: FakeWebSocket, data: string): void {
    const connection = this.connections.find((c) => c.socket === socket);
    if (!connection) return;
    let message: { id?: number; method?: string; params?: unknown };
    try {
      message = JSON.parse(data);
    } catch {
      this._send(connection, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'PARSE_ERROR' } });
      return;
    }
    const { id, method, params } = message;
    if (typeof method !== 'string') return;
    if (id === undefined || id === null) {
      this.clientNotifications.push({ userId: connection.userId, method, params });
      return;
    }
    this.requests.push({ userId: connection.userId, method, params });
    if (this.unansweredMethods.has(method)) return;
    const injected = this.failNext.get(method);
    if (injected) {
      this.failNext.delete(method);
      this._send(connection, { jsonrpc: '2.0', id, error: injected });
      return;
    }
    const outcome = this._handle(connection, method, (params ?? {}) as Record<string, unknown>);
    if ('error' in outcome) {
      this._send(connection, { jsonrpc: '2.0', id, error: outcome.error });
      return;
    }
    this._send(connection, { jsonrpc: '2.0', id, result: outcome.result });
    outcome.after?.();
  }

  onClientClose(socket: FakeWebSocket, code = 1000): void {
    this.clientCloseCodes.push(code);
    const connection = this.connections.find((c) => c.socket === socket);
    if (connection) this._leave(connection, 'disconnect');
  }

  // protocol ------------------------------------------------------------------

  private _handle(
    c: FakeConnection,
    method: string,
    params: Record<string, unknown>,
  ): { result: unknown; after?: () => void } | { error: JsonRpcErrorObject } {
    if (method === 'room.join') return this._join(c, params as unknown as RoomJoinParams);
    if (c.roomKey === null) return { error: ERRORS.NOT_JOINED };
    switch (method) {
      case 'rtc.ping':
        return { result: { now: Date.now() } };
      case 'join':
      case 'offer': {
        if ('sid' in params || 'uid' in params) return { error: ERRORS.INVALID_PARAMS };
        const desc = (method === 'join' ? params['offer'] : params['desc']) as { sdp?: string } | undefined;
        if (!desc || typeof desc.sdp !== 'string') return { error: ERRORS.INVALID_PARAMS };
        if (method === 'join' && c.sfuJoined) return { error: ERRORS.INVALID_OPERATION };
        if (method === 'offer' && !c.sfuJoined) return { error: ERRORS.INVALID_OPERATION };
        const msids = msidsOf(desc.sdp);
        if (msids.size > 0 && c.role === 'audience') return { error: ERRORS.ROLE_FORBIDDEN };
        for (const id of msids) if (!c.streams.has(id)) return { error: ERRORS.STREAM_NOT_ANNOUNCED };
        c.sfuStreams = msids;
        if (method === 'join') c.sfuJoined = true;
        return {
          result: { type: 'answer', sdp: fakeSdp([]) },
          after: () => (method === 'join' ? this._offerTo(c) : this._offerToOthers(c)),
        };
      }
      case 'stream.publish': {
        if (c.role === 'audience') return { error: ERRORS.ROLE_FORBIDDEN };
        const info: StreamInfo = {
          streamId: String(params['streamId']),
          type: params['type'] === 'auxiliary' ? 'auxiliary' : 'main',
          hasAudio: !!params['hasAudio'],
          hasVideo: !!params['hasVideo'],
          audioMuted: !!params['audioMuted'],
          videoMuted: !!params['videoMuted'],
          simulcast: !!params['simulcast'],
          userId: c.userId!,
        };
        c.streams.set(info.streamId, info);
        return { result: { stream: info }, after: () => this._broadcast(c, 'stream-added', { stream: info }) };
      }
      case 'stream.unpublish': {
        const info = c.streams.get(String(params['streamId']));
        if (!info) return { error: ERRORS.STREAM_NOT_FOUND };
        c.streams.delete(info.streamId);
        c.sfuStreams.delete(info.streamId);
        return {
          result: {},
          after: () => {
            this._broadcast(c, 'stream-removed', { stream: info });
            this._offerToOthers(c);
          },
        };
      }
      case 'stream.update': {
        const prev = c.streams.get(String(params['streamId']));
        if (!prev) return { error: ERRORS.STREAM_NOT_FOUND };
        const next: StreamInfo = { ...prev };
        for (const key of ['hasAudio', 'hasVideo', 'audioMuted', 'videoMuted', 'simulcast'] as const) {
          if (typeof params[key] === 'boolean') next[key] = params[key] as boolean;
        }
        c.streams.set(next.streamId, next);
        return {
          result: { stream: next },
          after: () => {
            const ids = { userId: next.userId, streamId: next.streamId };
            if (prev.audioMuted !== next.audioMuted) this._broadcast(c, next.audioMuted ? 'mute-audio' : 'unmute-audio', ids);
            if (prev.videoMuted !== next.videoMuted) this._broadcast(c, next.videoMuted ? 'mute-video' : 'unmute-video', ids);
            if (prev.hasAudio !== next.hasAudio || prev.hasVideo !== next.hasVideo || prev.simulcast !== next.simulcast) {
              this._broadcast(c, 'stream-updated', { stream: next });
            }
          },
        };
      }
      case 'room.switchRole': {
        const role = params['role'];
        if (role !== 'anchor' && role !== 'audience') return { error: ERRORS.INVALID_PARAMS };
        c.role = role;
        return { result: { role }, after: () => this._broadcast(c, 'role-changed', { userId: c.userId!, role }) };
      }
      case 'egress.startMixTranscode':
      case 'egress.startPublishCDNStream':
      case 'egress.stopMixTranscode':
      case 'egress.stopPublishCDNStream':
        return this._egress(c, method, params);
      case 'room.leave':
        return {
          result: {},
          after: () => {
            this._leave(c, 'leave');
            c.socket.serverClose(1000, 'left');
          },
        };
      default:
        return { error: ERRORS.METHOD_NOT_FOUND };
    }
  }

  private _join(c: FakeConnection, params: RoomJoinParams): { result: RoomSnapshot; after: () => void } | { error: JsonRpcErrorObject } {
    if (c.roomKey !== null) return { error: ERRORS.ALREADY_JOINED };
    const refusal = (this._options.authorize ?? defaultAuthorize)(params);
    if (refusal) return { error: refusal };
    const ban = this._bans.get(params.userId);
    if (ban) return { error: { code: 4032, message: 'BANNED', data: { detail: ban.message, expiresAt: ban.expiresAt } } };
    const mode = (params.mode as string) === 'live' ? 'live' : 'rtc';
    const roomKey = `${params.sdkAppId}:${typeof params.roomId === 'number' ? 'n' : 's'}:${params.roomId}`;
    // The same user joining again replaces the older connection.
    for (const old of this.members) {
      if (old.roomKey === roomKey && old.userId === params.userId) {
        this.notify(old, 'client-banned', { reason: 'kick', message: 'the same userId joined again' });
        this._leave(old, 'kick');
        old.socket.serverClose(4000, 'kick');
      }
    }
    c.userId = params.userId;
    c.roomKey = roomKey;
    c.role = mode === 'live' ? (params.role ?? 'anchor') : 'anchor';
    const others = this._roomMembers(roomKey).filter((o) => o !== c);
    const snapshot: RoomSnapshot = {
      roomId: params.roomId,
      mode,
      role: c.role,
      peers: others.map((o): PeerInfo => ({ userId: o.userId!, role: o.role })),
      streams: others.flatMap((o) => [...o.streams.values()]),
      heartbeatIntervalMs: this._options.heartbeatIntervalMs,
    };
    return { result: snapshot, after: () => this._broadcast(c, 'peer-join', { userId: c.userId!, role: c.role }) };
  }

  private _leave(c: FakeConnection, reason: 'leave' | 'disconnect' | 'kick' | 'timeout'): void {
    if (c.roomKey === null || c.userId === null) return;
    const streams = [...c.streams.values()];
    c.streams.clear();
    c.sfuStreams.clear();
    for (const stream of streams) this._broadcast(c, 'stream-removed', { stream });
    this._broadcast(c, 'peer-leave', { userId: c.userId, reason });
    this._offerToOthers(c);
    c.roomKey = null;
    c.sfuJoined = false;
  }

  /**
   * room-server's client egress, reduced to its answers: anchors only; a start
   * answers the user's egress and tells the room `egress-started`, a stop of
   * the last output ends it (`egress-stopped`).
   */
  private _egress(c: FakeConnection, method: string, params: Record<string, unknown>): { result: unknown; after?: () => void } | { error: JsonRpcErrorObject } {
    if (c.role !== 'anchor') return { error: ERRORS.ROLE_FORBIDDEN };
    const current = this.egresses.get(c.userId!) ?? { mix: false, cdn: false };
    const next = {
      mix: method === 'egress.startMixTranscode' ? true : method === 'egress.stopMixTranscode' ? false : current.mix,
      cdn: method === 'egress.startPublishCDNStream' ? true : method === 'egress.stopPublishCDNStream' ? false : current.cdn,
    };
    const streamId = typeof params['streamId'] === 'string' && params['streamId'] ? params['streamId'] : `${c.userId}_main`;
    const view = (status: 'active' | 'stopped') => ({
      egressId: `eg_${c.userId}`,
      owner: c.userId!,
      streamId,
      status,
      isRecording: false,
      isPublishingCdn: next.cdn && status === 'active',
      startedAt: 1,
      restarts: 0,
      endReason: status === 'stopped' ? ('requested' as const) : null,
    });
    const wasLive = current.mix || current.cdn;
    if (next.mix || next.cdn) this.egresses.set(c.userId!, next);
    else this.egresses.delete(c.userId!);
    const everyone = (n: 'egress-started' | 'egress-stopped', egress: ReturnType<typeof view>) => {
      this.notify(c, n, { egress });
      this._broadcast(c, n, { egress });
    };
    if (next.mix || next.cdn) return { result: { egress: view('active') }, after: () => (!wasLive ? everyone('egress-started', view('active')) : undefined) };
    return { result: { egress: null }, after: () => (wasLive ? everyone('egress-stopped', view('stopped')) : undefined) };
  }

  private _roomMembers(roomKey: string): FakeConnection[] {
    return this.connections.filter((o) => o.isOpen && o.roomKey === roomKey);
  }

  private _broadcast<M extends keyof ServerNotificationMap>(from: FakeConnection, method: M, params: ServerNotificationMap[M]): void {
    if (from.roomKey === null) return;
    for (const other of this._roomMembers(from.roomKey)) {
      if (other !== from) this.notify(other, method, params);
    }
  }

  /** The fake SFU offers a peer's subscriber connection every msid the others send. */
  private _offerTo(c: FakeConnection): void {
    if (!c.sfuJoined || c.roomKey === null) return;
    const ids = new Set<string>();
    const lines: { streamId: string; trackId: string }[] = [];
    for (const other of this._roomMembers(c.roomKey)) {
      if (other === c) continue;
      for (const id of other.sfuStreams) {
        ids.add(id);
        lines.push({ streamId: id, trackId: `${id}-tracks` });
      }
    }
    c.offeredStreams = ids;
    this.notify(c, 'offer', { desc: { type: 'offer', sdp: fakeSdp(lines) } });
  }

  private _offerToOthers(from: FakeConnection): void {
    if (from.roomKey === null) return;
    for (const other of this._roomMembers(from.roomKey)) if (other !== from) this._offerTo(other);
  }

  private _send(c: FakeConnection, message: object): void {
    c.socket.serverSend(JSON.stringify(message));
  }
}

function defaultAuthorize(params: RoomJoinParams): JsonRpcErrorObject | null {
  if (params.userSig === 'bad-signature') return { code: 4011, message: 'USERSIG_BAD_SIGNATURE' };
  if (params.userSig === 'expired') return { code: 4012, message: 'USERSIG_EXPIRED' };
  return null;
}

/** The result type of a request method (for typed test helpers). */
export type FakeResult<M extends keyof RequestMap> = RequestMap[M]['result'];
