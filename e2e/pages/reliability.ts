/**
 * The reliability test page: everything of the tutorial page (window.TRTC,
 * window.e2e probes), plus test-only hooks on the signaling WebSocket (drop
 * it, or stall it silently) and the stream id in every recorded event, so
 * specs can count `stream-added` per remote stream across a fault.
 */
import './tutorial';

type Recorded = { type: string; userId?: string; streamType?: string; streamId?: string; durationMs?: number; attempts?: number; at: number };

const sockets: TrackedWebSocket[] = [];
const NativeWebSocket = window.WebSocket;

// Test-only instrumentation: keep every WebSocket the SDK opens, so a spec can
// drop the signaling link (as a network blip would) or make it go silent.
class TrackedWebSocket extends NativeWebSocket {
  /** While true, frames are neither delivered to the SDK nor sent (a silent, half-dead link). */
  stalled = false;

  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    sockets.push(this);
  }

  override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (!this.stalled) super.send(data);
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    if (type === 'message' && typeof listener === 'function') {
      const gated = (event: Event) => {
        if (!this.stalled) listener.call(this, event);
      };
      (listener as unknown as { __gated?: EventListener }).__gated = gated;
      super.addEventListener(type, gated, options);
      return;
    }
    super.addEventListener(type, listener, options);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    const gated = (listener as unknown as { __gated?: EventListener } | null)?.__gated;
    super.removeEventListener(type, gated ?? listener, options);
  }
}
window.WebSocket = TrackedWebSocket as unknown as typeof WebSocket;

// The tutorial page already wraps RTCPeerConnection for its probes; wrap its
// wrapper to keep a list of our own (for loss counters).
const peerConnections: RTCPeerConnection[] = [];
const TutorialPeerConnection = window.RTCPeerConnection;
/** When set, media goes through the lossy relay (e2e/harness/lossy-relay.ts). */
let mediaRoute: { from: string; to: string } | null = null;
const rewrite = (text: string) => (mediaRoute ? text.split(` ${mediaRoute.from} `).join(` ${mediaRoute.to} `) : text);
window.RTCPeerConnection = class extends TutorialPeerConnection {
  constructor(config?: RTCConfiguration) {
    super(config);
    peerConnections.push(this);
  }

  // ion-sfu's candidates point at the relay instead of ion-sfu itself.
  override setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return super.setRemoteDescription(
      description?.sdp ? { type: description.type, sdp: rewrite(description.sdp) } : description,
    );
  }

  override addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
    if (candidate?.candidate) return super.addIceCandidate({ ...candidate, candidate: rewrite(candidate.candidate) });
    return super.addIceCandidate(candidate ?? undefined);
  }

  // ngx-trtc puts its first candidate in the subscriber answer (so ion-sfu never waits on a
  // peer-reflexive pair); while routed, that candidate must stay private too, or ion-sfu
  // reaches this page directly and the relay is bypassed.
  override get localDescription(): RTCSessionDescription | null {
    const description = super.localDescription;
    if (!mediaRoute || !description) return description;
    const sdp = description.sdp.replace(/^a=candidate:.*\r?\n/gm, '');
    return { type: description.type, sdp, toJSON: () => ({ type: description.type, sdp }) } as RTCSessionDescription;
  }

} as typeof RTCPeerConnection;
// Our own candidates stay private while routed, so ion-sfu only learns the relay's address.
{
  let proto: object | null = window.RTCPeerConnection.prototype;
  let native: PropertyDescriptor | undefined;
  while (proto && !(native = Object.getOwnPropertyDescriptor(proto, 'onicecandidate'))) proto = Object.getPrototypeOf(proto);
  Object.defineProperty(window.RTCPeerConnection.prototype, 'onicecandidate', {
    configurable: true,
    get(this: RTCPeerConnection) {
      return native!.get!.call(this);
    },
    set(this: RTCPeerConnection, handler: ((event: RTCPeerConnectionIceEvent) => void) | null) {
      native!.set!.call(
        this,
        handler
          ? (event: RTCPeerConnectionIceEvent) => {
              if (mediaRoute && event.candidate) return;
              handler.call(this, event);
            }
          : null,
      );
    },
  });
}

const e2e = (window as unknown as { e2e: Record<string, unknown> & { events: Recorded[] } }).e2e;

Object.assign(e2e, {
  /** Records events with the remote stream's id as well (the tutorial probe records type and user only). */
  record(client: { on(event: string, handler: (e: unknown) => void): void }, types: string[]) {
    for (const type of [...types, 'reconnected']) {
      client.on(type, (event) => {
        const e = event as { stream?: { getUserId(): string; getType(): string; getId(): string }; userId?: string; durationMs?: number; attempts?: number };
        e2e.events.push({
          type,
          userId: e?.stream?.getUserId?.() ?? e?.userId,
          streamType: e?.stream?.getType?.(),
          streamId: e?.stream?.getId?.(),
          ...(type === 'reconnected' ? { durationMs: e?.durationMs, attempts: e?.attempts } : {}),
          at: performance.now(),
        });
      });
    }
  },
  /** Closes every open signaling socket from the page (the SDK sees an unexpected close). */
  dropSignal(): number {
    const open = sockets.filter((s) => s.readyState === NativeWebSocket.OPEN);
    for (const socket of open) socket.close(4999, 'e2e: dropped');
    return open.length;
  },
  /** Makes every open signaling socket silent (nothing in, nothing out) while the TCP link stays up. */
  stallSignal(): number {
    const open = sockets.filter((s) => s.readyState === NativeWebSocket.OPEN);
    for (const socket of open) socket.stalled = true;
    return open.length;
  },
  /** Sends this page's media through the relay at `to` instead of ion-sfu at `from` (before joining). */
  routeMediaThrough(from: string, to: string): void {
    mediaRoute = { from, to };
  },
  /** Open signaling sockets. */
  openSockets(): number {
    return sockets.filter((s) => s.readyState === NativeWebSocket.OPEN).length;
  },
  /** Inbound RTP counters summed over every live peer connection, loss included. */
  async inboundLoss(): Promise<{ packetsReceived: number; packetsLost: number; framesDecoded: number; nackCount: number }> {
    const totals = { packetsReceived: 0, packetsLost: 0, framesDecoded: 0, nackCount: 0 };
    for (const pc of peerConnections) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((stat) => {
        if (stat.type !== 'inbound-rtp' || stat.kind !== 'video') return;
        totals.packetsReceived += stat.packetsReceived ?? 0;
        totals.packetsLost += stat.packetsLost ?? 0;
        totals.framesDecoded += stat.framesDecoded ?? 0;
        totals.nackCount += stat.nackCount ?? 0;
      });
    }
    return totals;
  },
});
