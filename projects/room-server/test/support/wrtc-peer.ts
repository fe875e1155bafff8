/**
 * A Node WebRTC peer (@roamhq/wrtc) that talks to room-server the way
 * ion-sdk-js does: a publisher connection (with the `ion-sfu` data channel)
 * joined with `join`, a subscriber connection answering ion-sfu's offers,
 * trickle both ways. Used by the integration test when wrtc is installed.
 */
import { createRequire } from 'node:module';
import type { RpcFrame, WsTestClient } from './ws-client.js';

/* The little of wrtc's API used here, typed locally so type-checking does not need the package. */
interface Track {
  readonly kind: string;
  readonly id: string;
  stop(): void;
}
interface Stream {
  readonly id: string;
  getTracks(): Track[];
}
interface Candidate {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
}
interface Description {
  readonly type: string;
  readonly sdp: string;
}
interface PeerConnection {
  createOffer(): Promise<Description>;
  createAnswer(): Promise<Description>;
  setLocalDescription(d: Description): Promise<void>;
  setRemoteDescription(d: Description): Promise<void>;
  addIceCandidate(c: object): Promise<void>;
  addTrack(track: Track, stream: Stream): unknown;
  createDataChannel(label: string): unknown;
  close(): void;
  readonly remoteDescription: Description | null;
  readonly connectionState: string;
  onicecandidate: ((e: { candidate: Candidate | null }) => void) | null;
  ontrack: ((e: { track: Track; streams: Stream[] }) => void) | null;
}
interface VideoSource {
  createTrack(): Track;
  onFrame(frame: { width: number; height: number; data: Uint8ClampedArray }): void;
}
interface AudioSource {
  createTrack(): Track;
  onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }): void;
}
interface Sink {
  stop(): void;
  onframe?: (e: unknown) => void;
  ondata?: (e: unknown) => void;
}
/** The parts of @roamhq/wrtc this helper uses. */
export interface Wrtc {
  RTCPeerConnection: new (config?: object) => PeerConnection;
  MediaStream: new (tracks: Track[]) => Stream;
  nonstandard: {
    RTCVideoSource: new () => VideoSource;
    RTCAudioSource: new () => AudioSource;
    RTCVideoSink: new (track: Track) => Sink;
    RTCAudioSink: new (track: Track) => Sink;
  };
}

/** Loads @roamhq/wrtc if it is installed (it is a CommonJS native module). */
export function loadWrtc(): Wrtc | undefined {
  try {
    const require = createRequire(import.meta.url);
    return require('@roamhq/wrtc') as Wrtc;
  } catch {
    return undefined;
  }
}

/** Local media: an audio and a video track in one MediaStream, fed with synthetic frames. */
export interface LocalMedia {
  readonly stream: Stream;
  stop(): void;
}

/** An ion-sdk-js-like client over a room-server connection. */
export class WrtcPeer {
  readonly pub: PeerConnection;
  readonly sub: PeerConnection;
  /** Remote streams by MediaStream id (the msid ion-sfu preserved). */
  readonly remoteStreams = new Map<string, Stream>();
  private readonly _pendingCandidates: Array<[0 | 1, object]> = [];
  private readonly _off: () => void;
  private readonly _sinks: Sink[] = [];
  private readonly _media: LocalMedia[] = [];

  constructor(
    private readonly _wrtc: Wrtc,
    readonly client: WsTestClient,
  ) {
    this.pub = new _wrtc.RTCPeerConnection({ iceServers: [] });
    this.sub = new _wrtc.RTCPeerConnection({ iceServers: [] });
    this.pub.createDataChannel('ion-sfu');
    this.pub.onicecandidate = (e) => this._sendCandidate(0, e.candidate);
    this.sub.onicecandidate = (e) => this._sendCandidate(1, e.candidate);
    this.sub.ontrack = (e) => {
      for (const stream of e.streams) this.remoteStreams.set(stream.id, stream);
    };
    this._off = client.onNotification((frame) => void this._onNotification(frame).catch(() => {}));
  }

  /**
   * Adds an audio + video stream to the publisher connection and starts feeding it:
   * frames whose luma ramps, or of one colour (`yuv`), and a tone (`toneHz`, default ~764 Hz).
   */
  addMedia(options: { yuv?: [number, number, number]; width?: number; height?: number; toneHz?: number } = {}): LocalMedia {
    const video = new this._wrtc.nonstandard.RTCVideoSource();
    const audio = new this._wrtc.nonstandard.RTCAudioSource();
    const videoTrack = video.createTrack();
    const audioTrack = audio.createTrack();
    const stream = new this._wrtc.MediaStream([audioTrack, videoTrack]);
    this.pub.addTrack(audioTrack, stream);
    this.pub.addTrack(videoTrack, stream);
    const width = options.width ?? 160;
    const height = options.height ?? 120;
    const frame = new Uint8ClampedArray(width * height * 1.5);
    const yuv = options.yuv;
    if (yuv) {
      frame.fill(yuv[0], 0, width * height);
      frame.fill(yuv[1], width * height, width * height * 1.25);
      frame.fill(yuv[2], width * height * 1.25);
    }
    let n = 0;
    const videoTimer = setInterval(() => {
      if (!yuv) frame.fill(n++ % 255, 0, width * height);
      video.onFrame({ width, height, data: frame });
    }, 33);
    const samples = new Int16Array(480);
    const step = options.toneHz !== undefined ? (2 * Math.PI * options.toneHz) / 48000 : 1 / 10;
    let phase = 0;
    const audioTimer = setInterval(() => {
      for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin((phase += step)) * 8000);
      audio.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
    }, 10);
    const media: LocalMedia = {
      stream,
      stop: () => {
        clearInterval(videoTimer);
        clearInterval(audioTimer);
        videoTrack.stop();
        audioTrack.stop();
      },
    };
    this._media.push(media);
    return media;
  }

  /** ion-sdk-js's join: publisher offer through room-server; resolves with the response frame. */
  async join(): Promise<RpcFrame> {
    const offer = await this.pub.createOffer();
    await this.pub.setLocalDescription(offer);
    const res = await this.client.request('join', { offer: { type: 'offer', sdp: offer.sdp } });
    if (res.result) await this._setRemote(this.pub, 0, res.result as unknown as Description);
    return res;
  }

  /** Renegotiates the publisher connection (after adding tracks). */
  async renegotiate(): Promise<RpcFrame> {
    const offer = await this.pub.createOffer();
    await this.pub.setLocalDescription(offer);
    const res = await this.client.request('offer', { desc: { type: 'offer', sdp: offer.sdp } });
    if (res.result) await this._setRemote(this.pub, 0, res.result as unknown as Description);
    return res;
  }

  /** Resolves once a remote stream with this id has arrived. */
  async waitForStream(streamId: string, timeoutMs = 15_000): Promise<Stream> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const stream = this.remoteStreams.get(streamId);
      if (stream) return stream;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`stream ${streamId} did not arrive; have ${[...this.remoteStreams.keys()].join(', ') || 'none'}`);
  }

  /** Counts decoded video frames and audio callbacks of a remote stream for `ms`. */
  async measure(stream: Stream, ms: number): Promise<{ videoFrames: number; audioChunks: number }> {
    let videoFrames = 0;
    let audioChunks = 0;
    for (const track of stream.getTracks()) {
      if (track.kind === 'video') {
        const sink = new this._wrtc.nonstandard.RTCVideoSink(track);
        sink.onframe = () => videoFrames++;
        this._sinks.push(sink);
      } else if (track.kind === 'audio') {
        const sink = new this._wrtc.nonstandard.RTCAudioSink(track);
        sink.ondata = () => audioChunks++;
        this._sinks.push(sink);
      }
    }
    await new Promise((r) => setTimeout(r, ms));
    return { videoFrames, audioChunks };
  }

  /** Stops media, sinks and both connections. */
  close(): void {
    this._off();
    for (const sink of this._sinks.splice(0)) sink.stop();
    for (const media of this._media.splice(0)) media.stop();
    this.pub.close();
    this.sub.close();
  }

  private _sendCandidate(target: 0 | 1, candidate: Candidate | null): void {
    if (!candidate || !candidate.candidate) return;
    this.client.notify('trickle', {
      target,
      candidate: { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex },
    });
  }

  private async _onNotification(frame: RpcFrame): Promise<void> {
    if (frame.method === 'offer') {
      const desc = frame.params?.['desc'] as Description;
      await this._setRemote(this.sub, 1, desc);
      const answer = await this.sub.createAnswer();
      await this.sub.setLocalDescription(answer);
      this.client.notify('answer', { desc: { type: 'answer', sdp: answer.sdp } });
    } else if (frame.method === 'trickle') {
      const target = frame.params?.['target'] as 0 | 1;
      const raw = frame.params?.['candidate'] as Record<string, unknown>;
      const candidate = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
      const pc = target === 0 ? this.pub : this.sub;
      if (pc.remoteDescription) await pc.addIceCandidate(candidate);
      else this._pendingCandidates.push([target, candidate]);
    }
  }

  private async _setRemote(pc: PeerConnection, target: 0 | 1, desc: Description): Promise<void> {
    await pc.setRemoteDescription(desc);
    for (const [t, c] of this._pendingCandidates.filter(([t]) => t === target)) {
      this._pendingCandidates.splice(this._pendingCandidates.findIndex(([x, y]) => x === t && y === c), 1);
      await pc.addIceCandidate(c).catch(() => {});
    }
  }
}
