/**
 * One client connection's protocol state: authentication, room membership,
 * its streams and its link to ion-sfu. Transport-agnostic: it talks to the
 * client through a {@link PeerChannel}, so tests drive it without sockets.
 */
import { randomUUID } from 'node:crypto';
import type { Authenticator } from '../auth/authenticator.js';
import { hasPrivilege, Privilege } from '../auth/private-map-key.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { RpcError } from '../rpc/errors.js';
import { errorFrame, notificationFrame, resultFrame, type IncomingFrame, type RpcId } from '../rpc/jsonrpc.js';
import { isMethodName, NOTIFICATION_METHODS, paramsSchemas, type MethodName, type ParamsOf } from '../rpc/messages.js';
import { SchemaError } from '../rpc/schema.js';
import type { BanList } from '../rooms/ban-list.js';
import type { Room } from '../rooms/room.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { checkPublisherOffer, checkStreamDescriptor, checkSubscriberAnswer } from '../rooms/sdp-policy.js';
import { resumes, type BanReason, type LeaveReason, type Mode, type Role, type RoomMember, type RoomSnapshot, type ServerNotification, type StreamDescriptor } from '../rooms/types.js';
import type { SfuLink, SfuLinkFactory, SfuSessionDescription } from '../sfu/sfu-link.js';

/** WebSocket close code sent after `client-banned`. */
export const CLOSE_BANNED = 4000;
/** WebSocket close code when a connection sends no room.join in time. */
export const CLOSE_JOIN_TIMEOUT = 4001;

/** How a session reaches its client. */
export interface PeerChannel {
  /** Sends one text frame (dropped once the channel is closed). */
  send(frame: string): void;
  /** Closes the connection. */
  close(code: number, reason: string): void;
}

/** What every session shares. */
export interface SessionContext {
  readonly registry: RoomRegistry;
  readonly auth: Authenticator;
  readonly sfuLinkFactory: SfuLinkFactory;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  readonly heartbeatIntervalMs: number;
  /** How long a dropped peer keeps its place for a reconnect (0: no grace). */
  readonly reconnectGraceMs: number;
  /** Bans checked at `room.join` (none checked when absent). */
  readonly bans?: Pick<BanList, 'checkJoin'>;
  /** Rewrites a publisher offer before it goes to ion-sfu (the VP8 codec policy, rooms/sdp-codecs.ts). */
  readonly rewritePublisherOffer?: (sdp: string) => string;
  /** The client egress API (`egress.*` methods); absent: those methods answer EGRESS_FAILED. */
  readonly egress?: ClientEgressHandler;
}

/** Who calls a client egress method. */
export interface EgressCaller {
  readonly room: Room;
  readonly userId: string;
  readonly role: Role;
}

/** Answers the `egress.*` methods (src/egress/client-egress.ts). */
export interface ClientEgressHandler {
  handle(method: MethodName, params: unknown, caller: EgressCaller): Promise<unknown>;
}

/** Client close codes after which the peer is gone at once: done (1000), page going away (1001). */
const FINAL_CLOSE_CODES = new Set([1000, 1001]);

const RECV_ANY = Privilege.RECV_AUDIO | Privilege.RECV_VIDEO | Privilege.RECV_SUB_STREAM;
const SEND_ANY = Privilege.SEND_AUDIO | Privilege.SEND_VIDEO | Privilege.SEND_SUB_STREAM;
/** What a hidden (egress) session may send: ion-sfu's subscriber signaling, nothing that touches the room. */
const HIDDEN_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['join', 'answer', 'trickle', 'rtc.ping']);

/**
 * A connection's protocol state machine: new → joining (the ban check) →
 * joined → closed, or
 * joined → suspended (connection dropped, place kept for the reconnect
 * grace) → closed (handed over to the user's new connection, or grace over).
 */
export class PeerSession implements RoomMember {
  readonly connectionId = randomUUID();
  private _state: 'new' | 'joining' | 'joined' | 'suspended' | 'closed' = 'new';
  private _graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Streams a resumed connection inherited and has not re-published yet. */
  private readonly _inherited = new Set<string>();
  private _userId = '';
  private _role: Role = 'anchor';
  private _mode: Mode = 'rtc';
  private _privileges = 0;
  private _room: Room | undefined;
  private _link: SfuLink | undefined;
  /** Whether ion-sfu answered this link's join (failures before that are reported on the join itself). */
  private _isLinkJoined = false;
  private _linkListeners: Array<() => void> = [];
  /** room-server's own receive-only participant (egress): in no member list, never announced. */
  private _isHidden = false;
  private _log: Logger;

  constructor(
    private readonly _channel: PeerChannel,
    private readonly _ctx: SessionContext,
  ) {
    this._log = _ctx.log.child({ conn: this.connectionId.slice(0, 8) });
  }

  get userId(): string {
    return this._userId;
  }

  get role(): Role {
    return this._role;
  }

  /** Whether room.join succeeded and the session has not closed. */
  get isJoined(): boolean {
    return this._state === 'joined';
  }

  /** Whether the session has ended. */
  get isClosed(): boolean {
    return this._state === 'closed';
  }

  /** Whether its connection dropped and it keeps its place for a reconnect. */
  get isSuspended(): boolean {
    return this._state === 'suspended';
  }

  /**
   * Makes this session a hidden, receive-only participant of `room` for
   * room-server's egress: no room.join, no membership (it counts in no
   * participant list, nobody is told), an audience role without send
   * privileges (the SDP policy refuses any media it would offer).
   */
  joinHidden(room: Room, label: string): void {
    if (this._state !== 'new') throw new RpcError('ALREADY_JOINED');
    this._isHidden = true;
    this._userId = label;
    this._role = 'audience';
    this._mode = 'live';
    this._privileges = Privilege.ENTER_ROOM | RECV_ANY;
    this._room = room;
    this._state = 'joined';
    this._log = this._log.child({ egress: label, room: room.sessionId });
  }

  /** Handles one classified frame; answers requests, never throws. */
  async receive(frame: IncomingFrame): Promise<void> {
    if (this._state === 'closed') return;
    if (frame.kind === 'invalid') {
      this._reject(frame.id, frame.error);
      return;
    }
    const isRequest = frame.kind === 'request';
    const id = isRequest ? frame.id : null;
    try {
      const result = await this._handle(frame.method, frame.params, isRequest);
      if (isRequest && !this.isClosed) this._channel.send(resultFrame(frame.id, result ?? {}));
      if (frame.method === 'room.leave') this.close('leave');
    } catch (err) {
      const error = err instanceof RpcError ? err : internalError(err, this._log);
      if (isRequest) this._reject(id, error);
      else {
        // A notification cannot be answered (JSON-RPC 2.0); it is counted and logged instead.
        this._ctx.metrics.rejectedMessages.inc({ error: error.reason });
        this._log.debug('notification refused', { method: frame.method, error: error.reason, detail: error.message });
      }
    }
  }

  /** Sends a notification to the client. */
  notify(notification: ServerNotification): void {
    if (this._state === 'closed' || this._state === 'suspended') return;
    this._channel.send(notificationFrame(notification.method, notification.params));
  }

  /** Sends `client-banned`, leaves the room and closes the connection. */
  evict(reason: BanReason, message: string): void {
    if (this._state === 'closed') return;
    this._ctx.metrics.kicks.inc({ reason });
    this._log.info('client banned', { userId: this._userId, reason });
    this.notify({ method: 'client-banned', params: { reason, message } });
    // A disbanded room loses everyone at once: no peer-leave storm.
    this._teardown('kick', { silent: reason === 'room-disband' });
    this._channel.close(CLOSE_BANNED, reason);
  }

  /** Ends the session (client left, disconnected or timed out). Idempotent. */
  close(reason: LeaveReason): void {
    if (this._state === 'closed') return;
    this._teardown(reason, {});
    this._channel.close(1000, reason);
  }

  /**
   * The client's connection closed with `code`. A joined peer whose client did
   * not say it was done keeps its place (and streams) for the reconnect grace,
   * so a blip is no leave and join for the others; its ion-sfu link goes now.
   */
  disconnect(code: number): void {
    if (this._state !== 'joined' || this._ctx.reconnectGraceMs <= 0 || FINAL_CLOSE_CODES.has(code)) {
      this.close('disconnect');
      return;
    }
    this._state = 'suspended';
    clearTimeout(this._graceTimer);
    this._closeLink();
    this._log.info('peer suspended', { code, graceMs: this._ctx.reconnectGraceMs });
    this._graceTimer = setTimeout(() => this._teardown('disconnect', {}), this._ctx.reconnectGraceMs);
  }

  /** The user's new connection takes this one's place (see RoomRegistry.join): end without leaving the room. */
  handOver(): void {
    if (this._state !== 'suspended') return;
    clearTimeout(this._graceTimer);
    this._state = 'closed';
    this._room = undefined;
    this._ctx.metrics.resumes.inc();
    this._log.info('peer resumed by a new connection');
  }

  private _teardown(reason: LeaveReason, options: { silent?: boolean }): void {
    const wasJoined = this._state === 'joined' || this._state === 'suspended';
    this._state = 'closed';
    clearTimeout(this._graceTimer);
    this._closeLink();
    if (wasJoined && this._room && !this._isHidden) {
      this._ctx.registry.leave(this._room, this, reason, options);
      this._ctx.metrics.leaves.inc({ reason });
      this._log.info('peer left', { userId: this._userId, room: this._room.sessionId, reason });
    }
    this._room = undefined;
  }

  private _reject(id: RpcId | null, error: RpcError): void {
    this._ctx.metrics.rejectedMessages.inc({ error: error.reason });
    this._channel.send(errorFrame(id, error));
  }

  private async _handle(method: string, rawParams: unknown, isRequest: boolean): Promise<unknown> {
    if (!isMethodName(method)) throw new RpcError('METHOD_NOT_FOUND', `no method ${method.slice(0, 64)}`);
    if (!isRequest && !NOTIFICATION_METHODS.has(method)) throw new RpcError('INVALID_REQUEST', `${method} must be sent as a request (with an id)`);
    const params = parseParams(method, rawParams);
    if (method === 'room.join') {
      if (this._state !== 'new') throw new RpcError('ALREADY_JOINED');
      return this._join(params as ParamsOf<'room.join'>);
    }
    if (this._state !== 'joined') throw new RpcError('NOT_JOINED');
    if (this._isHidden && !HIDDEN_METHODS.has(method)) throw new RpcError('INVALID_OPERATION', `${method} is not available to an egress session`);
    switch (method) {
      case 'join':
        return this._sfuJoin(params as ParamsOf<'join'>);
      case 'offer':
        return this._sfuOffer(params as ParamsOf<'offer'>);
      case 'answer':
        return this._sfuAnswer(params as ParamsOf<'answer'>);
      case 'trickle':
        return this._sfuTrickle(params as ParamsOf<'trickle'>);
      case 'stream.publish':
        return this._publish(params as ParamsOf<'stream.publish'>);
      case 'stream.unpublish':
        this._joinedRoom().unpublish(this._userId, (params as ParamsOf<'stream.unpublish'>).streamId);
        return {};
      case 'stream.update':
        return this._update(params as ParamsOf<'stream.update'>);
      case 'room.switchRole':
        return this._switchRole(params as ParamsOf<'room.switchRole'>);
      case 'room.leave':
        return {};
      case 'rtc.ping':
        return { now: Date.now() };
      case 'egress.startMixTranscode':
      case 'egress.stopMixTranscode':
      case 'egress.startPublishCDNStream':
      case 'egress.stopPublishCDNStream':
        if (!this._ctx.egress) throw new RpcError('EGRESS_FAILED', 'egress is not available on this server');
        return this._ctx.egress.handle(method, params, { room: this._joinedRoom(), userId: this._userId, role: this._role });
    }
  }

  private async _join(p: ParamsOf<'room.join'>): Promise<RoomSnapshot> {
    const mode: Mode = p.mode === 'live' ? 'live' : 'rtc';
    const role: Role = mode === 'rtc' ? 'anchor' : (p.role ?? 'anchor');
    let privileges: number;
    try {
      this._ctx.auth.verifyUser(p.sdkAppId, p.userId, p.userSig);
      privileges = this._ctx.auth.privilegesFor(p.sdkAppId, p.userId, p.roomId, p.privateMapKey);
      if (!hasPrivilege(privileges, Privilege.ENTER_ROOM)) throw new RpcError('PRIVILEGE_DENIED', 'privateMapKey does not allow entering the room');
    } catch (err) {
      if (err instanceof RpcError) {
        this._ctx.metrics.authFailures.inc({ reason: err.reason });
        this._log.info('authentication refused', { sdkAppId: p.sdkAppId, userId: p.userId, reason: err.reason });
      }
      throw err;
    }
    if (this._ctx.bans) {
      this._state = 'joining';
      try {
        await this._ctx.bans.checkJoin(p.sdkAppId, p.roomId, p.userId);
      } catch (err) {
        if (err instanceof RpcError) this._log.info('join refused: banned', { sdkAppId: p.sdkAppId, roomId: p.roomId, userId: p.userId });
        throw err;
      } finally {
        if (this._state === 'joining') this._state = 'new';
      }
      // The client went away while the store answered: nothing to join.
      if (this._state !== 'new') throw new RpcError('NOT_JOINED', 'the connection closed while joining');
    }
    this._userId = p.userId;
    this._role = role;
    this._mode = mode;
    this._privileges = privileges;
    const previous = this._ctx.registry.find(p.sdkAppId, p.roomId)?.memberOf(p.userId);
    const isResuming = resumes(previous, { role });
    try {
      this._room = this._ctx.registry.join(p.sdkAppId, p.roomId, this, {
        mayCreate: hasPrivilege(privileges, Privilege.CREATE_ROOM),
      });
    } catch (err) {
      this._userId = '';
      throw err;
    }
    this._state = 'joined';
    if (isResuming) this._inheritStreams(this._room);
    this._ctx.metrics.joins.inc();
    this._log = this._log.child({ userId: p.userId, room: this._room.sessionId });
    this._log.info('peer joined', { mode, role });
    return {
      roomId: p.roomId,
      mode,
      role,
      ...this._room.snapshotFor(this._userId),
      heartbeatIntervalMs: this._ctx.heartbeatIntervalMs,
    };
  }

  private async _sfuJoin(p: ParamsOf<'join'>): Promise<SfuSessionDescription> {
    if (this._link) throw new RpcError('INVALID_OPERATION', 'already joined ion-sfu on this connection');
    checkPublisherOffer(p.offer.sdp, this._publisherContext());
    const room = this._joinedRoom();
    const link = this._ctx.sfuLinkFactory(room.sessionId);
    this._link = link;
    this._linkListeners = [
      link.on('offer', (desc) => this.notify({ method: 'offer', params: { desc: { type: 'offer', sdp: desc.sdp } } })),
      link.on('trickle', (target, candidate) => this.notify({ method: 'trickle', params: { target, candidate } })),
      link.on('failed', (error) => this._onLinkFailed(link, error)),
    ];
    try {
      const answer = await link.join({
        sid: room.sessionId,
        // Unique per connection: a re-joining user's old ion-sfu peer may linger a moment.
        uid: `${this._userId}#${this.connectionId.slice(0, 8)}`,
        offer: { type: 'offer', sdp: this._ctx.rewritePublisherOffer?.(p.offer.sdp) ?? p.offer.sdp },
        config: {
          NoPublish: p.config?.NoPublish ?? false,
          NoSubscribe: (p.config?.NoSubscribe ?? false) || (this._privileges & RECV_ANY) === 0,
          NoAutoSubscribe: p.config?.NoAutoSubscribe ?? false,
        },
      });
      if (this._link === link) this._isLinkJoined = true;
      return answer;
    } catch (err) {
      // A failed join leaves no half-open link: the client may send join again.
      if (this._link === link) this._closeLink();
      throw err;
    }
  }

  private _sfuOffer(p: ParamsOf<'offer'>): Promise<SfuSessionDescription> {
    const link = this._requireLink();
    checkPublisherOffer(p.desc.sdp, this._publisherContext());
    return link.offer({ type: 'offer', sdp: this._ctx.rewritePublisherOffer?.(p.desc.sdp) ?? p.desc.sdp });
  }

  private _sfuAnswer(p: ParamsOf<'answer'>): object {
    const link = this._requireLink();
    checkSubscriberAnswer(p.desc.sdp);
    link.answer({ type: 'answer', sdp: p.desc.sdp });
    return {};
  }

  private _sfuTrickle(p: ParamsOf<'trickle'>): object {
    this._requireLink().trickle(p.target, p.candidate);
    return {};
  }

  private _publish(p: ParamsOf<'stream.publish'>): object {
    const descriptor: StreamDescriptor = {
      streamId: p.streamId,
      type: p.type,
      hasAudio: p.hasAudio,
      hasVideo: p.hasVideo,
      audioMuted: p.audioMuted ?? false,
      videoMuted: p.videoMuted ?? false,
      simulcast: p.simulcast ?? false,
    };
    checkStreamDescriptor(descriptor, this._role, this._privileges);
    this._inherited.delete(descriptor.streamId);
    return { stream: this._joinedRoom().publish(this._userId, descriptor) };
  }

  /**
   * A resumed connection inherits the user's streams; those it does not
   * publish again within the grace were closed during the outage and go.
   */
  private _inheritStreams(room: Room): void {
    for (const stream of room.streamsOf(this._userId)) this._inherited.add(stream.streamId);
    if (this._inherited.size === 0) return;
    this._graceTimer = setTimeout(() => {
      for (const streamId of this._inherited) {
        if (this._room === room && room.streamsOf(this._userId).some((s) => s.streamId === streamId)) {
          room.unpublish(this._userId, streamId);
        }
      }
      this._inherited.clear();
    }, this._ctx.reconnectGraceMs);
  }

  private _update(p: ParamsOf<'stream.update'>): object {
    const room = this._joinedRoom();
    const current = room.streamsOf(this._userId).find((s) => s.streamId === p.streamId);
    if (!current) throw new RpcError('STREAM_NOT_FOUND', `no stream ${p.streamId} of yours`);
    checkStreamDescriptor(
      { type: current.type, hasAudio: p.hasAudio ?? current.hasAudio, hasVideo: p.hasVideo ?? current.hasVideo },
      this._role,
      this._privileges,
    );
    const { streamId, ...patch } = p;
    return { stream: room.update(this._userId, streamId, patch) };
  }

  private _switchRole(p: ParamsOf<'room.switchRole'>): object {
    const room = this._joinedRoom();
    if (this._mode !== 'live') throw new RpcError('INVALID_OPERATION', 'switchRole is only available in live mode');
    let privileges = this._privileges;
    if (p.privateMapKey !== undefined) {
      privileges = this._ctx.auth.privilegesFor(room.sdkAppId, this._userId, room.roomId, p.privateMapKey);
      if (!hasPrivilege(privileges, Privilege.ENTER_ROOM)) throw new RpcError('PRIVILEGE_DENIED', 'privateMapKey does not allow entering the room');
    }
    if (p.role === 'anchor' && (privileges & SEND_ANY) === 0) {
      throw new RpcError('PRIVILEGE_DENIED', 'privateMapKey does not allow sending anything');
    }
    this._privileges = privileges;
    if (p.role !== this._role) {
      this._role = p.role;
      room.changeRole(this, p.role);
    }
    return { role: this._role };
  }

  private _publisherContext() {
    const streams = new Map(this._joinedRoom().streamsOf(this._userId).map((s) => [s.streamId, s] as const));
    return { role: this._role, privileges: this._privileges, streams };
  }

  private _joinedRoom(): Room {
    if (!this._room) throw new RpcError('NOT_JOINED');
    return this._room;
  }

  private _requireLink(): SfuLink {
    if (!this._link) throw new RpcError('INVALID_OPERATION', 'send join first');
    return this._link;
  }

  private _onLinkFailed(link: SfuLink, error: RpcError): void {
    if (this._link !== link) return;
    const wasJoined = this._isLinkJoined;
    this._closeLink();
    // Before ion-sfu answered, the pending join fails with this error: one report is enough.
    if (!wasJoined) return;
    this._log.warn('ion-sfu link failed', { detail: error.message });
    this.notify({ method: 'sfu-error', params: { message: error.message } });
  }

  private _closeLink(): void {
    const link = this._link;
    this._link = undefined;
    this._isLinkJoined = false;
    for (const off of this._linkListeners.splice(0)) off();
    link?.close();
  }
}

function parseParams<M extends MethodName>(method: M, raw: unknown): ParamsOf<M> {
  try {
    return paramsSchemas[method].parse(raw, 'params') as ParamsOf<M>;
  } catch (err) {
    if (err instanceof SchemaError) throw new RpcError('INVALID_PARAMS', err.message);
    throw err;
  }
}

function internalError(err: unknown, log: Logger): RpcError {
  log.error('internal error', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  return new RpcError('INTERNAL');
}
