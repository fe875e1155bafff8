/**
 * The e2e test page: exposes ngx-trtc's TRTC facade as `window.TRTC`, exactly
 * what the seed tutorials call, plus probes the specs read (remote video
 * playback, inbound audio/video from getStats, what the senders send, the
 * tracks captured, the events a client saw).
 */
import { E2eeKeyProvider, TRTC, deriveE2eeKey } from 'ngx-trtc';

type Probe = {
  userSig(userId: string): Promise<{ sdkAppId: number; userSig: string }>;
  inbound(): Promise<{ audioEnergy: number; audioPackets: number; videoFrames: number; videoWidth: number }>;
  remoteVideos(): Array<{ id: string; width: number; time: number }>;
  outbound(): Promise<Array<{ trackId: string | undefined; kind: string; framesEncoded: number }>>;
  codecs(): Promise<{ inbound: string[]; outbound: string[] }>;
  senders(): SenderRow[];
  captured(): CapturedTrack[];
  events: Array<{ type: string; userId?: string; streamType?: string; at: number }>;
  record(client: { on(event: string, handler: (e: unknown) => void): void }, types: string[]): void;
};

/** One RTP sender of an open peer connection and the track it sends. */
type SenderRow = { kind: string | null; trackId: string | null; deviceId: string | undefined; readyState: string | null };
/** One track getUserMedia handed out, and whether it still holds the device. */
type CapturedTrack = { kind: string; trackId: string; deviceId: string | undefined; readyState: string };

const peerConnections: RTCPeerConnection[] = [];
const NativePeerConnection = window.RTCPeerConnection;
// Test-only instrumentation: keep every peer connection the SDK opens, so the
// probes can read inbound-rtp stats the way a network engineer would.
class TrackedPeerConnection extends NativePeerConnection {
  constructor(config?: RTCConfiguration) {
    super(config);
    peerConnections.push(this);
  }
}
window.RTCPeerConnection = TrackedPeerConnection;

// Test-only instrumentation: keep every captured track, so a spec can check
// that a device the app let go of is released (its track ended).
const capturedTracks: Array<{ track: MediaStreamTrack; deviceId: string | undefined }> = [];
const mediaDevices = navigator.mediaDevices;
if (mediaDevices) {
  const getUserMedia = mediaDevices.getUserMedia.bind(mediaDevices);
  mediaDevices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    // getSettings() of an ended track may lose its deviceId: read it while live.
    for (const track of stream.getTracks()) capturedTracks.push({ track, deviceId: track.getSettings().deviceId });
    return stream;
  };
}

const probe: Probe = {
  async userSig(userId) {
    const response = await fetch(`/dev/usersig?userId=${encodeURIComponent(userId)}`);
    if (!response.ok) throw new Error(`/dev/usersig answered ${response.status}`);
    return response.json();
  },
  async inbound() {
    const totals = { audioEnergy: 0, audioPackets: 0, videoFrames: 0, videoWidth: 0 };
    for (const pc of peerConnections) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((stat) => {
        if (stat.type !== 'inbound-rtp') return;
        if (stat.kind === 'audio') {
          totals.audioEnergy += stat.totalAudioEnergy ?? 0;
          totals.audioPackets += stat.packetsReceived ?? 0;
        } else if (stat.kind === 'video') {
          totals.videoFrames += stat.framesDecoded ?? 0;
          totals.videoWidth = Math.max(totals.videoWidth, stat.frameWidth ?? 0);
        }
      });
    }
    return totals;
  },
  async outbound() {
    const rows: Array<{ trackId: string | undefined; kind: string; framesEncoded: number }> = [];
    for (const pc of peerConnections) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      for (const sender of pc.getSenders()) {
        if (!sender.track) continue;
        let frames = 0;
        report.forEach((stat) => {
          if (stat.type === 'outbound-rtp' && stat.kind === sender.track!.kind) frames = Math.max(frames, stat.framesEncoded ?? 0);
        });
        rows.push({ trackId: sender.track.id, kind: sender.track.kind, framesEncoded: frames });
      }
    }
    return rows;
  },
  /** The mime types of the codecs the open peer connections receive and send video with (from getStats). */
  async codecs() {
    const found = { inbound: new Set<string>(), outbound: new Set<string>() };
    for (const pc of peerConnections) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((stat) => {
        if ((stat.type !== 'inbound-rtp' && stat.type !== 'outbound-rtp') || stat.kind !== 'video' || !stat.codecId) return;
        const codec = report.get(stat.codecId);
        if (codec?.mimeType) found[stat.type === 'inbound-rtp' ? 'inbound' : 'outbound'].add(codec.mimeType.toLowerCase());
      });
    }
    return { inbound: [...found.inbound].sort(), outbound: [...found.outbound].sort() };
  },
  senders() {
    return peerConnections
      .filter((pc) => pc.connectionState !== 'closed')
      .flatMap((pc) => pc.getSenders())
      .map((sender) => ({
        kind: sender.track?.kind ?? null,
        trackId: sender.track?.id ?? null,
        deviceId: sender.track?.getSettings().deviceId,
        readyState: sender.track?.readyState ?? null,
      }));
  },
  captured() {
    return capturedTracks.map(({ track, deviceId }) => ({ kind: track.kind, trackId: track.id, deviceId, readyState: track.readyState }));
  },
  remoteVideos() {
    return [...document.querySelectorAll<HTMLVideoElement>('#remotes video')].map((video) => ({
      id: video.closest('[data-stream-id]')?.getAttribute('data-stream-id') ?? video.id,
      width: video.videoWidth,
      time: video.currentTime,
    }));
  },
  events: [],
  record(client, types) {
    for (const type of types) {
      client.on(type, (event) => {
        const e = event as { stream?: { getUserId(): string; getType(): string }; userId?: string };
        probe.events.push({
          type,
          userId: e?.stream?.getUserId?.() ?? e?.userId,
          streamType: e?.stream?.getType?.(),
          at: performance.now(),
        });
      });
    }
  },
};

// E2EE specs build key providers in the page, as an app would.
Object.assign(window, { TRTC, E2eeKeyProvider, deriveE2eeKey, e2e: probe, e2eReady: true });
