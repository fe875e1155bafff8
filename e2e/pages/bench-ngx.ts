/**
 * Benchmark page over ngx-trtc, written as an app would (the TRTC facade:
 * createClient → join → createStream → initialize → publish; stream-added →
 * subscribe → play). Exposes `window.bench` ({@link BenchPage}); its twin over
 * bare ion-sdk-js is e2e/pages/bare-ion.ts.
 */
import { TRTC, type Client, type LocalStream, type RemoteStream } from 'ngx-trtc';

import { type BenchPage, BenchProbes, nowMs, startCounterSource, trackPeerConnections } from './bench-common';

const pcs = trackPeerConnections();
const probes = new BenchProbes(pcs);
let client: Client | null = null;
let local: LocalStream | null = null;

/** The key of `join({e2ee: true})`: the same 32 bytes on every bench page, as a shared passphrase would give. */
const BENCH_E2EE_KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);

/**
 * `join({vp8: true})`: every video transceiver offers VP8 only, as E2EE makes
 * its own do, so a call with and without E2EE compares the same codec.
 */
function preferVp8Everywhere(): void {
  const native = RTCPeerConnection.prototype.createOffer;
  RTCPeerConnection.prototype.createOffer = function (this: RTCPeerConnection, ...args: unknown[]) {
    const vp8 = (RTCRtpReceiver.getCapabilities('video')?.codecs ?? []).filter((c) => /^video\/(vp8|rtx|red|ulpfec)$/i.test(c.mimeType));
    for (const t of this.getTransceivers()) {
      if (t.sender.track?.kind === 'video' && vp8.length) t.setCodecPreferences(vp8);
    }
    return (native as (...a: unknown[]) => Promise<RTCSessionDescriptionInit>).apply(this, args);
  } as typeof native;
}
let vp8Forced = false;

async function userSig(userId: string): Promise<{ sdkAppId: number; userSig: string }> {
  const response = await fetch(`/dev/usersig?userId=${encodeURIComponent(userId)}`);
  if (!response.ok) throw new Error(`/dev/usersig answered ${response.status}`);
  return response.json();
}

// Every <video> that play() inserts is watched from the moment it enters the
// DOM, before it can present a frame.
new MutationObserver((records) => {
  for (const record of records) {
    record.addedNodes.forEach((node) => {
      const videos = node instanceof HTMLVideoElement ? [node] : node instanceof Element ? [...node.querySelectorAll('video')] : [];
      const key = (node as Element).closest?.('[data-key]')?.getAttribute('data-key');
      for (const video of videos) {
        if (!key || probes.has(key)) continue;
        probes.add(key, video);
      }
    });
  }
}).observe(document.body, { childList: true, subtree: true });

const bench: BenchPage = {
  sdk: 'ngx-trtc',
  async join({ roomId, userId, e2ee, vp8 }) {
    const { sdkAppId, userSig: sig } = await userSig(userId);
    if (vp8 && !vp8Forced) {
      preferVp8Everywhere();
      vp8Forced = true;
    }
    const c = TRTC.createClient({ mode: 'rtc', sdkAppId, userId, userSig: sig, ...(e2ee ? { e2ee: { key: BENCH_E2EE_KEY } } : {}) });
    c.on('stream-added', (event: { stream: RemoteStream }) => {
      c.subscribe(event.stream);
    });
    c.on('stream-subscribed', (event: { stream: RemoteStream }) => {
      const stream = event.stream;
      const div = document.createElement('div');
      div.id = `remote_${stream.getId()}`;
      div.setAttribute('data-key', `${stream.getUserId()}:${stream.getType()}`);
      div.style.width = '320px';
      div.style.height = '180px';
      document.querySelector('#remotes')!.appendChild(div);
      stream.play(div.id);
    });
    const started = performance.now();
    await c.join({ roomId });
    const joinMs = performance.now() - started;
    client = c;
    return { joinMs };
  },
  async prepare({ width, height, fps, bitrateKbps, counter, audio }) {
    const profile = { width, height, frameRate: fps, bitrate: bitrateKbps };
    if (counter) {
      probes.counterSource = startCounterSource(fps);
      local = TRTC.createStream({ audio: false, videoSource: probes.counterSource.track });
    } else {
      local = TRTC.createStream({ audio: audio ?? true, video: true });
    }
    await local.setVideoProfile(profile);
    await local.initialize();
  },
  async publish() {
    const startedAt = nowMs();
    const t0 = performance.now();
    await client!.publish(local!);
    return { startedAt, publishMs: performance.now() - t0 };
  },
  async setEffects(on) {
    await local!.setVideoEffects(
      on ? { mirror: true, beauty: { strength: 0.6, brightness: 0.1, contrast: 0.1, saturation: 0.1 } } : {},
    );
    return local!.getVideoPipelineKind();
  },
  async videoCodecs() {
    const send = new Set<string>();
    const receive = new Set<string>();
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((s) => {
        if (s.kind !== 'video' || (s.type !== 'outbound-rtp' && s.type !== 'inbound-rtp') || !s.codecId) return;
        const mime = report.get(s.codecId)?.mimeType;
        if (mime) (s.type === 'outbound-rtp' ? send : receive).add(mime);
      });
    }
    return { send: [...send].sort(), receive: [...receive].sort() };
  },
  ...probes.methods,
  async leave() {
    await client?.leave();
    client?.destroy();
    client = null;
    local?.close();
    local = null;
    probes.clear();
    document.querySelector('#remotes')!.replaceChildren();
  },
};

Object.assign(window, { bench, e2eReady: true });
