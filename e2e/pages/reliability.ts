/**
 * The reliability test page: everything of the tutorial page (window.TRTC,
 * window.e2e probes), plus test-only hooks on the signaling WebSocket (drop
 * it, or stall it silently) and the stream id in every recorded event, so
 * specs can count `stream-added` per remote stream across a fault; media
 * routing through the lossy relay, and what a degraded network does to the
 * page: inbound video counters, the time of every remote frame presented,
 * ICE state changes.
 */
import './tutorial';

type Recorded = { type: string; userId?: string; streamType?: string; streamId?: string; durationMs?: number; attempts?: number; at: number };

/**
 * The inbound-rtp counters the probes read, per kind: loss, NACKs, keyframe
 * requests, frames and freezes as Chromium counts them for video; loss and
 * concealment (what a listener hears as glitches) for audio.
 */
const INBOUND_COUNTERS = {
  video: [
    'packetsReceived', 'packetsLost', 'framesReceived', 'framesDecoded', 'framesDropped',
    'keyFramesDecoded', 'nackCount', 'pliCount', 'firCount', 'freezeCount', 'totalFreezesDuration', 'pauseCount', 'totalPausesDuration',
  ],
  audio: ['packetsReceived', 'packetsLost', 'concealmentEvents'],
} as const;

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
/** ICE connection state changes of every peer connection, wall-clock (`Date.now()`). */
const iceStates: Array<{ pc: number; role: 'publisher' | 'subscriber'; state: RTCIceConnectionState; at: number }> = [];
window.RTCPeerConnection = class extends TutorialPeerConnection {
  constructor(config?: RTCConfiguration) {
    super(config);
    const index = peerConnections.push(this) - 1;
    // A listener of our own: the SDK sets oniceconnectionstatechange, which this leaves alone.
    this.addEventListener('iceconnectionstatechange', () => {
      // ion-sdk-js's publisher offers, its subscriber answers ion-sfu's offers.
      const role = (this.currentLocalDescription ?? this.pendingLocalDescription)?.type === 'offer' ? 'publisher' : 'subscriber';
      iceStates.push({ pc: index, role, state: this.iceConnectionState, at: Date.now() });
    });
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

// Test-only instrumentation: the wall-clock time of every remote video frame
// presented (requestVideoFrameCallback), since `video.currentTime` keeps
// advancing when frames stop. Videos added later (re-joins) are picked up.
// A frame presented after the video's track ended is not a picture from the
// sender (Chromium shows one when a track ends): it is kept apart, with its
// mean luma (0–255) so a spec can tell a black frame.
type PresentedFrame = { at: number; video: number; mediaTime: number; isTrackLive: boolean; meanLuma?: number };
const presented: PresentedFrame[] = [];
const watchedVideos = new WeakSet<HTMLVideoElement>();
let videoCount = 0;
const meanLuma = (video: HTMLVideoElement): number | undefined => {
  const canvas = new OffscreenCanvas(8, 8);
  const context = canvas.getContext('2d');
  if (!context) return undefined;
  context.drawImage(video, 0, 0, 8, 8);
  const { data } = context.getImageData(0, 0, 8, 8);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  return Math.round(sum / (data.length / 4));
};
setInterval(() => {
  for (const video of document.querySelectorAll<HTMLVideoElement>('#remotes video')) {
    if (watchedVideos.has(video)) continue;
    watchedVideos.add(video);
    const index = videoCount++;
    const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
      if (presented.length >= 100_000) presented.splice(0, 50_000);
      const isTrackLive = (video.srcObject as MediaStream | null)?.getVideoTracks()[0]?.readyState === 'live';
      presented.push({
        at: Date.now(),
        video: index,
        mediaTime: metadata.mediaTime,
        isTrackLive,
        ...(isTrackLive ? {} : { meanLuma: meanLuma(video) }),
      });
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }
}, 100);

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
  /** Inbound-rtp counters (INBOUND_COUNTERS) of every live peer connection, by its index, summed per kind. */
  async inboundByConnection(): Promise<Record<number, Record<keyof typeof INBOUND_COUNTERS, Record<string, number>>>> {
    const result: Record<number, Record<keyof typeof INBOUND_COUNTERS, Record<string, number>>> = {};
    for (const [index, pc] of peerConnections.entries()) {
      if (pc.connectionState === 'closed') continue;
      const totals = {
        video: Object.fromEntries(INBOUND_COUNTERS.video.map((name) => [name, 0])),
        audio: Object.fromEntries(INBOUND_COUNTERS.audio.map((name) => [name, 0])),
      };
      const report = await pc.getStats();
      report.forEach((stat) => {
        if (stat.type !== 'inbound-rtp' || (stat.kind !== 'video' && stat.kind !== 'audio')) return;
        const kind = stat.kind as keyof typeof INBOUND_COUNTERS;
        for (const name of INBOUND_COUNTERS[kind]) totals[kind][name] += stat[name] ?? 0;
      });
      result[index] = totals;
    }
    return result;
  },
  /** Wall-clock times (`Date.now()`) of remote video frames of live tracks presented in [from, to). */
  presentedFrames(from = 0, to = Infinity): number[] {
    return presented.filter((f) => f.isTrackLive && f.at >= from && f.at < to).map((f) => f.at);
  },
  /** Every frame presented in [from, to), ended tracks' included, with the video element (nth watched) and media time. */
  presentedFrameDetails(from = 0, to = Infinity): PresentedFrame[] {
    return presented.filter((f) => f.at >= from && f.at < to);
  },
  /** ICE connection state changes since `from` (wall clock). */
  iceStates(from = 0) {
    return iceStates.filter((change) => change.at >= from);
  },
});
