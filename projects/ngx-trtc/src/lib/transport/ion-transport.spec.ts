import { FakeSocketServerSide, FakeWebSocket, TaskQueue, createSyntheticTracks } from 'ngx-trtc/testing';

import { systemClock } from '../util/clock';
import { RoomSignal } from '../signal/room-signal';
import { IonTransport } from './ion-transport';

/**
 * A one-peer "SFU" made of two real RTCPeerConnections in the page: it answers
 * the publisher, offers the subscriber with the `ion-sfu` data channel, and
 * sends every published track back on the subscriber connection (msid kept),
 * over room-server's protocol. Enough to run ion-sdk-js for real, on loopback.
 */
class LoopbackSfu implements FakeSocketServerSide {
  readonly tasks = new TaskQueue();
  readonly apiMessages: unknown[] = [];
  readonly offersSeen: string[] = [];
  readonly answersSeen: string[] = [];
  pub: RTCPeerConnection | null = null;
  sub: RTCPeerConnection | null = null;
  private _socket: FakeWebSocket | null = null;
  private _subNegotiating = false;
  private _subPending = false;

  connect(url: string): FakeWebSocket {
    const socket = new FakeWebSocket(url, this, this.tasks);
    this._socket = socket;
    socket.serverOpen();
    return socket;
  }

  onClientMessage(_socket: FakeWebSocket, data: string): void {
    const { id, method, params } = JSON.parse(data);
    this._handle(method, params).then(
      (result) => id !== undefined && this._send({ jsonrpc: '2.0', id, result }),
      (error) => id !== undefined && this._send({ jsonrpc: '2.0', id, error: { code: 5002, message: String(error) } }),
    );
  }

  onClientClose(): void {
    this.close();
  }

  close(): void {
    this.pub?.close();
    this.sub?.close();
  }

  private async _handle(method: string, params: Record<string, never>): Promise<unknown> {
    switch (method) {
      case 'room.join':
        return { roomId: 1, mode: 'rtc', role: 'anchor', peers: [], streams: [], heartbeatIntervalMs: 0 };
      case 'stream.publish':
        return { stream: { ...(params as object), userId: 'me' } };
      case 'join':
        return this._join(params['offer']);
      case 'offer':
        return this._answerPublisher(params['desc']);
      case 'answer':
        this.answersSeen.push((params['desc'] as RTCSessionDescriptionInit).sdp ?? '');
        await this.sub!.setRemoteDescription(params['desc']);
        this._subNegotiating = false;
        if (this._subPending) void this._offerSubscriber();
        return {};
      case 'trickle': {
        const pc = params['target'] === 0 ? this.pub : this.sub;
        await pc!.addIceCandidate(params['candidate']);
        return {};
      }
      default:
        throw new Error(`unexpected ${method}`);
    }
  }

  private async _join(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
    this.pub = new RTCPeerConnection();
    this.sub = new RTCPeerConnection();
    this.pub.onicecandidate = ({ candidate }) => candidate && this._notify('trickle', { target: 0, candidate: candidate.toJSON() });
    this.sub.onicecandidate = ({ candidate }) => candidate && this._notify('trickle', { target: 1, candidate: candidate.toJSON() });
    this.pub.ontrack = ({ track, streams }) => {
      // Forward with the publisher's stream: its id (msid) is kept, as ion-sfu does.
      this.sub!.addTrack(track, ...streams);
      void this._offerSubscriber();
    };
    const api = this.sub.createDataChannel('ion-sfu');
    api.onmessage = (e) => this.apiMessages.push(JSON.parse(e.data));
    const answer = await this._answerPublisher(offer);
    void this._offerSubscriber();
    return answer;
  }

  private async _answerPublisher(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
    this.offersSeen.push(offer.sdp ?? '');
    await this.pub!.setRemoteDescription(offer);
    const answer = await this.pub!.createAnswer();
    await this.pub!.setLocalDescription(answer);
    return { type: 'answer', sdp: answer.sdp };
  }

  private async _offerSubscriber(): Promise<void> {
    if (this._subNegotiating) {
      this._subPending = true;
      return;
    }
    this._subNegotiating = true;
    this._subPending = false;
    const offer = await this.sub!.createOffer();
    await this.sub!.setLocalDescription(offer);
    this._notify('offer', { desc: { type: 'offer', sdp: offer.sdp } });
  }

  private _notify(method: string, params: object): void {
    this._send({ jsonrpc: '2.0', method, params });
  }

  private _send(message: object): void {
    this._socket?.serverSend(JSON.stringify(message));
  }
}

function waitFor<T>(read: () => T | undefined | null | false, timeoutMs = 8000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const value = read();
      if (value) resolve(value);
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe('IonTransport (ion-sdk-js on real peer connections, loopback)', () => {
  let sfu: LoopbackSfu;
  let signal: RoomSignal;
  let transport: IonTransport | null;

  beforeEach(async () => {
    sfu = new LoopbackSfu();
    signal = new RoomSignal({
      url: 'ws://loopback/rtc',
      webSocketFactory: (url) => sfu.connect(url),
      clock: systemClock,
      requestTimeoutMs: 8000,
      connectTimeoutMs: 2000,
    });
    await signal.connect();
    await signal.request('room.join', { sdkAppId: 1, userId: 'me', userSig: 's', roomId: 1, mode: 'rtc' });
    transport = null;
  });

  afterEach(() => {
    transport?.close();
    signal.close();
    sfu.close();
  });

  it('joins (data channel up), publishes with the msid, receives it back, controls layers and reads stats', async () => {
    transport = new IonTransport(signal, { iceServers: [] });
    const ice: string[] = [];
    transport.on('ice-state', ({ role, state }) => ice.push(`${role}:${state}`));
    const received: MediaStream[] = [];
    transport.on('track', ({ stream }) => received.push(stream));
    await transport.join({});
    expect(ice).toContain('subscriber:connected');

    const tracks = createSyntheticTracks();
    const msid = new MediaStream(tracks);
    await signal.request('stream.publish', {
      streamId: msid.id,
      type: 'main',
      hasAudio: true,
      hasVideo: true,
      audioMuted: false,
      videoMuted: false,
      simulcast: false,
    });
    const publication = await transport.publish(msid, tracks);
    expect(sfu.offersSeen.at(-1)).toContain(`a=msid:${msid.id} `);
    expect(publication.getSenders().length).toBe(2);

    const back = await waitFor(() => received.find((s) => s.id === msid.id && s.getTracks().length === 2));
    expect(back.getAudioTracks().length).toBe(1);

    transport.sendApi({ streamId: msid.id, video: 'none', audio: false, framerate: 'high' });
    await waitFor(() => sfu.apiMessages.length > 0);
    expect(sfu.apiMessages[0]).toEqual({ streamId: msid.id, video: 'none', audio: false, framerate: 'high' });

    const stats = await transport.getStats('publisher');
    let outbound = 0;
    stats!.forEach((s: { type: string }) => (outbound += s.type === 'outbound-rtp' ? 1 : 0));
    expect(outbound).toBeGreaterThan(0);

    await publication.setTracks(tracks.filter((t) => t.kind === 'audio'));
    expect(publication.getSenders().length).toBe(1);
    await transport.restartIce();
    expect(transport.iceState('publisher')).not.toBe('closed');
    await publication.unpublish();
    expect(publication.getSenders().length).toBe(0);

    transport.close();
    expect(signal.isOpen).toBeTrue();
    tracks.forEach((t) => t.stop());
  });

  it('offers VP8 as the only video codec (with its rtx/red/fec), so ion-sfu cannot pick one a Firefox subscriber lacks (H.264)', async () => {
    transport = new IonTransport(signal, { iceServers: [] });
    await transport.join({});
    const tracks = createSyntheticTracks();
    const msid = new MediaStream(tracks);
    await signal.request('stream.publish', {
      streamId: msid.id,
      type: 'main',
      hasAudio: true,
      hasVideo: true,
      audioMuted: false,
      videoMuted: false,
      simulcast: false,
    });
    await transport.publish(msid, tracks);
    const offer = sfu.offersSeen.at(-1)!;
    const video = offer.slice(offer.indexOf('m=video'));
    const codecs = [...video.matchAll(/^a=rtpmap:\d+ ([^/]+)\//gm)].map((m) => m[1].toLowerCase());
    // VP8 first; besides it only what protects it (rtx, red, ulpfec), never H.264/VP9/AV1.
    expect(codecs[0]).toBe('vp8');
    expect(codecs.filter((c) => !['rtx', 'red', 'ulpfec', 'flexfec-03'].includes(c))).toEqual(['vp8']);
    // Audio keeps the browser's own list (Opus first): only video is restricted.
    expect(offer.slice(offer.indexOf('m=audio'), offer.indexOf('m=video'))).toMatch(/a=rtpmap:\d+ opus\/48000/);
    tracks.forEach((t) => t.stop());
  });

  it('caps the real senders with the profile bitrate and frame rate, and changes them live', async () => {
    transport = new IonTransport(signal, { iceServers: [] });
    await transport.join({});
    const tracks = createSyntheticTracks();
    const msid = new MediaStream(tracks);
    await signal.request('stream.publish', {
      streamId: msid.id,
      type: 'main',
      hasAudio: true,
      hasVideo: true,
      audioMuted: false,
      videoMuted: false,
      simulcast: false,
    });
    const publication = await transport.publish(msid, tracks, {
      limits: { videoMaxBitrateKbps: 500, audioMaxBitrateKbps: 40, maxFramerate: 15 },
    });
    const encodingOf = (kind: string) =>
      publication.getSenders().find((s) => s.track?.kind === kind)!.getParameters().encodings[0];
    expect(encodingOf('video').maxBitrate).toBe(500_000);
    expect(encodingOf('video').maxFramerate).toBe(15);
    expect(encodingOf('audio').maxBitrate).toBe(40_000);

    await publication.setEncodingLimits({ videoMaxBitrateKbps: 200, audioMaxBitrateKbps: 40, maxFramerate: 10 });
    expect(encodingOf('video').maxBitrate).toBe(200_000);
    expect(encodingOf('video').maxFramerate).toBe(10);
    tracks.forEach((t) => t.stop());
  });

  it("answers the subscriber offer with the browser's candidate in the SDP (no ion-sfu peer-reflexive wait)", async () => {
    transport = new IonTransport(signal, { iceServers: [] });
    await transport.join({});
    expect(sfu.answersSeen.length).toBe(1);
    expect(sfu.answersSeen[0]).toMatch(/^a=candidate:\S+ \d+ udp /im);
  });

  it('reports a subscriber offer it cannot answer as a failed subscriber negotiation', async () => {
    transport = new IonTransport(signal, { iceServers: [] });
    await transport.join({});
    const failed = new Promise<string>((resolve) => transport!.on('negotiation-failed', ({ role }) => resolve(role)));
    signal.onnegotiate?.({ type: 'offer', sdp: 'v=0 not an sdp' });
    expect(await failed).toBe('subscriber');
  });

  it('creates its peer connections with an injected constructor and restores the global', async () => {
    const created: RTCPeerConnection[] = [];
    class CountingPeerConnection extends RTCPeerConnection {
      constructor(config?: RTCConfiguration) {
        super(config);
        created.push(this);
      }
    }
    const original = globalThis.RTCPeerConnection;
    transport = new IonTransport(signal, { iceServers: [] }, CountingPeerConnection);
    const joined = transport.join({});
    expect(globalThis.RTCPeerConnection).toBe(original);
    await joined;
    // ion-sdk-js's publisher and subscriber; the loopback SFU's own are made later, with the global.
    expect(created.length).toBe(2);
  });
});
