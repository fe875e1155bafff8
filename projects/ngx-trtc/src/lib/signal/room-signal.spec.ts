import { ErrorCode, isRtcError } from '../errors/rtc-error';
import { FakeClock, FakeRoomServer, FakeWebSocket, settle } from 'ngx-trtc/testing';
import { CLOSE_RECONNECTING, RoomSignal, SignalRequestError } from './room-signal';

describe('RoomSignal', () => {
  let server: FakeRoomServer;
  let clock: FakeClock;
  let sockets: FakeWebSocket[];

  function createSignal(): RoomSignal {
    return new RoomSignal({
      url: 'ws://fake/rtc',
      webSocketFactory: (url) => {
        const socket = server.connect(url);
        sockets.push(socket);
        return socket;
      },
      clock,
      requestTimeoutMs: 1000,
      connectTimeoutMs: 500,
    });
  }

  async function joinedSignal(): Promise<RoomSignal> {
    const signal = createSignal();
    await signal.connect();
    await signal.request('room.join', { sdkAppId: 1, userId: 'alice', userSig: 'sig', roomId: 7, mode: 'rtc' });
    return signal;
  }

  beforeEach(() => {
    server = new FakeRoomServer();
    clock = new FakeClock();
    sockets = [];
  });

  it('closes with 1000 when done, and 4100 when closing to re-join (room-server keeps the place)', async () => {
    const done = await joinedSignal();
    done.close();
    const reconnecting = await joinedSignal();
    reconnecting.close(CLOSE_RECONNECTING);
    await settle();
    expect(server.clientCloseCodes).toEqual([1000, 4100]);
  });

  it('opens, sends JSON-RPC 2.0 requests and resolves with the result', async () => {
    const signal = await joinedSignal();
    const snapshot = server.requestsOf('room.join')[0];
    expect(snapshot.params).toEqual({ sdkAppId: 1, userId: 'alice', userSig: 'sig', roomId: 7, mode: 'rtc' });
    const pong = await signal.request('rtc.ping', {});
    expect(typeof pong.now).toBe('number');
    expect(sockets[0].sent.every((m) => (m as { jsonrpc: string }).jsonrpc === '2.0')).toBeTrue();
    signal.close();
  });

  it('rejects connect with SIGNAL_CHANNEL_SETUP_FAILED when the socket is refused', async () => {
    server.refuseConnections = true;
    const error = await createSignal().connect().catch((e) => e);
    expect(isRtcError(error, ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED)).toBeTrue();
  });

  it('rejects connect with SIGNAL_CHANNEL_SETUP_FAILED when the socket never opens', async () => {
    server.holdConnections = true;
    const connecting = createSignal().connect().catch((e) => e);
    await clock.advance(500);
    const error = await connecting;
    expect(isRtcError(error, ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED)).toBeTrue();
    expect(error.message).toContain('did not open within 500 ms');
  });

  it('rejects with SIGNAL_CHANNEL_SETUP_FAILED when the factory throws (bad URL)', async () => {
    const signal = new RoomSignal({
      url: 'nonsense',
      webSocketFactory: () => {
        throw new SyntaxError('bad url');
      },
      clock,
      requestTimeoutMs: 1000,
      connectTimeoutMs: 500,
    });
    const error = await signal.connect().catch((e) => e);
    expect(isRtcError(error, ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED)).toBeTrue();
  });

  it('rejects a request with API_CALL_TIMEOUT when no answer comes', async () => {
    const signal = await joinedSignal();
    server.unansweredMethods.add('rtc.ping');
    const pending = signal.request('rtc.ping', {}).catch((e) => e);
    await clock.advance(999);
    expect(signal.pendingCount).toBe(1);
    await clock.advance(1);
    const error = await pending;
    expect(isRtcError(error, ErrorCode.API_CALL_TIMEOUT)).toBeTrue();
    expect(signal.pendingCount).toBe(0);
    signal.close();
  });

  it('rejects with SignalRequestError carrying the JSON-RPC code', async () => {
    const signal = createSignal();
    await signal.connect();
    const error = await signal
      .request('room.join', { sdkAppId: 1, userId: 'alice', userSig: 'expired', roomId: 7, mode: 'rtc' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(SignalRequestError);
    expect((error as SignalRequestError).code).toBe(4012);
    signal.close();
  });

  it('rejects pending requests with API_CALL_ABORTED when the link closes, and reports the close', async () => {
    const signal = await joinedSignal();
    server.unansweredMethods.add('rtc.ping');
    const closes: unknown[] = [];
    signal.on('close', (info) => closes.push(info));
    const pending = signal.request('rtc.ping', {}).catch((e) => e);
    server.drop('alice');
    const error = await pending;
    expect(isRtcError(error, ErrorCode.API_CALL_ABORTED)).toBeTrue();
    expect(closes).toEqual([{ code: 1006, reason: '', byClient: false }]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('close() aborts pending requests and reports byClient', async () => {
    const signal = await joinedSignal();
    server.unansweredMethods.add('rtc.ping');
    const closes: { byClient: boolean }[] = [];
    signal.on('close', (info) => closes.push(info));
    const pending = signal.request('rtc.ping', {}).catch((e) => e);
    signal.close();
    expect(isRtcError(await pending, ErrorCode.API_CALL_ABORTED)).toBeTrue();
    expect(closes.map((c) => c.byClient)).toEqual([true]);
    const later = await signal.request('rtc.ping', {}).catch((e) => e);
    expect(isRtcError(later, ErrorCode.API_CALL_ABORTED)).toBeTrue();
  });

  it('removes every socket listener it added when the link closes', async () => {
    const signal = createSignal();
    const connecting = signal.connect();
    const socket = sockets[0];
    const added = spyOn(socket, 'addEventListener').and.callThrough();
    const removed = spyOn(socket, 'removeEventListener').and.callThrough();
    // Listeners were added synchronously in connect(): count them from the spies' perspective after re-adding.
    await connecting;
    signal.close();
    await settle();
    expect(added).not.toHaveBeenCalled();
    expect(removed.calls.allArgs().map((a) => a[0]).sort()).toEqual(['close', 'error', 'message', 'open']);
  });

  it('sends join with {offer} only (no sid/uid) and holds trickles until the join went out', async () => {
    const signal = await joinedSignal();
    signal.trickle({ target: 0, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } } as never);
    expect(sockets[0].sent.some((m) => (m as { method: string }).method === 'trickle')).toBeFalse();
    const answer = await signal.join('ignored-sid', 'ignored-uid', { type: 'offer', sdp: 'v=0\r\n' });
    expect(answer.type).toBe('answer');
    const methods = sockets[0].sent.map((m) => (m as { method: string }).method);
    expect(methods.indexOf('join')).toBeLessThan(methods.indexOf('trickle'));
    const join = server.requestsOf('join')[0];
    expect(Object.keys(join.params as object)).toEqual(['offer']);
    signal.close();
  });

  it('holds trickles again for a second SFU session begun on the same link (after sfu-error), until its join went out', async () => {
    const signal = await joinedSignal();
    signal.beginSfuSession({});
    await signal.join('', '', { type: 'offer', sdp: 'v=0\r\n' });
    // room-server lost this user's ion-sfu link; the client re-joins the SFU over the same WebSocket.
    server.sfuError('alice');
    signal.beginSfuSession({ NoPublish: true });
    signal.trickle({ target: 1, candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 5001 typ host', sdpMid: '0' } } as never);
    const trickles = () => sockets[0].sent.filter((m) => (m as { method: string }).method === 'trickle').length;
    expect(trickles()).toBe(0);
    await signal.join('', '', { type: 'offer', sdp: 'v=0\r\n' });
    expect(trickles()).toBe(1);
    expect(server.requestsOf('join')[1].params).toEqual(jasmine.objectContaining({ config: { NoPublish: true } }));
    signal.close();
  });

  it('sends the SFU join config of the session begun', async () => {
    const signal = await joinedSignal();
    signal.beginSfuSession({ NoAutoSubscribe: true });
    await signal.join('', '', { type: 'offer', sdp: 'v=0\r\n' });
    expect(server.requestsOf('join')[0].params).toEqual(
      jasmine.objectContaining({ config: { NoAutoSubscribe: true } }),
    );
    signal.close();
  });

  it('hands SFU offers to onnegotiate and answers as a notification', async () => {
    const signal = await joinedSignal();
    const offers: RTCSessionDescriptionInit[] = [];
    signal.onnegotiate = (desc) => offers.push(desc);
    await signal.join('', '', { type: 'offer', sdp: 'v=0\r\n' });
    await settle();
    expect(offers.length).toBe(1);
    expect(offers[0].type).toBe('offer');
    signal.answer({ type: 'answer', sdp: 'v=0\r\n' });
    await settle();
    expect(server.clientNotifications.map((n) => n.method)).toContain('answer');
    signal.close();
  });

  it('emits server notifications in order', async () => {
    const signal = await joinedSignal();
    const seen: string[] = [];
    signal.on('notification', (n) => seen.push(n.method));
    const c = server.connectionOf('alice')!;
    server.notify(c, 'peer-join', { userId: 'bob', role: 'anchor' });
    server.notify(c, 'mute-audio', { userId: 'bob', streamId: 's' });
    server.notify(c, 'peer-leave', { userId: 'bob', reason: 'leave' });
    await settle();
    expect(seen).toEqual(['peer-join', 'mute-audio', 'peer-leave']);
    signal.close();
  });
});
