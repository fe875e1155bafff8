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

import { type BenchPage, BenchProbes, nowMs, startCounterSource, trackPeerConnections } from './bench-common';

// e2e/ is `"type": "module"`, so esbuild gives a CommonJS module's whole
// `exports` as the default import, not its `exports.default` (which a bundle
// of the library, outside e2e/, gets).
type IonClient = import('ion-sdk-js/lib/client').default;
const Client: typeof import('ion-sdk-js/lib/client').default =
  (ionClient as any).default?.default ?? (ionClient as any).default;

const probes = new BenchProbes(trackPeerConnections());
let client: IonClient | null = null;
let signal: IonSFUJSONRPCSignal | null = null;
let local: LocalStream | null = null;
let encodings: RTCRtpEncodingParameters[] = [];

function sfuUrl(): string {
  const url = new URLSearchParams(location.search).get('sfu') ?? (window as { benchSfuUrl?: string }).benchSfuUrl;
  if (!url) throw new Error('bare-ion: no ion-sfu URL (set window.benchSfuUrl)');
  return url;
}

function onRemote(track: MediaStreamTrack, stream: RemoteStream): void {
  if (track.kind !== 'video' || probes.has(stream.id)) return;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.style.width = '320px';
  video.style.height = '180px';
  probes.add(stream.id, video);
  video.srcObject = stream;
  document.querySelector('#remotes')!.appendChild(video);
  video.play().catch(() => undefined); // autoplay is allowed by the harness flags; a rejection only means it started already
  stream.onremovetrack = () => {
    if (stream.getTracks().length === 0) {
      probes.remove(stream.id);
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
      probes.counterSource = startCounterSource(fps);
      media = new MediaStream([probes.counterSource.track]);
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
  ...probes.methods,
  async leave() {
    local?.getTracks().forEach((t) => t.stop());
    local = null;
    client?.close();
    client = null;
    signal = null;
    probes.clear();
    document.querySelector('#remotes')!.replaceChildren();
  },
};

Object.assign(window, { bench, e2eReady: true });
