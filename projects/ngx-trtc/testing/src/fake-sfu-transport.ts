import type {
  EncodingLimits,
  PeerConnectionRole,
  LayerMessage,
  Publication,
  SfuJoinConfig,
  SfuSignaling,
  SfuTransport,
  SfuTransportEventMap,
  SfuTransportFactory,
  TransportPublishOptions as PublishOptions,
} from 'ngx-trtc';
import { fakeSdp, msidsOf } from './fake-room-server';

/**
 * A MediaStream whose id is chosen: the fake SFU hands subscribers the
 * publisher's msid, as ion-sfu does.
 */
export class SfuMediaStream extends MediaStream {
  constructor(id: string, tracks: MediaStreamTrack[]) {
    super(tracks);
    Object.defineProperty(this, 'id', { value: id });
  }
}

/** Tracks published through fake transports, by msid: the fake SFU's forwarding table. */
export class FakeSfuMedia {
  readonly tracks = new Map<string, MediaStreamTrack[]>();
}

/** Switches of the fake transports. */
export interface FakeSfuBehaviour {
  /** join() never completes, as when ICE cannot connect. */
  iceNeverConnects: boolean;
}

/**
 * An {@link SfuTransport} without peer connections. It negotiates through the
 * real signaling link ({@link SfuSignaling}) with fake SDP (`a=msid` lines), so a FakeRoomServer
 * checks and forwards streams, and delivers subscribers a MediaStream per msid.
 */
export class FakeSfuTransport implements SfuTransport {
  /** Data-channel messages sent (`{streamId, video, audio}`). */
  readonly apiMessages: LayerMessage[] = [];
  /** Stats the next getStats() returns, per connection. */
  readonly stats: Record<PeerConnectionRole, RTCStatsReport | null> = { publisher: null, subscriber: null };
  /** Join config used. */
  joinConfig: SfuJoinConfig | null = null;
  closed = false;
  restartIceCalls = 0;
  /** Sender caps of each published stream, by msid (last applied). */
  readonly encodingLimits = new Map<string, EncodingLimits>();

  private readonly _handlers = new Map<keyof SfuTransportEventMap, Set<(payload: never) => void>>();
  private readonly _ice: Record<PeerConnectionRole, RTCIceConnectionState> = { publisher: 'new', subscriber: 'new' };
  private readonly _published = new Map<string, MediaStreamTrack[]>();
  private readonly _received = new Map<string, SfuMediaStream>();

  constructor(
    private readonly _signal: SfuSignaling,
    private readonly _media: FakeSfuMedia,
    private readonly _behaviour: FakeSfuBehaviour,
  ) {
    _signal.onnegotiate = (offer) => this._onOffer(offer);
    _signal.ontrickle = () => undefined;
  }

  on<K extends keyof SfuTransportEventMap>(type: K, handler: (payload: SfuTransportEventMap[K]) => void): () => void {
    let set = this._handlers.get(type);
    if (!set) this._handlers.set(type, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  /** Number of listeners (to check the client removes its own). */
  get listenerCount(): number {
    let n = 0;
    for (const set of this._handlers.values()) n += set.size;
    return n;
  }

  private _emit<K extends keyof SfuTransportEventMap>(type: K, payload: SfuTransportEventMap[K]): void {
    for (const handler of [...(this._handlers.get(type) ?? [])]) (handler as (p: SfuTransportEventMap[K]) => void)(payload);
  }

  async join(config: SfuJoinConfig): Promise<void> {
    this.joinConfig = config;
    this._signal.beginSfuSession(config);
    await this._signal.join('', '', { type: 'offer', sdp: fakeSdp([]) });
    if (this._behaviour.iceNeverConnects) return new Promise<void>(() => undefined);
    this.setIceState('publisher', 'connected');
    this.setIceState('subscriber', 'connected');
  }

  async publish(msid: MediaStream, tracks: MediaStreamTrack[], options?: PublishOptions): Promise<Publication> {
    this.encodingLimits.set(msid.id, { ...(options?.limits ?? {}) });
    this._published.set(msid.id, [...tracks]);
    this._media.tracks.set(msid.id, [...tracks]);
    await this._offer();
    const senders = () => (this._published.get(msid.id) ?? []).map((track) => ({ track }) as RTCRtpSender);
    return {
      streamId: msid.id,
      replaceTrack: async (kind, track) => {
        const list = (this._published.get(msid.id) ?? []).filter((t) => t.kind !== kind);
        if (track) list.push(track);
        this._published.set(msid.id, list);
        this._media.tracks.set(msid.id, list);
      },
      setTracks: async (next) => {
        this._published.set(msid.id, [...next]);
        this._media.tracks.set(msid.id, [...next]);
        await this._offer();
      },
      getSenders: senders,
      setEncodingLimits: async (limits) => {
        this.encodingLimits.set(msid.id, { ...limits });
      },
      unpublish: async () => {
        this._published.delete(msid.id);
        await this._offer();
      },
    };
  }

  sendApi(message: LayerMessage): void {
    this.apiMessages.push({ ...message });
  }

  async restartIce(): Promise<void> {
    this.restartIceCalls++;
    await this._offer();
  }

  async getStats(role: PeerConnectionRole): Promise<RTCStatsReport | null> {
    return this.closed ? null : this.stats[role];
  }

  iceState(role: PeerConnectionRole): RTCIceConnectionState {
    return this._ice[role];
  }

  close(): void {
    this.closed = true;
    this._handlers.clear();
  }

  /** Test control: set a connection's ICE state and report it. */
  setIceState(role: PeerConnectionRole, state: RTCIceConnectionState): void {
    this._ice[role] = state;
    this._emit('ice-state', { role, state });
  }

  /** Test control: ion-sfu's audio-level observer. */
  emitAudioLevels(streamIds: string[]): void {
    this._emit('audio-levels', streamIds);
  }

  /** MediaStreams received, by msid. */
  get received(): ReadonlyMap<string, MediaStream> {
    return this._received;
  }

  private async _offer(): Promise<void> {
    const lines = [...this._published].flatMap(([streamId, tracks]) => tracks.map((t) => ({ streamId, trackId: t.id })));
    await this._signal.offer({ type: 'offer', sdp: fakeSdp(lines) });
  }

  private _onOffer(offer: RTCSessionDescriptionInit): void {
    if (this.closed) return;
    const ids = msidsOf(offer.sdp ?? '');
    for (const id of [...this._received.keys()]) if (!ids.has(id)) this._received.delete(id);
    for (const id of ids) {
      if (this._received.has(id)) continue;
      const tracks = this._media.tracks.get(id) ?? [];
      const stream = new SfuMediaStream(id, []);
      this._received.set(id, stream);
      // As a browser does: one track event per track, the stream growing as they come.
      for (const track of tracks) {
        stream.addTrack(track);
        this._emit('track', { track, stream });
      }
    }
    this._signal.answer({ type: 'answer', sdp: fakeSdp([]) });
  }
}

/** Creates fake transports that share one forwarding table; keeps them for inspection. */
export class FakeSfu {
  readonly media = new FakeSfuMedia();
  readonly behaviour: FakeSfuBehaviour = { iceNeverConnects: false };
  /** Every transport created, oldest first. */
  readonly transports: FakeSfuTransport[] = [];

  /** Pass as the client's transport factory. */
  readonly transportFactory: SfuTransportFactory = (signal: SfuSignaling) => {
    const transport = new FakeSfuTransport(signal, this.media, this.behaviour);
    this.transports.push(transport);
    return transport;
  };

  /** The newest open transport. */
  get current(): FakeSfuTransport | undefined {
    return [...this.transports].reverse().find((t) => !t.closed);
  }
}
