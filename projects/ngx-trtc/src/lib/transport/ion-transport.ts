import IonClient from 'ion-sdk-js/lib/client';

import { Emitter } from '../util/emitter';
import { createLog } from '../util/log';
import { preferPublishVideoCodec } from './codec-preferences';
import type { SfuJoinConfig } from '../signal/protocol';
import type { SfuSignaling } from '../signal/sfu-signaling';
import type { LayerMessage } from './layer-message';
import {
  EncodingLimits,
  PeerConnectionRole,
  Publication,
  PublishOptions,
  SfuTransport,
  SfuTransportEventMap,
  SfuTransportFactory,
  SfuTransportOptions,
} from './sfu-transport';

const log = createLog('transport');

/** ion-sdk-js's transport indices. */
const PUB = 0;
const SUB = 1;

type IonTransports = NonNullable<IonClient['transports']>;

/**
 * Longest a subscriber answer waits for the browser's first UDP candidate, so
 * the answer can carry it (see {@link IonTransport._answerSubscriber}). Host
 * candidates come within a few ms of setLocalDescription.
 */
export const ANSWER_CANDIDATE_WAIT_MS = 100;

/**
 * {@link SfuTransport} over ion-sdk-js's Client (imported from its `lib/client`
 * module, so its gRPC connector stays out of the bundle). ngx-trtc takes over
 * publisher negotiation (serialized, awaitable) and ICE-state handling from it.
 */
export class IonTransport implements SfuTransport {
  private readonly _events = new Emitter<SfuTransportEventMap>();
  private readonly _client: IonClient;
  private _negotiation: Promise<void> = Promise.resolve();
  private _queued: Promise<void> | null = null;
  private _subscriberNegotiation: Promise<void> = Promise.resolve();
  private _closed = false;
  private readonly _encryption: SfuTransportOptions['encryption'];

  /**
   * @param peerConnection a constructor used instead of the global
   *   RTCPeerConnection (ion-sdk-js calls `new RTCPeerConnection` itself).
   */
  constructor(
    private readonly _signal: SfuSignaling,
    config: RTCConfiguration,
    private readonly _peerConnection?: typeof RTCPeerConnection,
    options: SfuTransportOptions = {},
  ) {
    this._encryption = options.encryption;
    this._client = new IonClient(_signal, { codec: 'vp8', ...config, ...this._encryption?.peerConnectionConfig() });
    // Replaces ion-sdk-js's subscriber negotiation (set by its constructor): see _answerSubscriber.
    _signal.onnegotiate = (offer) => this._onSubscriberOffer(offer);
    this._client.ontrack = (track, stream) => {
      if (!this._closed) this._events.emit('track', { track, stream });
    };
    this._client.onspeaker = (levels) => {
      if (!this._closed && Array.isArray(levels)) this._events.emit('audio-levels', levels);
    };
    this._client.onerrnegotiate = (role, error) => {
      if (!this._closed) {
        this._events.emit('negotiation-failed', { role: role === PUB ? 'publisher' : 'subscriber', error });
      }
    };
  }

  on<K extends keyof SfuTransportEventMap>(type: K, handler: (payload: SfuTransportEventMap[K]) => void): () => void {
    return this._events.on(type, handler);
  }

  async join(config: SfuJoinConfig): Promise<void> {
    this._signal.beginSfuSession(config);
    const joined = this._withPeerConnection(() => this._client.join('', ''));
    const transports = this._transports();
    if (transports) this._watchIce(transports);
    if (transports && this._encryption) {
      const encryption = this._encryption;
      // In the same dispatch as ion-sdk-js's ontrack: the decrypting transform is in place before the first frame.
      transports[SUB].pc.addEventListener('track', (event) => {
        if (this._closed) return;
        encryption.attachReceiver(event.receiver, event.track.kind as 'audio' | 'video', event.streams[0]?.id ?? '');
      });
    }
    await joined;
    const pub = this._transports()?.[PUB];
    // ion-sdk-js renegotiates on every negotiationneeded; ngx-trtc negotiates explicitly instead.
    if (pub) pub.pc.onnegotiationneeded = null;
  }

  async publish(msid: MediaStream, tracks: MediaStreamTrack[], options: PublishOptions = {}): Promise<Publication> {
    const pc = this._pc(PUB);
    const transceivers = new Map<'audio' | 'video', RTCRtpTransceiver>();
    let limits = options.limits ?? {};
    const add = (track: MediaStreamTrack) => {
      const kind = track.kind as 'audio' | 'video';
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [msid] };
      const base = kind === 'video' && options.simulcast?.length ? options.simulcast : [{}];
      init.sendEncodings = capEncodings(kind, base, limits);
      const transceiver = pc.addTransceiver(track, init);
      // Before the encryption hook: one policy (codec-preferences.ts) puts every published video on VP8.
      if (kind === 'video') {
        const result = preferPublishVideoCodec(transceiver);
        if (result !== 'applied') log.warn(`video codec preference not applied (${result}): room-server's offer filter keeps VP8`);
      }
      this._encryption?.attachSender(transceiver, kind, msid.id);
      transceivers.set(kind, transceiver);
    };
    const remove = (kind: 'audio' | 'video') => {
      const transceiver = transceivers.get(kind);
      transceivers.delete(kind);
      if (transceiver && pc.signalingState !== 'closed') pc.removeTrack(transceiver.sender);
    };
    tracks.forEach(add);
    await this._negotiate(false);
    return {
      streamId: msid.id,
      replaceTrack: async (kind, track) => {
        await transceivers.get(kind)?.sender.replaceTrack(track);
      },
      setTracks: async (next) => {
        let changed = false;
        for (const kind of ['audio', 'video'] as const) {
          const track = next.find((t) => t.kind === kind) ?? null;
          const current = transceivers.get(kind);
          if (track && !current) {
            add(track);
            changed = true;
          } else if (!track && current) {
            remove(kind);
            changed = true;
          } else if (track && current && current.sender.track !== track) {
            await current.sender.replaceTrack(track);
          }
        }
        if (changed) await this._negotiate(false);
      },
      getSenders: () => [...transceivers.values()].map((t) => t.sender),
      setEncodingLimits: async (next) => {
        limits = next;
        for (const [kind, transceiver] of transceivers) {
          const parameters = transceiver.sender.getParameters();
          if (!parameters.encodings?.length) continue;
          parameters.encodings = capEncodings(kind, parameters.encodings, limits);
          await transceiver.sender.setParameters(parameters);
        }
      },
      unpublish: async () => {
        if (this._closed) return;
        remove('audio');
        remove('video');
        await this._negotiate(false);
      },
    };
  }

  sendApi(message: LayerMessage): void {
    const api = this._transports()?.[SUB].api;
    if (!api) {
      log.debug('data channel not ready; dropping', message);
      return;
    }
    const text = JSON.stringify(message);
    if (api.readyState === 'open') {
      api.send(text);
    } else if (api.readyState === 'connecting') {
      api.addEventListener('open', () => api.send(text), { once: true });
    }
  }

  restartIce(): Promise<void> {
    return this._negotiate(true);
  }

  async getStats(role: PeerConnectionRole): Promise<RTCStatsReport | null> {
    const t = this._transports();
    if (!t || this._closed) return null;
    return t[role === 'publisher' ? PUB : SUB].pc.getStats();
  }

  iceState(role: PeerConnectionRole): RTCIceConnectionState {
    const t = this._transports();
    if (!t) return 'new';
    return t[role === 'publisher' ? PUB : SUB].pc.iceConnectionState;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._events.clear();
    this._client.ontrack = undefined;
    this._client.onspeaker = undefined;
    this._client.onerrnegotiate = undefined;
    // leave() closes both connections; close() would also close the shared signal.
    this._client.leave();
  }

  private _transports(): IonTransports | undefined {
    return this._client.transports;
  }

  private _pc(index: typeof PUB | typeof SUB): RTCPeerConnection {
    const t = this._transports();
    if (!t || this._closed) throw new Error('the SFU session is not joined');
    return t[index].pc;
  }

  /** Runs ion-sdk-js code that constructs peer connections with the injected constructor. */
  private _withPeerConnection<T>(fn: () => T): T {
    const ctor = this._peerConnection;
    if (!ctor || ctor === globalThis.RTCPeerConnection) return fn();
    const original = globalThis.RTCPeerConnection;
    globalThis.RTCPeerConnection = ctor;
    try {
      // ion-sdk-js constructs both connections synchronously at the start of join().
      return fn();
    } finally {
      globalThis.RTCPeerConnection = original;
    }
  }

  private _watchIce(transports: IonTransports): void {
    for (const [index, role] of [
      [PUB, 'publisher'],
      [SUB, 'subscriber'],
    ] as const) {
      const pc = transports[index].pc;
      // Replaces ion-sdk-js's handler, which restarts ICE on every 'disconnected':
      // the client decides when to restart ICE and when to re-join.
      pc.oniceconnectionstatechange = () => {
        if (!this._closed) this._events.emit('ice-state', { role, state: pc.iceConnectionState });
      };
    }
  }

  /** ion-sfu's offers for the subscriber connection, answered one at a time in arrival order. */
  private _onSubscriberOffer(offer: RTCSessionDescriptionInit): void {
    const run = () => this._answerSubscriber(offer);
    this._subscriberNegotiation = this._subscriberNegotiation.then(run, run);
  }

  /**
   * Answers an ion-sfu offer as ion-sdk-js does (remote description, queued
   * candidates, answer), except that the answer goes out with the browser's
   * first candidate in its SDP. ion-sfu (pion, ICE-controlling on this
   * connection) learns the browser's address from the answer then, not from a
   * trickle that crosses room-server after the answer: otherwise the
   * connectivity checks the browser sends as soon as it has set its answer are
   * waiting in ion-sfu's socket when its ICE agent starts, pion takes their
   * source for a peer-reflexive candidate and does not nominate such a pair
   * until 1 s after the agent started (pion/ice's prflxAcceptanceMinWait) —
   * the ~1 s join stall docs/BENCHMARKS.md describes. Later candidates trickle
   * as before; ion-sfu ignores the duplicates.
   */
  private async _answerSubscriber(offer: RTCSessionDescriptionInit): Promise<void> {
    const transports = this._transports();
    if (!transports || this._closed) return;
    const sub = transports[SUB];
    const pc = sub.pc;
    let answer: RTCSessionDescriptionInit | undefined;
    try {
      await pc.setRemoteDescription(offer);
      for (const candidate of sub.candidates.splice(0)) {
        pc.addIceCandidate(candidate).catch((error) => log.debug('subscriber candidate refused', error));
      }
      answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await firstUdpCandidate(pc, ANSWER_CANDIDATE_WAIT_MS);
      if (this._closed || this._transports() !== transports) return;
      const local = pc.localDescription;
      this._signal.answer(local ? { type: local.type, sdp: local.sdp } : answer);
    } catch (error) {
      if (!this._closed) this._events.emit('negotiation-failed', { role: 'subscriber', error });
    }
  }

  /** Serialized publisher negotiation; calls made while one is queued share it. */
  private _negotiate(iceRestart: boolean): Promise<void> {
    if (this._queued && !iceRestart) return this._queued;
    const run = async () => {
      if (this._queued === queued) this._queued = null;
      if (this._closed) return;
      const pc = this._pc(PUB);
      const offer = await pc.createOffer({ iceRestart });
      await pc.setLocalDescription(offer);
      const answer = await this._signal.offer(offer);
      if (this._closed || pc.signalingState === 'closed') return;
      await pc.setRemoteDescription(answer);
    };
    const queued = this._negotiation.then(run, run);
    this._queued = queued;
    this._negotiation = queued.catch(() => undefined);
    return queued;
  }
}

/** The default transport factory: ion-sdk-js with the browser's RTCPeerConnection. */
export function ionTransportFactory(peerConnection?: typeof RTCPeerConnection): SfuTransportFactory {
  return (signal, config, options) => new IonTransport(signal, config, peerConnection, options);
}

/**
 * Resolves once `pc`'s local description lists a UDP candidate, gathering is
 * complete or the connection closed, or after `timeoutMs`.
 */
function firstUdpCandidate(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  const done = () =>
    pc.iceGatheringState === 'complete' ||
    pc.signalingState === 'closed' ||
    /^a=candidate:\S+ \d+ udp /im.test(pc.localDescription?.sdp ?? '');
  if (done()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      pc.removeEventListener('icecandidate', check);
      pc.removeEventListener('icegatheringstatechange', check);
      pc.removeEventListener('signalingstatechange', check);
      resolve();
    };
    const check = () => {
      if (done()) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    pc.addEventListener('icecandidate', check);
    pc.addEventListener('icegatheringstatechange', check);
    pc.addEventListener('signalingstatechange', check);
  });
}

/**
 * Caps encodings with a profile's limits: the only (or the top, un-scaled)
 * layer gets the profile bitrate; lower simulcast layers keep their own caps.
 */
function capEncodings(
  kind: 'audio' | 'video',
  encodings: RTCRtpEncodingParameters[],
  limits: EncodingLimits,
): RTCRtpEncodingParameters[] {
  const kbps = kind === 'video' ? limits.videoMaxBitrateKbps : limits.audioMaxBitrateKbps;
  return encodings.map((encoding) => {
    const isTopLayer = !encoding.scaleResolutionDownBy || encoding.scaleResolutionDownBy <= 1;
    if (!isTopLayer) return encoding;
    const capped: RTCRtpEncodingParameters = { ...encoding };
    if (kbps && kbps > 0) capped.maxBitrate = Math.round(kbps * 1000);
    if (kind === 'video' && limits.maxFramerate && limits.maxFramerate > 0) capped.maxFramerate = limits.maxFramerate;
    return capped;
  });
}
