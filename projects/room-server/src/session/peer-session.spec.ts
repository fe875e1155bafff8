import { Privilege } from '../auth/private-map-key.js';
import { RpcError } from '../rpc/errors.js';
import { generateUserSig } from '../auth/usersig.js';
import { Harness, NOW, SDK_APP_ID, SECRET_KEY, type TestClient } from '../../test/support/session-harness.js';
import { AUDIO_VIDEO_OFFER, AUDIO_VIDEO_STREAM_ID, DATACHANNEL_OFFER, withStreamId } from '../../test/support/sdp.js';

const mainStream = {
  streamId: AUDIO_VIDEO_STREAM_ID,
  type: 'main',
  hasAudio: true,
  hasVideo: true,
};
const offer = (sdp: string) => ({ type: 'offer', sdp });

describe('PeerSession', () => {
  let h: Harness;
  beforeEach(() => (h = new Harness()));

  describe('room.join', () => {
    it('refuses anything before room.join with NOT_JOINED', async () => {
      const c = h.client();
      for (const method of ['join', 'stream.publish', 'rtc.ping', 'room.leave']) {
        expect((await c.request(method, method === 'join' ? { offer: offer(DATACHANNEL_OFFER) } : method === 'stream.publish' ? mainStream : {})).error?.message)
          .withContext(method)
          .toBe('NOT_JOINED');
      }
      expect(h.sfu.links.length).toBe(0);
    });

    it('returns a snapshot of peers and streams, and announces the newcomer', async () => {
      const alice = await h.joined('alice');
      await alice.request('stream.publish', mainStream);
      const bob = h.client();
      const res = await bob.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'bob', userSig: h.userSig('bob'), roomId: 1234, mode: 'rtc' });
      expect(res.result).toEqual({
        roomId: 1234,
        mode: 'rtc',
        role: 'anchor',
        peers: [{ userId: 'alice', role: 'anchor' }],
        streams: [{ ...mainStream, audioMuted: false, videoMuted: false, simulcast: false, userId: 'alice' }],
        heartbeatIntervalMs: 5000,
      });
      expect(alice.notifications('peer-join').map((n) => n.params)).toEqual([{ userId: 'bob', role: 'anchor' }]);
      expect(h.metrics.joins.value()).toBe(2);
    });

    it('maps videoCall to rtc, where everyone is an anchor', async () => {
      const c = h.client();
      const res = await c.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'u', userSig: h.userSig('u'), roomId: 'str-room', mode: 'videoCall', role: 'audience' });
      expect(res.result?.['mode']).toBe('rtc');
      expect(res.result?.['role']).toBe('anchor');
    });

    it('refuses bad UserSigs with distinct errors, counted by reason', async () => {
      const join = async (over: Record<string, unknown>) =>
        (await h.client().request('room.join', { sdkAppId: SDK_APP_ID, userId: 'alice', userSig: h.userSig('alice'), roomId: 1, mode: 'rtc', ...over })).error;
      expect(await join({ userSig: 'garbage' })).toEqual(jasmine.objectContaining({ code: 4010, message: 'USERSIG_MALFORMED' }));
      expect((await join({ userSig: generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: 'wrong', userId: 'alice', expireSeconds: 60, now: NOW }) }))?.message).toBe(
        'USERSIG_BAD_SIGNATURE',
      );
      const stale = generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId: 'alice', expireSeconds: 3600, now: NOW - 3601 });
      expect((await join({ userSig: stale }))?.message).toBe('USERSIG_EXPIRED');
      expect((await join({ sdkAppId: 1400000001 }))?.message).toBe('USERSIG_WRONG_APP');
      expect((await join({ userSig: h.userSig('mallory') }))?.message).toBe('USERSIG_WRONG_USER');
      expect(h.metrics.authFailures.value({ reason: 'USERSIG_EXPIRED' })).toBe(1);
      expect(h.registry.peerCount).toBe(0);
    });

    it('refuses a second room.join on one connection', async () => {
      const alice = await h.joined('alice');
      const res = await alice.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'alice', userSig: h.userSig('alice'), roomId: 99, mode: 'rtc' });
      expect(res.error?.message).toBe('ALREADY_JOINED');
    });

    describe('with a ban list', () => {
      /** A ban list whose answers the test releases. */
      function gatedBans() {
        const checks: Array<{ userId: string; answer: (error?: Error) => void }> = [];
        const bans = {
          checkJoin: (_sdkAppId: number, _roomId: number | string, userId: string) =>
            new Promise<void>((resolve, reject) => checks.push({ userId, answer: (error) => (error ? reject(error) : resolve()) })),
        };
        return { bans, checks };
      }
      const joinParams = (userId: string) => ({ sdkAppId: SDK_APP_ID, userId, userSig: h.userSig(userId), roomId: 1234, mode: 'rtc' });

      it('checks the ban after the UserSig and answers its refusal, joining nothing', async () => {
        const { bans, checks } = gatedBans();
        h = new Harness(undefined, undefined, bans);
        const c = h.client();
        expect((await c.request('room.join', { ...joinParams('alice'), userSig: 'garbage' })).error?.message).toBe('USERSIG_MALFORMED');
        expect(checks.length).withContext('no ban check for an unauthenticated join').toBe(0);
        const pendingJoin = c.requestLater('room.join', joinParams('alice'));
        await new Promise((r) => setTimeout(r, 0));
        checks[0]!.answer(new RpcError('BANNED', 'banned from this room until 2023-11-14T22:23:20Z', { facts: { expiresAt: NOW + 600 } }));
        await pendingJoin.done;
        expect(c.frames.find((f) => f.id === pendingJoin.id)?.error).toEqual({
          code: 4032,
          message: 'BANNED',
          data: { detail: 'banned from this room until 2023-11-14T22:23:20Z', expiresAt: NOW + 600 },
        });
        expect(h.registry.peerCount).toBe(0);
        expect(c.session.isJoined).toBeFalse();
      });

      it('refuses a second room.join while the first is being checked, and joins nothing for a connection that closed meanwhile', async () => {
        const { bans, checks } = gatedBans();
        h = new Harness(undefined, undefined, bans);
        const c = h.client();
        const first = c.requestLater('room.join', joinParams('alice'));
        await new Promise((r) => setTimeout(r, 0));
        expect((await c.request('room.join', joinParams('alice'))).error?.message).toBe('ALREADY_JOINED');
        c.session.disconnect(1006);
        checks[0]!.answer();
        await first.done;
        expect(h.registry.peerCount).toBe(0);
        expect(c.session.isClosed).toBeTrue();
        // A connection that is still there joins once the check passes.
        const d = h.client();
        const second = d.requestLater('room.join', joinParams('bob'));
        await new Promise((r) => setTimeout(r, 0));
        checks[1]!.answer();
        await second.done;
        expect(d.frames.find((f) => f.id === second.id)?.result).toBeDefined();
        expect(h.registry.peerCount).toBe(1);
      });
    });

    it('answers unknown methods, bad params and request-only notifications correctly', async () => {
      const c = await h.joined('alice');
      expect((await c.request('nope')).error?.code).toBe(-32601);
      expect((await c.request('__proto__')).error?.code).toBe(-32601);
      expect((await c.request('stream.publish', { ...mainStream, type: 'big' })).error?.code).toBe(-32602);
      expect((await c.request('stream.publish', [1, 2])).error?.code).toBe(-32602);
      const before = c.frames.length;
      await c.notify('stream.publish', mainStream); // must be a request: dropped, not answered
      expect(c.frames.length).toBe(before);
      expect(h.registry.find(SDK_APP_ID, 1234)?.streamCount).toBe(0);
    });

    it('answers rtc.ping', async () => {
      const c = await h.joined('alice');
      expect(typeof (await c.request('rtc.ping')).result?.['now']).toBe('number');
    });
  });

  describe('relay to ion-sfu', () => {
    it('opens the upstream link only on join, with sid and uid chosen by the server', async () => {
      const alice = await h.joined('alice');
      expect(h.sfu.links.length).toBe(0);
      const res = await alice.request('join', { offer: offer(DATACHANNEL_OFFER) });
      expect(res.result).toEqual({ type: 'answer', sdp: 'v=0\r\ns=fake-answer\r\n' });
      const call = h.lastLink().calls[0];
      expect(call?.method).toBe('join');
      if (call?.method !== 'join') return;
      expect(call.request.sid).toBe(`${SDK_APP_ID}:n:1234`);
      expect(call.request.uid).toMatch(/^alice#[0-9a-f]{8}$/);
      expect(call.request.config).toEqual({ NoPublish: false, NoSubscribe: false, NoAutoSubscribe: false });
    });

    it('refuses a client that names sid or uid, before anything reaches ion-sfu', async () => {
      const alice = await h.joined('alice');
      expect((await alice.request('join', { sid: '999:n:1', offer: offer(DATACHANNEL_OFFER) })).error?.message).toBe('INVALID_PARAMS');
      expect((await alice.request('join', { uid: 'bob', offer: offer(DATACHANNEL_OFFER) })).error?.message).toBe('INVALID_PARAMS');
      expect(h.sfu.links.length).toBe(0);
    });

    it('relays offer, answer and trickle both ways', async () => {
      const alice = await h.joined('alice');
      await alice.request('join', { offer: offer(DATACHANNEL_OFFER) });
      const link = h.lastLink();
      link.sendOffer('v=0\r\ns=sfu-offer\r\n');
      link.sendTrickle(1, { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
      expect(alice.notifications('offer')[0]?.params).toEqual({ desc: { type: 'offer', sdp: 'v=0\r\ns=sfu-offer\r\n' } });
      expect(alice.notifications('trickle')[0]?.params).toEqual({
        target: 1,
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
      });
      await alice.notify('answer', { desc: { type: 'answer', sdp: 'v=0\r\ns=answer\r\n' } });
      await alice.notify('trickle', { target: 0, candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 6000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
      await alice.request('stream.publish', mainStream);
      const renegotiated = await alice.request('offer', { desc: offer(AUDIO_VIDEO_OFFER) });
      expect(renegotiated.result?.['type']).toBe('answer');
      expect(link.calls.map((c) => c.method)).toEqual(['join', 'answer', 'trickle', 'offer']);
    });

    it('refuses offer/answer/trickle before join with INVALID_OPERATION', async () => {
      const alice = await h.joined('alice');
      expect((await alice.request('offer', { desc: offer(DATACHANNEL_OFFER) })).error?.message).toBe('INVALID_OPERATION');
      expect((await alice.request('trickle', { target: 0, candidate: { candidate: '' } })).error?.message).toBe('INVALID_OPERATION');
    });

    it('refuses a second join while linked', async () => {
      const alice = await h.joined('alice');
      await alice.request('join', { offer: offer(DATACHANNEL_OFFER) });
      expect((await alice.request('join', { offer: offer(DATACHANNEL_OFFER) })).error?.message).toBe('INVALID_OPERATION');
    });

    it('tells the client sfu-error when ion-sfu fails, and lets it join again', async () => {
      const alice = await h.joined('alice');
      await alice.request('join', { offer: offer(DATACHANNEL_OFFER) });
      const first = h.lastLink();
      first.fail('ion-sfu went away');
      expect(alice.notifications('sfu-error').map((n) => n.params)).toEqual([{ message: 'ion-sfu went away' }]);
      expect(first.listenerCount('offer')).toBe(0);
      expect((await alice.request('join', { offer: offer(DATACHANNEL_OFFER) })).result?.['type']).toBe('answer');
      expect(h.sfu.links.length).toBe(2);
    });

    it('reports an upstream rejection and leaves no half-open link', async () => {
      const alice = await h.joined('alice');
      h.sfu.behaviour = 'reject';
      expect((await alice.request('join', { offer: offer(DATACHANNEL_OFFER) })).error?.message).toBe('SFU_REJECTED');
      expect(h.lastLink().isClosed).toBeTrue();
      h.sfu.behaviour = 'hang';
      const pending = alice.requestLater('join', { offer: offer(DATACHANNEL_OFFER) });
      h.lastLink().fail('went away');
      await pending.done;
      expect(alice.frames.find((f) => f.id === pending.id)?.error?.message).toBe('SFU_UNAVAILABLE');
      expect(alice.notifications('sfu-error').length).withContext('reported once, on the join').toBe(0);
      h.sfu.behaviour = 'answer';
      expect((await alice.request('join', { offer: offer(DATACHANNEL_OFFER) })).result).toBeDefined();
    });

    it('closes the link when the client leaves, failing a pending request without crashing', async () => {
      const alice = await h.joined('alice');
      const pendingJoin = alice.requestLater('join', { offer: offer(DATACHANNEL_OFFER) });
      const link = h.lastLink();
      link.behaviour = 'hang';
      alice.session.close('disconnect');
      await pendingJoin.done;
      expect(link.isClosed).toBeTrue();
      expect(link.listenerCount('offer') + link.listenerCount('trickle') + link.listenerCount('failed')).toBe(0);
    });
  });

  describe('publishing policy', () => {
    it('refuses an unannounced stream in an offer (STREAM_NOT_ANNOUNCED), then accepts it once announced', async () => {
      const alice = await h.joined('alice');
      expect((await alice.request('join', { offer: offer(AUDIO_VIDEO_OFFER) })).error?.message).toBe('STREAM_NOT_ANNOUNCED');
      expect(h.sfu.links.length).toBe(0);
      await alice.request('stream.publish', mainStream);
      expect((await alice.request('join', { offer: offer(AUDIO_VIDEO_OFFER) })).result).toBeDefined();
    });

    it("refuses publishing another user's stream id", async () => {
      const alice = await h.joined('alice');
      const bob = await h.joined('bob');
      await alice.request('stream.publish', mainStream);
      expect((await bob.request('stream.publish', mainStream)).error?.message).toBe('STREAM_CONFLICT');
      // and bob cannot smuggle alice's stream id into his offer either
      expect((await bob.request('join', { offer: offer(AUDIO_VIDEO_OFFER) })).error?.message).toBe('STREAM_NOT_ANNOUNCED');
    });

    it('lets an audience peer subscribe but refuses any media it offers (ROLE_FORBIDDEN)', async () => {
      const viewer = await h.joined('viewer', { mode: 'live', role: 'audience' });
      expect((await viewer.request('stream.publish', mainStream)).error?.message).toBe('ROLE_FORBIDDEN');
      expect((await viewer.request('join', { offer: offer(AUDIO_VIDEO_OFFER) })).error?.message).toBe('ROLE_FORBIDDEN');
      expect((await viewer.request('join', { offer: offer(DATACHANNEL_OFFER) })).result).toBeDefined();
      expect((await viewer.request('offer', { desc: offer(withStreamId(AUDIO_VIDEO_OFFER, 'x')) })).error?.message).toBe('ROLE_FORBIDDEN');
      expect(h.lastLink().calls.map((c) => c.method)).toEqual(['join']);
    });

    it('refuses a subscriber answer that sends media', async () => {
      const alice = await h.joined('alice');
      await alice.request('join', { offer: offer(DATACHANNEL_OFFER) });
      expect((await alice.request('answer', { desc: { type: 'answer', sdp: AUDIO_VIDEO_OFFER } })).error?.message).toBe('ROLE_FORBIDDEN');
      expect(h.lastLink().calls.map((c) => c.method)).toEqual(['join']);
    });

    it('enforces privateMapKey privileges', async () => {
      const enterOnly = Privilege.CREATE_ROOM | Privilege.ENTER_ROOM | Privilege.RECV_AUDIO | Privilege.RECV_VIDEO;
      const audioOnly = enterOnly | Privilege.SEND_AUDIO;
      const noEnter = Privilege.CREATE_ROOM | Privilege.SEND_AUDIO;
      const tryJoin = (userId: string, key: string, roomId: number | string = 1234) =>
        h.client().request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: h.userSig(userId), roomId, mode: 'rtc', privateMapKey: key });
      expect((await tryJoin('a', h.privateMapKey('a', 1234, noEnter))).error?.message).toBe('PRIVILEGE_DENIED');
      expect((await tryJoin('a', h.privateMapKey('a', 4321, audioOnly))).error?.message).toBe('PRIVATE_MAP_KEY_INVALID');
      expect((await tryJoin('a', h.privateMapKey('b', 1234, audioOnly))).error?.message).toBe('PRIVATE_MAP_KEY_INVALID');
      expect((await tryJoin('a', h.privateMapKey('a', '1234', audioOnly))).error?.message).toBe('PRIVATE_MAP_KEY_INVALID');
      const a = await h.joined('a', { privateMapKey: h.privateMapKey('a', 1234, audioOnly) });
      expect((await a.request('stream.publish', mainStream)).error?.message).toBe('PRIVILEGE_DENIED');
      expect((await a.request('stream.publish', { ...mainStream, hasVideo: false })).result).toBeDefined();
      expect((await a.request('stream.update', { streamId: mainStream.streamId, hasVideo: true })).error?.message).toBe('PRIVILEGE_DENIED');
      expect((await a.request('stream.publish', { ...mainStream, streamId: 'screen', type: 'auxiliary', hasAudio: false })).error?.message).toBe('PRIVILEGE_DENIED');
    });

    it('does not subscribe a peer whose privateMapKey grants no receive privilege', async () => {
      const sendOnly = Privilege.CREATE_ROOM | Privilege.ENTER_ROOM | Privilege.SEND_AUDIO;
      const a = await h.joined('a', { privateMapKey: h.privateMapKey('a', 1234, sendOnly) });
      await a.request('join', { offer: offer(DATACHANNEL_OFFER) });
      const call = h.lastLink().calls[0];
      expect(call?.method === 'join' && call.request.config.NoSubscribe).toBeTrue();
    });
  });

  describe('streams and presence', () => {
    it('sends stream-added, stream-updated, mute events and stream-removed to the others', async () => {
      const alice = await h.joined('alice');
      const bob = await h.joined('bob');
      await alice.request('stream.publish', { ...mainStream, simulcast: true });
      await alice.request('stream.update', { streamId: mainStream.streamId, audioMuted: true });
      await alice.request('stream.unpublish', { streamId: mainStream.streamId });
      expect(bob.notifications().map((n) => n.method)).toEqual(['stream-added', 'stream-updated', 'mute-audio', 'stream-removed']);
      expect(bob.notifications('stream-added')[0]?.params?.['stream']).toEqual(
        jasmine.objectContaining({ userId: 'alice', type: 'main', streamId: mainStream.streamId, simulcast: true }),
      );
      expect((await alice.request('stream.unpublish', { streamId: mainStream.streamId })).error?.message).toBe('STREAM_NOT_FOUND');
    });

    it('room.leave answers, withdraws streams, tells the others and closes', async () => {
      const alice = await h.joined('alice');
      const bob = await h.joined('bob');
      await alice.request('stream.publish', mainStream);
      await alice.request('join', { offer: offer(AUDIO_VIDEO_OFFER) });
      expect((await alice.request('room.leave')).result).toEqual({});
      expect(alice.closedWith?.code).toBe(1000);
      expect(h.lastLink().isClosed).toBeTrue();
      expect(bob.notifications().map((n) => [n.method, n.params?.['reason']])).toEqual([
        ['stream-added', undefined],
        ['stream-removed', undefined],
        ['peer-leave', 'leave'],
      ]);
      expect(h.registry.peerCount).toBe(1);
    });

    it('a disconnect is reported as peer-leave with reason disconnect, a heartbeat loss as timeout', async () => {
      const alice = await h.joined('alice');
      const bob = await h.joined('bob');
      const carol = await h.joined('carol');
      alice.session.close('disconnect');
      bob.session.close('timeout');
      expect(carol.notifications('peer-leave').map((n) => n.params)).toEqual([
        { userId: 'alice', reason: 'disconnect' },
        { userId: 'bob', reason: 'timeout' },
      ]);
    });

    describe('reconnect grace', () => {
      beforeEach(() => jasmine.clock().install());
      afterEach(() => jasmine.clock().uninstall());

      it('keeps a dropped peer and its streams, and a re-join within the grace resumes it without a word to the others', async () => {
        const alice = await h.joined('alice');
        const bob = await h.joined('bob');
        await alice.request('stream.publish', mainStream);
        await alice.request('join', { offer: offer(AUDIO_VIDEO_OFFER) });
        const oldLink = h.lastLink();
        const before = bob.notifications().length;

        alice.session.disconnect(1006);
        expect(alice.session.isSuspended).toBeTrue();
        expect(oldLink.isClosed).toBeTrue(); // ion-sfu forgets the old peer at once
        jasmine.clock().tick(5_000);

        const again = h.client();
        const res = await again.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'alice', userSig: h.userSig('alice'), roomId: 1234, mode: 'rtc' });
        expect(res.result?.['peers']).toEqual([{ userId: 'bob', role: 'anchor' }]);
        expect((await again.request('stream.publish', mainStream)).error).toBeUndefined();
        jasmine.clock().tick(20_000);

        expect(bob.notifications().slice(before)).toEqual([]);
        expect(alice.notifications('client-banned')).toEqual([]);
        expect(h.registry.find(SDK_APP_ID, 1234)!.streamsOf('alice').map((s) => s.streamId)).toEqual([mainStream.streamId]);
        expect(h.registry.peerCount).toBe(2);
        expect(h.metrics.render()).toContain('roomserver_resumes_total 1');
      });

      it('withdraws inherited streams the resumed connection does not publish again within the grace', async () => {
        const alice = await h.joined('alice');
        const bob = await h.joined('bob');
        await alice.request('stream.publish', mainStream);
        alice.session.disconnect(4100);
        const again = await h.joined('alice');
        jasmine.clock().tick(10_001);
        expect(bob.notifications().map((n) => n.method)).toEqual(['stream-added', 'stream-removed']);
        expect((await again.request('rtc.ping')).result).toBeDefined();
      });

      it('tells the others once the grace is over: stream-removed, then peer-leave (disconnect)', async () => {
        const alice = await h.joined('alice');
        const bob = await h.joined('bob');
        await alice.request('stream.publish', mainStream);
        alice.session.disconnect(1006);
        jasmine.clock().tick(9_999);
        expect(bob.notifications().map((n) => n.method)).toEqual(['stream-added']);
        jasmine.clock().tick(2);
        expect(bob.notifications().map((n) => [n.method, n.params?.['reason']])).toEqual([
          ['stream-added', undefined],
          ['stream-removed', undefined],
          ['peer-leave', 'disconnect'],
        ]);
        expect(h.registry.peerCount).toBe(1);
      });

      it('gives no grace when the client said it was done (1000) or its page went away (1001)', async () => {
        const alice = await h.joined('alice');
        const carol = await h.joined('carol');
        const bob = await h.joined('bob');
        alice.session.disconnect(1000);
        carol.session.disconnect(1001);
        expect(bob.notifications('peer-leave').map((n) => n.params?.['userId'])).toEqual(['alice', 'carol']);
      });

      it('gives no grace when it is turned off', async () => {
        const strict = new Harness(undefined, 0);
        const alice = await strict.joined('alice');
        const bob = await strict.joined('bob');
        alice.session.disconnect(1006);
        expect(bob.notifications('peer-leave').length).toBe(1);
      });
    });

    it('kicks the older connection of a user who joins again', async () => {
      const old = await h.joined('alice');
      await old.request('join', { offer: offer(DATACHANNEL_OFFER) });
      const oldLink = h.lastLink();
      const bob = await h.joined('bob');
      const fresh = await h.joined('alice');
      expect(old.notifications('client-banned').map((n) => n.params)).toEqual([
        { reason: 'kick', message: 'the same user joined the room from another connection' },
      ]);
      expect(old.closedWith?.code).toBe(4000);
      expect(oldLink.isClosed).toBeTrue();
      expect(bob.notifications().map((n) => [n.method, n.params?.['userId']])).toEqual([
        ['peer-leave', 'alice'],
        ['peer-join', 'alice'],
      ]);
      expect((await fresh.request('rtc.ping')).result).toBeDefined();
      expect(h.registry.peerCount).toBe(2);
    });

    it('different rooms and apps see nothing of each other', async () => {
      const a = await h.joined('alice', {}, 1);
      const b = await h.joined('bob', {}, '1');
      await a.request('stream.publish', mainStream);
      expect(b.notifications().length).toBe(0);
      expect(h.registry.roomCount).toBe(2);
    });
  });

  describe('room.switchRole', () => {
    it('is only available in live mode', async () => {
      const alice = await h.joined('alice');
      expect((await alice.request('room.switchRole', { role: 'audience' })).error?.message).toBe('INVALID_OPERATION');
    });

    it('lets an audience peer become an anchor and publish, and back', async () => {
      const viewer: TestClient = await h.joined('viewer', { mode: 'live', role: 'audience' });
      const other = await h.joined('other', { mode: 'live' });
      expect((await viewer.request('room.switchRole', { role: 'anchor' })).result).toEqual({ role: 'anchor' });
      expect((await viewer.request('stream.publish', mainStream)).result).toBeDefined();
      expect((await viewer.request('join', { offer: offer(AUDIO_VIDEO_OFFER) })).result).toBeDefined();
      expect((await viewer.request('room.switchRole', { role: 'audience' })).result).toEqual({ role: 'audience' });
      expect(other.notifications().map((n) => n.method)).toEqual(['role-changed', 'stream-added', 'stream-removed', 'role-changed']);
      expect((await viewer.request('offer', { desc: offer(AUDIO_VIDEO_OFFER) })).error?.message).toBe('ROLE_FORBIDDEN');
    });

    it('refuses becoming an anchor without any send privilege', async () => {
      const watchOnly = Privilege.CREATE_ROOM | Privilege.ENTER_ROOM | Privilege.RECV_VIDEO;
      const v = await h.joined('v', { mode: 'live', role: 'audience', privateMapKey: h.privateMapKey('v', 1234, watchOnly) });
      expect((await v.request('room.switchRole', { role: 'anchor' })).error?.message).toBe('PRIVILEGE_DENIED');
      const upgraded = h.privateMapKey('v', 1234, watchOnly | Privilege.SEND_VIDEO);
      expect((await v.request('room.switchRole', { role: 'anchor', privateMapKey: upgraded })).result).toEqual({ role: 'anchor' });
    });
  });
});
