/**
 * The egress's WebRTC side: ion-sfu's two-connection model as ion-sdk-js
 * does it (a publisher connection carrying only the `ion-sfu` data channel,
 * a subscriber connection answering ion-sfu's offers), signaled through
 * room-server. Decoded frames and PCM of the streams the layout wants reach
 * the pipeline through libwebrtc's nonstandard sinks.
 */
import type { PcmChunk } from './audio-mixer.js';
import type { I420Frame } from './compositor.js';
import type { IpcSignal } from './ipc-signal.js';
import type { Wrtc, WrtcAudioSink, WrtcDescription, WrtcPeerConnection, WrtcTrack, WrtcVideoSink } from './wrtc.js';

/** Where received media goes. */
export interface MediaHandlers {
  onVideo(streamId: string, frame: I420Frame): void;
  onAudio(streamId: string, chunk: PcmChunk): void;
  /** A connection failed for good (the worker exits and room-server restarts it). */
  onFailed(reason: string): void;
}

type Target = 0 | 1;

/** Receives the room's streams from ion-sfu. */
export class MediaReceiver {
  private readonly _pub: WrtcPeerConnection;
  private readonly _sub: WrtcPeerConnection;
  /** Tracks by stream id (msid) and kind, as they arrive. */
  private readonly _tracks = new Map<string, Map<string, WrtcTrack>>();
  private readonly _sinks = new Map<string, { track: WrtcTrack; stop(): void }>();
  private _wanted = new Set<string>();
  private readonly _pendingCandidates: Array<[Target, object]> = [];
  private readonly _off: () => void;
  private _isClosed = false;

  constructor(
    private readonly _wrtc: Wrtc,
    private readonly _signal: IpcSignal,
    private readonly _handlers: MediaHandlers,
  ) {
    // Loopback / the SFU's own addresses only: no STUN, no TURN.
    this._pub = new _wrtc.RTCPeerConnection({ iceServers: [] });
    this._sub = new _wrtc.RTCPeerConnection({ iceServers: [] });
    // ion-sfu negotiates the subscriber connection only after a publisher join; the
    // data channel is what an audience browser's offer carries too (no media: nothing to publish).
    this._pub.createDataChannel('ion-sfu');
    this._pub.onicecandidate = (e) => this._sendCandidate(0, e.candidate);
    this._sub.onicecandidate = (e) => this._sendCandidate(1, e.candidate);
    this._sub.ontrack = (e) => {
      for (const stream of e.streams) this._onTrack(stream.id, e.track);
    };
    this._sub.onconnectionstatechange = () => {
      if (this._sub.connectionState === 'failed') this._handlers.onFailed('the subscriber connection to ion-sfu failed');
    };
    this._off = _signal.onNotification((n) => {
      this._onNotification(n.method, n.params).catch((err: unknown) => {
        if (!this._isClosed) this._handlers.onFailed(`signaling: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
  }

  /** Joins ion-sfu through room-server. */
  async join(): Promise<void> {
    const offer = await this._pub.createOffer();
    await this._pub.setLocalDescription(offer);
    const answer = (await this._signal.request('join', { offer: { type: 'offer', sdp: offer.sdp } })) as WrtcDescription;
    await this._setRemote(this._pub, 0, answer);
  }

  /** The streams whose media the pipeline wants; sinks are attached and detached to match. */
  setWanted(streamIds: Iterable<string>): void {
    this._wanted = new Set(streamIds);
    for (const [key, sink] of this._sinks) {
      if (!this._wanted.has(key.slice(key.indexOf(':') + 1))) {
        sink.stop();
        this._sinks.delete(key);
      }
    }
    for (const streamId of this._wanted) {
      for (const track of this._tracks.get(streamId)?.values() ?? []) this._attach(streamId, track);
    }
  }

  /** Stops every sink and both connections. */
  close(): void {
    this._isClosed = true;
    this._off();
    for (const sink of this._sinks.values()) sink.stop();
    this._sinks.clear();
    this._pub.close();
    this._sub.close();
  }

  private _onTrack(streamId: string, track: WrtcTrack): void {
    let byKind = this._tracks.get(streamId);
    if (!byKind) {
      byKind = new Map();
      this._tracks.set(streamId, byKind);
    }
    byKind.set(track.kind, track);
    if (this._wanted.has(streamId)) this._attach(streamId, track);
  }

  private _attach(streamId: string, track: WrtcTrack): void {
    const key = `${track.kind}:${streamId}`;
    const existing = this._sinks.get(key);
    if (existing?.track === track) return;
    existing?.stop();
    if (track.kind === 'video') {
      const sink: WrtcVideoSink = new this._wrtc.nonstandard.RTCVideoSink(track);
      sink.onframe = (e) => this._handlers.onVideo(streamId, e.frame);
      this._sinks.set(key, { track, stop: () => sink.stop() });
    } else if (track.kind === 'audio') {
      const sink: WrtcAudioSink = new this._wrtc.nonstandard.RTCAudioSink(track);
      sink.ondata = (e) => this._handlers.onAudio(streamId, e);
      this._sinks.set(key, { track, stop: () => sink.stop() });
    }
  }

  private async _onNotification(method: string, params: Record<string, unknown>): Promise<void> {
    if (method === 'offer') {
      await this._setRemote(this._sub, 1, params['desc'] as WrtcDescription);
      const answer = await this._sub.createAnswer();
      await this._sub.setLocalDescription(answer);
      this._signal.notify('answer', { desc: { type: 'answer', sdp: answer.sdp } });
    } else if (method === 'trickle') {
      const target = params['target'] === 0 ? 0 : 1;
      const raw = (params['candidate'] ?? {}) as Record<string, unknown>;
      const candidate = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null && v !== undefined));
      const pc = target === 0 ? this._pub : this._sub;
      if (pc.remoteDescription) await pc.addIceCandidate(candidate);
      else this._pendingCandidates.push([target, candidate]);
    } else if (method === 'sfu-error') {
      this._handlers.onFailed(`ion-sfu link failed: ${String(params['message'] ?? '')}`);
    }
  }

  private _sendCandidate(target: Target, candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null): void {
    if (!candidate?.candidate || this._isClosed) return;
    this._signal.notify('trickle', { target, candidate: { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex } });
  }

  private async _setRemote(pc: WrtcPeerConnection, target: Target, desc: WrtcDescription): Promise<void> {
    await pc.setRemoteDescription(desc);
    const mine = this._pendingCandidates.filter(([t]) => t === target);
    for (const entry of mine) this._pendingCandidates.splice(this._pendingCandidates.indexOf(entry), 1);
    for (const [, candidate] of mine) {
      // A candidate for a description since replaced is harmless to lose.
      await pc.addIceCandidate(candidate).catch(() => undefined);
    }
  }
}
