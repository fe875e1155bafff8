import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { silentLogger } from '../log.js';
import { RpcError } from '../rpc/errors.js';
import type { UpstreamErrorKind } from './sfu-link.js';
import { WsSfuLink } from './ws-sfu-link.js';

/** A scripted stand-in for ion-sfu's JSON-RPC WebSocket, on loopback. */
class ScriptedSfu {
  readonly wss: WebSocketServer;
  readonly received: Array<Record<string, unknown>> = [];
  socket: WebSocket | undefined;
  onRequest: (msg: Record<string, unknown>, ws: WebSocket) => void = (msg, ws) => {
    if (msg['id'] !== undefined) ws.send(JSON.stringify({ jsonrpc: '2.0', id: msg['id'], result: { type: 'answer', sdp: 'v=0 answer' } }));
  };

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    this.wss.on('connection', (ws) => {
      this.socket = ws;
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as Record<string, unknown>;
        this.received.push(msg);
        this.onRequest(msg, ws);
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws`;
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

describe('WsSfuLink', () => {
  let sfu: ScriptedSfu;
  let errors: UpstreamErrorKind[];
  const links: WsSfuLink[] = [];
  const link = (url = sfu.url, requestTimeoutMs = 2000, connectTimeoutMs = 2000): WsSfuLink => {
    const l = new WsSfuLink({ url, requestTimeoutMs, connectTimeoutMs, log: silentLogger, onUpstreamError: (k) => errors.push(k) });
    links.push(l);
    return l;
  };
  const offer = { type: 'offer' as const, sdp: 'v=0 offer' };
  const join = { sid: '1:n:1', uid: 'alice#1', offer, config: { NoPublish: false, NoSubscribe: false, NoAutoSubscribe: false } };

  beforeEach(async () => {
    errors = [];
    sfu = new ScriptedSfu();
    await new Promise((r) => sfu.wss.once('listening', r));
  });

  afterEach(async () => {
    for (const l of links.splice(0)) l.close();
    await sfu.close();
  });

  it('queues frames until open, keeps their order, and sends ion-sfu shapes', async () => {
    const l = link();
    const answer = l.join(join);
    l.trickle(0, { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 });
    l.answer({ type: 'answer', sdp: 'v=0 a' });
    expect(await answer).toEqual({ type: 'answer', sdp: 'v=0 answer' });
    await new Promise((r) => setTimeout(r, 50));
    expect(sfu.received.map((m) => m['method'])).toEqual(['join', 'trickle', 'answer']);
    expect(sfu.received[0]).toEqual({ jsonrpc: '2.0', id: 1, method: 'join', params: join });
    expect(sfu.received[1]).toEqual({
      jsonrpc: '2.0',
      method: 'trickle',
      params: { target: 0, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
    });
    expect(sfu.received[2]).toEqual({ jsonrpc: '2.0', method: 'answer', params: { desc: { type: 'answer', sdp: 'v=0 a' } } });
  });

  it("relays ion-sfu's offer (bare description) and trickle notifications", async () => {
    const l = link();
    const offers: string[] = [];
    const trickles: number[] = [];
    l.on('offer', (d) => offers.push(d.sdp));
    l.on('trickle', (t) => trickles.push(t));
    await l.join(join);
    sfu.socket!.send(JSON.stringify({ jsonrpc: '2.0', method: 'offer', params: { type: 'offer', sdp: 'v=0 sub' } }));
    sfu.socket!.send(JSON.stringify({ jsonrpc: '2.0', method: 'trickle', params: { target: 1, candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null } } }));
    sfu.socket!.send(JSON.stringify({ jsonrpc: '2.0', method: 'trickle', params: { target: 7 } })); // dropped
    sfu.socket!.send('not json'); // dropped
    await new Promise((r) => setTimeout(r, 50));
    expect(offers).toEqual(['v=0 sub']);
    expect(trickles).toEqual([1]);
    expect(errors).toEqual(['protocol', 'protocol']);
  });

  it('maps an ion-sfu error answer to SFU_REJECTED and ignores responses to unknown ids', async () => {
    sfu.onRequest = (msg, ws) => {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 0, error: { code: 500, message: 'from a notification' } }));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: msg['id'], error: { code: 500, message: 'transport exists' } }));
    };
    const l = link();
    await expectAsync(l.join(join)).toBeRejectedWith(jasmine.objectContaining({ reason: 'SFU_REJECTED', message: 'transport exists' }));
    expect(errors).toEqual(['rejected']);
  });

  it('times out a request ion-sfu never answers (SFU_TIMEOUT)', async () => {
    sfu.onRequest = () => {};
    const l = link(sfu.url, 100);
    await expectAsync(l.offer(offer)).toBeRejectedWith(jasmine.objectContaining({ reason: 'SFU_TIMEOUT' }));
    expect(errors).toEqual(['timeout']);
  });

  it('fails pending requests and reports failed when ion-sfu goes away', async () => {
    sfu.onRequest = () => {};
    const l = link();
    const failed = new Promise<RpcError>((r) => l.on('failed', r));
    const pending = l.offer(offer);
    await new Promise((r) => setTimeout(r, 50));
    sfu.socket!.terminate();
    await expectAsync(pending).toBeRejectedWith(jasmine.objectContaining({ reason: 'SFU_UNAVAILABLE' }));
    expect((await failed).reason).toBe('SFU_UNAVAILABLE');
    expect(l.listenerCount('failed')).toBe(0);
    expect(errors).toEqual(['closed']);
  });

  it('reports SFU_UNAVAILABLE when nothing listens', async () => {
    const l = link('ws://127.0.0.1:1/ws');
    const failed = new Promise<RpcError>((r) => l.on('failed', r));
    await expectAsync(l.join(join)).toBeRejectedWith(jasmine.objectContaining({ reason: 'SFU_UNAVAILABLE' }));
    expect((await failed).reason).toBe('SFU_UNAVAILABLE');
    expect(errors).toEqual(['connect']);
  });

  it('close() rejects pending requests, removes listeners and emits no failure', async () => {
    sfu.onRequest = () => {};
    const l = link();
    const onFailed = jasmine.createSpy('failed');
    l.on('failed', onFailed);
    const pending = l.join(join);
    l.close();
    await expectAsync(pending).toBeRejectedWith(jasmine.objectContaining({ reason: 'SFU_UNAVAILABLE' }));
    await expectAsync(l.offer(offer)).toBeRejected();
    expect(onFailed).not.toHaveBeenCalled();
    expect(l.listenerCount('failed')).toBe(0);
    expect(errors).toEqual([]);
  });
});
