/**
 * Security through the real room-server and ion-sfu, from inside the test
 * network: credentials (UserSig, privateMapKey) refused with distinct codes,
 * rooms kept apart, an audience member unable to send media even with
 * hand-made JSON-RPC and SDP, no way to name ion-sfu session or user ids,
 * ion-sfu's port private, and the Origin allow-list. Raw checks talk JSON-RPC
 * directly (e2e/harness/raw-rpc.ts); the SDK checks run in Chromium.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

import { generatePrivateMapKey, generateUserSig } from '../../../projects/room-server/src/index.js';
import {
  AUDIO_VIDEO_OFFER,
  AUDIO_VIDEO_STREAM_ID,
  DATACHANNEL_OFFER,
  audioOnly,
  withDirection,
  withoutMsid,
} from '../../../projects/room-server/test/support/sdp.js';
import { recordFigure } from '../../harness/figures.js';
import { bundlePage, openTestPage } from '../../harness/pages.js';
import { request, runRawRpc, type RawStep } from '../../harness/raw-rpc.js';
import { ROOT, devSdkAppId } from '../../harness/stack.js';
import { useStackAndBrowser } from '../../harness/suite.js';
import { joinAndPublish, waitForRemoteMedia } from '../../harness/tutorial.js';

const SDK_APP_ID = devSdkAppId();
const SECRET: string = JSON.parse(readFileSync(join(ROOT, 'config/room-server.json'), 'utf8')).apps[0].secretKey;
const now = () => Math.floor(Date.now() / 1000);

const sig = (userId: string, over: { secretKey?: string; sdkAppId?: number; expireSeconds?: number; now?: number } = {}) =>
  generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET, userId, expireSeconds: 3600, ...over });

const mapKey = (userId: string, roomId: number | string, privileges: number, over: { expireSeconds?: number; now?: number; secretKey?: string } = {}) =>
  generatePrivateMapKey({ sdkAppId: SDK_APP_ID, secretKey: SECRET, userId, roomId, privileges, expireSeconds: 3600, ...over });

const joinParams = (userId: string, roomId: number | string, extra: Record<string, unknown> = {}) => ({
  sdkAppId: SDK_APP_ID,
  userId,
  userSig: sig(userId),
  roomId,
  mode: 'rtc',
  ...extra,
});

/** Whether ion-sfu's answer would receive audio/video (an m-section it accepts as recvonly/sendrecv). */
function answerReceivesMedia(sdp: string): boolean {
  const [session, ...sections] = sdp.split(/\r?\n(?=m=)/);
  const direction = (text: string) => /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(text)?.[1];
  const sessionDirection = direction(session) ?? 'sendrecv';
  return sections.some((section) => {
    const m = /^m=(\w+) (\d+)/.exec(section);
    if (!m || !/^(audio|video)$/i.test(m[1]) || m[2] === '0') return false;
    const dir = direction(section) ?? sessionDirection;
    return dir === 'recvonly' || dir === 'sendrecv';
  });
}

describe('security', () => {
  const suite = useStackAndBrowser({ label: 'security' });

  async function newPage(): Promise<Page> {
    const page = await (await suite.browser.newContext()).newPage();
    await openTestPage(page, suite.stack, 'tutorial');
    return page;
  }

  describe('UserSig', () => {
    const cases = () => ({
      malformed: { userId: 'eve', userSig: 'not-a-usersig' },
      forged: { userId: 'eve', userSig: sig('eve', { secretKey: 'an-attacker-guess-0000000000000000' }) },
      expired: { userId: 'eve', userSig: sig('eve', { now: now() - 7200, expireSeconds: 3600 }) },
      wrongApp: { userId: 'eve', userSig: sig('eve', { sdkAppId: 1400000999 }) },
      wrongUser: { userId: 'eve', userSig: sig('alice') },
    });
    const expected: Record<string, string> = {
      malformed: 'USERSIG_MALFORMED',
      forged: 'USERSIG_BAD_SIGNATURE',
      expired: 'USERSIG_EXPIRED',
      wrongApp: 'USERSIG_WRONG_APP',
      wrongUser: 'USERSIG_WRONG_USER',
    };

    it('forged, expired, wrong-app, wrong-user and malformed UserSigs are refused over the wire with distinct errors', async () => {
      const all = cases();
      const names = Object.keys(all) as (keyof typeof all)[];
      const steps: RawStep[] = names.flatMap((name): RawStep[] => [
        { open: name },
        { client: name, send: request('room.join', { ...joinParams(all[name].userId, 4101), userSig: all[name].userSig }) },
        // Still not joined: everything else is refused too.
        { client: name, send: request('stream.publish', { streamId: 's', type: 'main', hasAudio: true, hasVideo: false }) },
      ]);
      // A sig of the right app, presented with another (unknown) sdkAppId.
      steps.push({ open: 'otherAppParam' }, { client: 'otherAppParam', send: request('room.join', { ...joinParams('eve', 4101), sdkAppId: 1400000999 }) });
      const { replies } = await runRawRpc(suite.stack, steps);
      const codes: Record<string, number> = {};
      names.forEach((name, i) => {
        const reply = replies[i * 3 + 1]!;
        expect(reply['error']?.message).withContext(name).toBe(expected[name]);
        codes[name] = reply['error']?.code;
        expect(replies[i * 3 + 2]!['error']?.message).withContext(`${name} then publish`).toBe('NOT_JOINED');
      });
      expect(replies.at(-1)!['error']?.message).toBe('USERSIG_WRONG_APP');
      expect(new Set(Object.values(codes)).size).toBe(names.length);
      recordFigure('security', 'userSigCodes', codes);
    }, 60000);

    it('surface in the SDK as JOIN_ROOM_FAILED with a distinct extraCode each, and the client stays DISCONNECTED', async () => {
      const page = await newPage();
      const all = cases();
      const results = await page.evaluate(async ({ sdkAppId, all }) => {
        const { TRTC } = window as any;
        const out: Record<string, { code: number; extraCode: number; state: string }> = {};
        for (const [name, { userId, userSig }] of Object.entries(all)) {
          const client = TRTC.createClient({ mode: 'rtc', sdkAppId, userId, userSig });
          try {
            await client.join({ roomId: 4102 });
            out[name] = { code: 0, extraCode: 0, state: client.connectionState };
          } catch (error: any) {
            out[name] = { code: error.getCode(), extraCode: error.getExtraCode(), state: client.connectionState };
          }
          client.destroy();
        }
        return out;
      }, { sdkAppId: SDK_APP_ID, all });
      for (const [name, result] of Object.entries(results)) {
        expect(result.code).withContext(name).toBe(0x4004); // JOIN_ROOM_FAILED
        expect(result.state).withContext(name).toBe('DISCONNECTED');
      }
      expect(results['forged'].extraCode).toBe(4011);
      expect(results['expired'].extraCode).toBe(4012);
      expect(results['wrongApp'].extraCode).toBe(4013);
      expect(results['wrongUser'].extraCode).toBe(4014);
      expect(results['malformed'].extraCode).toBe(4010);
      await page.context().close();
    }, 60000);
  });

  describe('rooms are kept apart', () => {
    it("a valid UserSig for room B reaches none of room A's streams (snapshot, events, ion-sfu session, media)", async () => {
      const alice = await newPage();
      await joinAndPublish(alice, { userId: 'alice', roomId: 4201 });
      const mallory = await newPage();
      await joinAndPublish(mallory, { userId: 'mallory', roomId: 4202 });
      const witness = await newPage();
      await joinAndPublish(witness, { userId: 'witness', roomId: 4201, publish: false });
      await waitForRemoteMedia(witness, 1);

      // Raw: mallory's snapshot of room B is empty; naming room A's ion-sfu session is refused;
      // ion-sfu's subscriber offer to her carries none of room A's streams, while a peer in A gets them.
      const { replies, notifications } = await runRawRpc(suite.stack, [
        { open: 'mallory' },
        { client: 'mallory', send: request('room.join', joinParams('mallory2', 4202)) },
        { client: 'mallory', send: request('join', { sid: `${SDK_APP_ID}:n:4201`, offer: { type: 'offer', sdp: DATACHANNEL_OFFER } }) },
        { client: 'mallory', send: request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } }) },
        { open: 'control' },
        { client: 'control', send: request('room.join', joinParams('control', 4201)) },
        { client: 'control', send: request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } }) },
        { sleepMs: 4000 },
      ]);
      expect(replies[1]!['result'].peers.map((p: any) => p.userId)).toEqual(['mallory']);
      expect(replies[1]!['result'].streams.map((s: any) => s.userId)).toEqual(['mallory']);
      expect(replies[2]!['error']?.message).toBe('INVALID_PARAMS');
      expect(replies[3]!['result']?.type).toBe('answer');
      const aliceStreamId: string = replies[5]!['result'].streams.find((s: any) => s.userId === 'alice').streamId;
      const sdpsTo = (who: string) => notifications[who].filter((n) => n['method'] === 'offer').map((n) => n['params'].desc.sdp as string);
      expect(sdpsTo('control').some((sdp) => sdp.includes(aliceStreamId))).withContext('control peer in room A sees alice').toBeTrue();
      expect(sdpsTo('mallory').some((sdp) => sdp.includes(aliceStreamId))).toBeFalse();
      const aboutRoomA = notifications['mallory'].filter(
        (n) => JSON.stringify(n['params'] ?? {}).includes(aliceStreamId) || ['alice', 'witness', 'control'].includes(n['params']?.userId ?? n['params']?.stream?.userId),
      );
      expect(aboutRoomA).toEqual([]);

      // SDK: mallory's page got no stream-added and decodes no video.
      const malloryState = await mallory.evaluate(async () => ({
        events: (window as any).e2e.events.filter((e: any) => e.type === 'stream-added'),
        inbound: await (window as any).e2e.inbound(),
      }));
      expect(malloryState.events).toEqual([]);
      expect(malloryState.inbound.videoFrames).toBe(0);
      for (const page of [alice, mallory, witness]) {
        await page.evaluate(() => (window as any).client.leave()).catch(() => undefined);
        await page.context().close();
      }
    }, 150000);
  });

  describe('an audience member cannot send media', () => {
    /** Crafted offers: each must be refused, or ion-sfu's answer must not receive media. */
    const crafted: Record<string, string> = {
      'plain audio+video offer': AUDIO_VIDEO_OFFER,
      'without msid': withoutMsid(AUDIO_VIDEO_OFFER),
      sendonly: withDirection(AUDIO_VIDEO_OFFER, 'sendonly'),
      'no direction attribute (SDP default sendrecv)': AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, ''),
      'session-level recvonly, media-level sendrecv': AUDIO_VIDEO_OFFER.replace('a=extmap-allow-mixed\r\n', 'a=extmap-allow-mixed\r\na=recvonly\r\n'),
      'recvonly then sendrecv in one section': AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, 'a=recvonly\r\na=sendrecv\r\n'),
      'sendrecv then recvonly in one section': AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, 'a=sendrecv\r\na=recvonly\r\n'),
      'LF line endings': AUDIO_VIDEO_OFFER.replace(/\r\n/g, '\n'),
      'session-level recvonly, no media-level direction': AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, '').replace('a=extmap-allow-mixed\r\n', 'a=extmap-allow-mixed\r\na=recvonly\r\n'),
      'port 0 without bundle-only': AUDIO_VIDEO_OFFER.replace(/m=(audio|video) 9 /g, 'm=$1 0 '),
      'port 0 + bundle-only': AUDIO_VIDEO_OFFER.replace(/m=(audio|video) 9 /g, 'm=$1 0 ').replace(/a=sendrecv\r\n/g, 'a=sendrecv\r\na=bundle-only\r\n'),
      'trailing blanks on the direction': AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, 'a=sendrecv \r\n'),
      'upper-case media kind': AUDIO_VIDEO_OFFER.replace(/m=audio/g, 'm=AUDIO').replace(/m=video/g, 'm=VIDEO'),
      'audio only': audioOnly(AUDIO_VIDEO_OFFER),
    };

    it('not with crafted SDP in join/offer/answer, nor stream.publish/update by hand, nor switchRole without a send privilege', async () => {
      const names = Object.keys(crafted);
      const steps: RawStep[] = names.flatMap((name, i): RawStep[] => [
        { open: `v${i}` },
        { client: `v${i}`, send: request('room.join', joinParams(`viewer${i}`, 'stage', { mode: 'live', role: 'audience' })) },
        { client: `v${i}`, send: request('join', { offer: { type: 'offer', sdp: crafted[name] } }) },
      ]);
      const base = steps.length;
      steps.push(
        { open: 'x' },
        { client: 'x', send: request('room.join', joinParams('viewerx', 'stage', { mode: 'live', role: 'audience', privateMapKey: mapKey('viewerx', 'stage', 1 | 2 | 8 | 32) })) },
        { client: 'x', send: request('stream.publish', { streamId: AUDIO_VIDEO_STREAM_ID, type: 'main', hasAudio: true, hasVideo: true }) },
        { client: 'x', send: request('stream.update', { streamId: AUDIO_VIDEO_STREAM_ID, hasAudio: true }) },
        { client: 'x', send: request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } }) },
        { client: 'x', send: request('offer', { desc: { type: 'offer', sdp: AUDIO_VIDEO_OFFER } }) },
        { client: 'x', send: request('answer', { desc: { type: 'answer', sdp: withDirection(AUDIO_VIDEO_OFFER, 'sendonly').replace('a=setup:actpass', 'a=setup:active') } }) },
        { client: 'x', send: request('room.switchRole', { role: 'anchor' }) },
        { client: 'x', send: request('stream.publish', { streamId: AUDIO_VIDEO_STREAM_ID, type: 'main', hasAudio: true, hasVideo: true }) },
      );
      const { replies } = await runRawRpc(suite.stack, steps);
      const outcome: Record<string, string> = {};
      names.forEach((name, i) => {
        expect(replies[i * 3 + 1]!['error']).withContext(`${name}: room.join`).toBeUndefined();
        const reply = replies[i * 3 + 2]!;
        if (reply['error']) {
          outcome[name] = reply['error'].message;
        } else {
          expect(reply['result']?.type).withContext(name).toBe('answer');
          expect(answerReceivesMedia(reply['result'].sdp)).withContext(`${name}: ion-sfu would receive media`).toBeFalse();
          outcome[name] = 'accepted, ion-sfu receives nothing';
        }
      });
      expect(outcome['plain audio+video offer']).toBe('ROLE_FORBIDDEN');
      const [, , publish, update, dcJoin, offer, answer, switchRole, publishAfter] = replies.slice(base);
      expect(publish!['error']?.message).toBe('ROLE_FORBIDDEN');
      expect(update!['error']?.message).toMatch(/ROLE_FORBIDDEN|STREAM_NOT_FOUND/);
      expect(dcJoin!['result']?.type).toBe('answer');
      expect(offer!['error']?.message).toBe('ROLE_FORBIDDEN');
      expect(answer!['error']?.message).toBe('ROLE_FORBIDDEN');
      expect(switchRole!['error']?.message).toBe('PRIVILEGE_DENIED');
      expect(publishAfter!['error']?.message).toBe('ROLE_FORBIDDEN');
      recordFigure('security', 'craftedAudienceOffers', outcome);
    }, 90000);
  });

  describe('privateMapKey', () => {
    it('privileges are enforced: enter, create, send audio/video/sub-stream, receive; keys of another room/user or expired are invalid', async () => {
      const ENTER = 2, CREATE = 1, SEND_AUDIO = 4, RECV_AUDIO = 8, SEND_VIDEO = 16, RECV_VIDEO = 32, SEND_SUB = 64;
      const room = 4301;
      const steps: RawStep[] = [
        { open: 'noEnter' },
        { client: 'noEnter', send: request('room.join', joinParams('u1', room, { privateMapKey: mapKey('u1', room, CREATE | SEND_AUDIO) })) },
        { open: 'noCreate' },
        { client: 'noCreate', send: request('room.join', joinParams('u2', room, { privateMapKey: mapKey('u2', room, ENTER) })) },
        { open: 'otherRoom' },
        { client: 'otherRoom', send: request('room.join', joinParams('u3', room, { privateMapKey: mapKey('u3', room + 1, 255) })) },
        { open: 'otherUser' },
        { client: 'otherUser', send: request('room.join', joinParams('u4', room, { privateMapKey: mapKey('someone', room, 255) })) },
        { open: 'expired' },
        { client: 'expired', send: request('room.join', joinParams('u5', room, { privateMapKey: mapKey('u5', room, 255, { now: now() - 7200 }) })) },
        { open: 'forged' },
        { client: 'forged', send: request('room.join', joinParams('u6', room, { privateMapKey: mapKey('u6', room, 255, { secretKey: 'guess-000000000000000000000000' }) })) },
        // audio-only sender: creates the room, may publish audio, not video, not a sub-stream
        { open: 'audio' },
        { client: 'audio', send: request('room.join', joinParams('u7', room, { privateMapKey: mapKey('u7', room, CREATE | ENTER | SEND_AUDIO | RECV_AUDIO | RECV_VIDEO) })) },
        { client: 'audio', send: request('stream.publish', { streamId: AUDIO_VIDEO_STREAM_ID, type: 'main', hasAudio: true, hasVideo: true }) },
        { client: 'audio', send: request('stream.publish', { streamId: 'aux-1', type: 'auxiliary', hasAudio: false, hasVideo: true }) },
        { client: 'audio', send: request('stream.publish', { streamId: AUDIO_VIDEO_STREAM_ID, type: 'main', hasAudio: true, hasVideo: false }) },
        { client: 'audio', send: request('join', { offer: { type: 'offer', sdp: AUDIO_VIDEO_OFFER } }) },
        { client: 'audio', send: request('join', { offer: { type: 'offer', sdp: audioOnly(AUDIO_VIDEO_OFFER) } }) },
        // entering an existing room without create; no receive privilege → ion-sfu never offers it anything
        { open: 'deaf' },
        { client: 'deaf', send: request('room.join', joinParams('u8', room, { privateMapKey: mapKey('u8', room, ENTER | SEND_VIDEO | SEND_SUB) })) },
        { client: 'deaf', send: request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } }) },
        { sleepMs: 3000 },
      ];
      const { replies, notifications } = await runRawRpc(suite.stack, steps);
      const err = (i: number) => replies[i]?.['error']?.message;
      expect(err(1)).toBe('PRIVILEGE_DENIED'); // no enter
      expect(err(3)).toBe('PRIVILEGE_DENIED'); // room does not exist yet, no create
      expect(err(5)).toBe('PRIVATE_MAP_KEY_INVALID');
      expect(err(7)).toBe('PRIVATE_MAP_KEY_INVALID');
      expect(err(9)).toBe('PRIVATE_MAP_KEY_INVALID');
      expect(err(11)).toBe('PRIVATE_MAP_KEY_INVALID');
      expect(replies[13]!['result']).toBeDefined();
      expect(err(14)).toBe('PRIVILEGE_DENIED'); // video
      expect(err(15)).toBe('PRIVILEGE_DENIED'); // sub-stream
      expect(replies[16]!['result']).toBeDefined(); // audio only
      // an offer that still sends video: the stream was announced without it, which is checked first
      expect(err(17)).toBe('STREAM_NOT_ANNOUNCED');
      expect(replies[18]!['result']?.type).toBe('answer');
      expect(replies[20]!['result']).toBeDefined();
      expect(replies[21]!['result']?.type).toBe('answer');
      expect(notifications['deaf'].filter((n) => n['method'] === 'offer')).withContext('NoSubscribe forced').toEqual([]);
      expect(notifications['audio'].filter((n) => n['method'] === 'offer').length).withContext('a receiving peer is offered').toBeGreaterThan(0);
    }, 90000);

    it('a privateMapKey without enter makes the SDK join fail with JOIN_ROOM_FAILED / PRIVILEGE_DENIED', async () => {
      const page = await newPage();
      const result = await page.evaluate(async ({ sdkAppId, userSig, privateMapKey }) => {
        const client = (window as any).TRTC.createClient({ mode: 'rtc', sdkAppId, userId: 'pmk', userSig });
        try {
          await client.join({ roomId: 4302, privateMapKey });
          return null;
        } catch (error: any) {
          return { code: error.getCode(), extraCode: error.getExtraCode() };
        } finally {
          client.destroy();
        }
      }, { sdkAppId: SDK_APP_ID, userSig: sig('pmk'), privateMapKey: mapKey('pmk', 4302, 1 | 4 | 16) });
      expect(result).toEqual({ code: 0x4004, extraCode: 4016 });
      await page.context().close();
    }, 60000);
  });

  describe('identities', () => {
    it('a client cannot name ion-sfu session ids or user ids, nor join as someone else', async () => {
      const sdp = { type: 'offer', sdp: DATACHANNEL_OFFER };
      const { replies } = await runRawRpc(suite.stack, [
        { open: 'c' },
        { client: 'c', send: request('room.join', joinParams('carol', 4401)) },
        { client: 'c', send: request('join', { sid: 'any-session', offer: sdp }) },
        { client: 'c', send: request('join', { uid: 'alice', offer: sdp }) },
        { client: 'c', send: request('join', { offer: sdp, config: { NoPublish: false, sid: 'x' } }) },
        { client: 'c', send: request('join', { offer: { ...sdp, sid: 'x' } }) },
        { client: 'c', send: request('offer', { sid: 'x', desc: sdp }) },
        { client: 'c', send: request('trickle', { uid: 'alice', target: 0, candidate: { candidate: '' } }) },
        { client: 'c', send: request('room.join', joinParams('carol', 4401)) },
        { open: 'impostor' },
        { client: 'impostor', send: request('room.join', { ...joinParams('mallory', 4401), userId: 'carol' }) },
        { open: 'noUser' },
        { client: 'noUser', send: request('stream.publish', { streamId: 's1', type: 'main', hasAudio: true, hasVideo: false, userId: 'carol' }) },
      ]);
      for (const i of [2, 3, 4, 5, 6, 7]) expect(replies[i]!['error']?.message).withContext(`step ${i}`).toBe('INVALID_PARAMS');
      expect(replies[8]!['error']?.message).toBe('ALREADY_JOINED');
      expect(replies[10]!['error']?.message).toBe('USERSIG_WRONG_USER');
      expect(replies[12]!['error']?.message).toMatch(/NOT_JOINED|INVALID_PARAMS/);
    }, 60000);
  });

  describe('network exposure', () => {
    function tcpProbe(host: string, port: number): Promise<string> {
      return new Promise((resolve) => {
        const socket = connect({ host, port, timeout: 3000 });
        socket.once('connect', () => (socket.destroy(), resolve('open')));
        socket.once('timeout', () => (socket.destroy(), resolve('timeout')));
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
    }

    it("ion-sfu's signaling, its metrics and room-server are not reachable from the host, only on the namespace's 127.0.0.1", async () => {
      if (!suite.stack.network.mediaAddress) {
        pending('host fallback: no namespace to reach into');
        return;
      }
      const http = Number(new URL(suite.stack.httpUrl).port);
      const fromHost = {
        sfu: await tcpProbe(suite.stack.network.mediaAddress, suite.stack.sfuPort),
        sfuMetrics: await tcpProbe(suite.stack.network.mediaAddress, 8100),
        roomServer: await tcpProbe(suite.stack.network.mediaAddress, http),
      };
      expect(fromHost).toEqual({ sfu: 'ECONNREFUSED', sfuMetrics: 'ECONNREFUSED', roomServer: 'ECONNREFUSED' });
      const inside = await suite.stack.runInNetwork(
        `const net = require('node:net');
         const probe = (h, p) => new Promise((r) => { const s = net.connect(p, h); s.on('connect', () => { s.destroy(); r('open'); }); s.on('error', (e) => r(e.code)); });
         (async () => console.log(JSON.stringify({ loopback: await probe('127.0.0.1', ${suite.stack.sfuPort}), veth: await probe(process.argv[1], ${suite.stack.sfuPort}) })))();`,
        [suite.stack.network.mediaAddress],
      );
      expect(JSON.parse(inside)).toEqual({ loopback: 'open', veth: 'ECONNREFUSED' });
    }, 60000);
  });
});

describe('security: Origin allow-list', () => {
  const ALLOWED = 'http://127.0.0.1:8080';
  const suite = useStackAndBrowser({ label: 'origin', roomServerEnv: { ROOM_SERVER_ALLOWED_ORIGINS: `${ALLOWED},https://meet.example.com` } });

  it('refuses the upgrade (HTTP 403) without an Origin or with an unlisted one; a listed Origin joins', async () => {
    if (suite.stack.httpUrl !== ALLOWED) pending(`the suite.stack is not on ${ALLOWED} (host fallback)`);
    const { replies } = await runRawRpc(suite.stack, [
      { open: 'none' },
      { open: 'evil', origin: 'http://evil.example' },
      { open: 'lookalike', origin: 'http://127.0.0.1:8080.evil.example' },
      { open: 'good', origin: 'https://meet.example.com' },
      { client: 'good', send: request('room.join', joinParams('dave', 4501)) },
    ]);
    expect(replies.slice(0, 4)).toEqual([{ status: 403 }, { status: 403 }, { status: 403 }, { status: 101 }]);
    expect(replies[4]!['result']).toBeDefined();
  }, 60000);

  it('a page on a listed origin joins; a page on another origin cannot open the signaling link (SIGNAL_CHANNEL_SETUP_FAILED)', async () => {
    if (suite.stack.httpUrl !== ALLOWED) pending(`the suite.stack is not on ${ALLOWED} (host fallback)`);
    const good = await (await suite.browser.newContext()).newPage();
    await openTestPage(good, suite.stack, 'tutorial');
    await joinAndPublish(good, { userId: 'erin', roomId: 4502, publish: false });
    expect(await good.evaluate(() => (window as any).client.connectionState)).toBe('CONNECTED');

    const evil = await (await suite.browser.newContext()).newPage();
    const evilUrl = 'http://evil.example/__e2e/tutorial.html';
    const script = await bundlePage('tutorial');
    await evil.route(evilUrl, (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><html><body><script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>` }),
    );
    await evil.goto(evilUrl);
    await evil.waitForFunction(() => (window as any).e2eReady === true);
    const result = await evil.evaluate(async ({ url, sdkAppId, userSig }) => {
      const { TRTC } = window as any;
      const client = TRTC.createClient({ mode: 'rtc', sdkAppId, userId: 'frank', userSig, serverUrl: url });
      try {
        await client.join({ roomId: 4502 });
        return 'joined';
      } catch (error: any) {
        return error.getCode();
      } finally {
        client.destroy();
      }
    }, { url: suite.stack.signalUrl, sdkAppId: SDK_APP_ID, userSig: sig('frank') });
    expect(result).toBe(0x4001);
    await good.evaluate(() => (window as any).client.leave());
    await good.context().close();
    await evil.context().close();
  }, 90000);
});
