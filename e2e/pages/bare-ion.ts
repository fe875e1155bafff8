/**
 * The baseline: a bare ion-sdk-js client talking straight to ion-sfu's
 * JSON-RPC (no room-server, no auth, no registry), written the way ion-sdk-js's
 * README does it: IonSFUJSONRPCSignal + Client.join(sid, uid), LocalStream +
 * client.publish, client.ontrack → a <video>. Same `window.bench` contract as
 * e2e/pages/bench-ngx.ts. Deep imports keep the gRPC connector out, as
 * ngx-trtc does.
 *
 * ion-sfu listens on 127.0.0.1 inside the test network, where Chromium runs;
 * the driver passes its URL as `?sfu=ws://127.0.0.1:<port>/ws`.
 */
import * as ionClient from 'ion-sdk-js/lib/client';
import { IonSFUJSONRPCSignal } from 'ion-sdk-js/lib/signal/json-rpc-impl';
import { LocalStream, type RemoteStream } from 'ion-sdk-js/lib/stream';

import {
  type BenchPage,
  type CounterSource,
  type RemoteVideo,
  nowMs,
  onFirstFrame,
  startCounterReader,
  startCounterSource,
  trackPeerConnections,
  videoStats,
} from './bench-common';

// e2e/ is `"type": "module"`, so esbuild gives a CommonJS module's whole
// `exports` as the default import, not its `exports.default` (which a bundle
// of the library, outside e2e/, gets).
type IonClient = import('ion-sdk-js/lib/client').default;
const Client: typeof import('ion-sdk-js/lib/client').default =
  (ionClient as any).default?.default ?? (ionClient as any).default;

const pcs = trackPeerConnections();
const remotes = new Map<string, RemoteVideo>();
let client: IonClient | null = null;
let signal: IonSFUJSONRPCSignal | null = null;
let local: LocalStream | null = null;
let encodings: RTCRtpEncodingParameters[] = [];
let counterSource: CounterSource | null = null;
let reading = false;

function sfuUrl(): string {
  const url = new URLSearchParams(location.search).get('sfu') ?? (window as { benchSfuUrl?: string }).benchSfuUrl;
  if (!url) throw new Error('bare-ion: no ion-sfu URL (set window.benchSfuUrl)');
  return url;
}

function onRemote(track: MediaStreamTrack, stream: RemoteStream): void {
  if (track.kind !== 'video' || remotes.has(stream.id)) return;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.style.width = '320px';
  video.style.height = '180px';
  const entry: RemoteVideo = { key: stream.id, video, firstFrameAt: null, reader: null };
  remotes.set(stream.id, entry);
  onFirstFrame(video, (at) => (entry.firstFrameAt = at));
  if (reading) entry.reader = startCounterReader(video);
  video.srcObject = stream;
  document.querySelector('#remotes')!.appendChild(video);
  video.play().catch(() => undefined); // autoplay is allowed by the harness flags; a rejection only means it started already
  stream.onremovetrack = () => {
    if (stream.getTracks().length === 0) {
      remotes.get(stream.id)?.reader?.stop();
      remotes.delete(stream.id);
      video.remove();
    }
  };
}

const bench: BenchPage = {
  sdk: 'bare-ion',
  async join({ roomId, userId }) {
    const started = performance.now();
    const s = new IonSFUJSONRPCSignal(sfuUrl());
    const c = new Client(s, { codec: 'vp8', iceServers: [] });
    c.ontrack = onRemote;
    await new Promise<void>((resolve, reject) => {
      s.onopen = () => c.join(`bare-${roomId}`, userId).then(resolve, reject);
      s.onerror = () => reject(new Error('ion-sfu WebSocket failed'));
    });
    const joinMs = performance.now() - started;
    signal = s;
    client = c;
    return { joinMs };
  },
  async prepare({ width, height, fps, bitrateKbps, counter, audio }) {
    let media: MediaStream;
    if (counter) {
      counterSource = startCounterSource(fps);
      media = new MediaStream([counterSource.track]);
    } else {
      media = await navigator.mediaDevices.getUserMedia({
        audio: audio ?? true,
        video: { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: fps } },
      });
    }
    // The same bitrate and frame-rate cap ngx-trtc's profile applies.
    encodings = [{ maxBitrate: bitrateKbps * 1000, maxFramerate: fps }];
    local = new LocalStream(media, {
      resolution: 'vga',
      codec: 'vp8',
      audio: !counter && (audio ?? true),
      video: true,
      simulcast: false,
    });
  },
  async publish() {
    const startedAt = nowMs();
    const t0 = performance.now();
    client!.publish(local!, encodings);
    return { startedAt, publishMs: performance.now() - t0 };
  },
  firstFrames: () => [...remotes.values()].map((r) => ({ key: r.key, at: r.firstFrameAt })),
  readCounters() {
    reading = true;
    for (const r of remotes.values()) r.reader ??= startCounterReader(r.video);
  },
  counters: () =>
    [...remotes.values()].map((r) => ({ key: r.key, seen: r.reader?.seen ?? [], undecodable: r.reader?.undecodable ?? 0 })),
  sentAt: () => counterSource?.sentAt ?? [],
  stats: () => videoStats(pcs),
  playing: () => [...remotes.values()].filter((r) => r.video.videoWidth > 0).length,
  async leave() {
    for (const r of remotes.values()) r.reader?.stop();
    remotes.clear();
    reading = false;
    local?.getTracks().forEach((t) => t.stop());
    local = null;
    client?.close();
    client = null;
    signal = null;
    counterSource?.stop();
    counterSource = null;
    document.querySelector('#remotes')!.replaceChildren();
  },
};

Object.assign(window, { bench, e2eReady: true });
