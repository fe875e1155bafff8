/**
 * room-server in front of the REAL ion-sfu. Signaling checks use SDP offers
 * captured from libwebrtc (ion-sfu answers an offer without ICE completing);
 * media checks use @roamhq/wrtc peer connections when it is installed.
 */
import { silentLogger } from '../src/log.js';
import { generateUserSig } from '../src/auth/usersig.js';
import { startRoomServer, type RunningRoomServer } from '../src/server.js';
import { findIonSfuBinary, ionSfuCandidates, startIonSfu, type IonSfuProcess } from './support/ion-sfu-process.js';
import { AUDIO_VIDEO_OFFER, AUDIO_VIDEO_STREAM_ID, DATACHANNEL_OFFER } from './support/sdp.js';
import { SDK_APP_ID, SECRET_KEY } from './support/session-harness.js';
import { WsTestClient } from './support/ws-client.js';
import { loadWrtc, WrtcPeer } from './support/wrtc-peer.js';

const binary = findIonSfuBinary();
const wrtc = loadWrtc();
const NO_BINARY = `no ion-sfu binary (looked at ${ionSfuCandidates().join(', ')}); set ION_SFU_BIN`;

const sig = (userId: string) => generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds: 3600 });

describe('room-server + real ion-sfu', () => {
  let sfu: IonSfuProcess | undefined;
  let server: RunningRoomServer | undefined;
  const clients: WsTestClient[] = [];
  const peers: WrtcPeer[] = [];

  async function join(userId: string, extra: Record<string, unknown> = {}, roomId: number | string = 777): Promise<WsTestClient> {
    const client = await WsTestClient.connect(server!.url);
    clients.push(client);
    const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId, mode: 'rtc', ...extra });
    if (res.error) throw new Error(JSON.stringify(res.error));
    return client;
  }

  beforeAll(async () => {
    if (!binary) return;
    sfu = await startIonSfu(binary);
  }, 30_000);

  afterAll(async () => {
    await sfu?.stop();
  });

  beforeEach(async () => {
    if (!sfu) return;
    server = await startRoomServer(
      { port: 0, sfuUrl: sfu.url, apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }], staticDir: null, logLevel: 'silent' },
      { log: silentLogger },
    );
  });

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    server = undefined;
  });

  describe('signaling (captured libwebrtc offers)', () => {
    it('relays two anchors\' joins to ion-sfu and returns its answers; stream-added carries userId and type', async () => {
      if (!sfu) return pending(NO_BINARY);
      const alice = await join('alice');
      const bob = await join('bob');
      expect((await alice.request('stream.publish', { streamId: AUDIO_VIDEO_STREAM_ID, type: 'main', hasAudio: true, hasVideo: true })).result).toBeDefined();
      const added = await bob.waitFor('stream-added');
      expect(added.params?.['stream']).toEqual(jasmine.objectContaining({ userId: 'alice', type: 'main', streamId: AUDIO_VIDEO_STREAM_ID }));
      const aliceAnswer = await alice.request('join', { offer: { type: 'offer', sdp: AUDIO_VIDEO_OFFER } });
      expect(aliceAnswer.error).toBeUndefined();
      expect(aliceAnswer.result?.['type']).toBe('answer');
      expect(String(aliceAnswer.result?.['sdp'])).toMatch(/^v=0/);
      expect(String(aliceAnswer.result?.['sdp'])).toContain('m=audio');
      const bobAnswer = await bob.request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } });
      expect(bobAnswer.result?.['type']).toBe('answer');
      // ion-sfu negotiates bob's subscriber connection through room-server.
      const sfuOffer = await bob.waitFor('offer');
      expect((sfuOffer.params?.['desc'] as { type: string }).type).toBe('offer');
    });

    it('refuses an audience peer that offers media; lets it join to receive', async () => {
      if (!sfu) return pending(NO_BINARY);
      const viewer = await join('viewer', { mode: 'live', role: 'audience' });
      const refused = await viewer.request('join', { offer: { type: 'offer', sdp: AUDIO_VIDEO_OFFER } });
      expect(refused.error?.message).toBe('ROLE_FORBIDDEN');
      const accepted = await viewer.request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } });
      expect(accepted.result?.['type']).toBe('answer');
    });

    it('keeps ion-sfu alive through requests that would crash it if forwarded (missing params)', async () => {
      if (!sfu) return pending(NO_BINARY);
      const c = await join('alice');
      expect((await c.request('join')).error?.message).toBe('INVALID_PARAMS');
      expect((await c.request('join', null)).error?.message).toBe('INVALID_PARAMS');
      expect((await c.request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } })).result?.['type']).toBe('answer');
      expect(sfu.child.exitCode).toBeNull();
    });

    it('answers SFU_UNAVAILABLE when ion-sfu cannot be reached', async () => {
      if (!sfu) return pending(NO_BINARY);
      await server!.close();
      server = await startRoomServer(
        { port: 0, sfuUrl: 'ws://127.0.0.1:1/ws', apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }], staticDir: null, logLevel: 'silent' },
        { log: silentLogger },
      );
      const c = await join('alice');
      expect((await c.request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } })).error?.message).toBe('SFU_UNAVAILABLE');
    });
  });

  describe('media (@roamhq/wrtc)', () => {
    it('two anchors exchange audio and video; the subscriber maps the stream to userId and type', async () => {
      if (!sfu) return pending(NO_BINARY);
      if (!wrtc) return pending('@roamhq/wrtc is not installed; media exchange is covered by the e2e suite');
      const aliceClient = await join('alice');
      const bobClient = await join('bob');
      const alice = new WrtcPeer(wrtc, aliceClient);
      const bob = new WrtcPeer(wrtc, bobClient);
      peers.push(alice, bob);
      const aliceMedia = alice.addMedia();
      const bobMedia = bob.addMedia();
      for (const [client, media] of [[aliceClient, aliceMedia], [bobClient, bobMedia]] as const) {
        const res = await client.request('stream.publish', { streamId: media.stream.id, type: 'main', hasAudio: true, hasVideo: true });
        expect(res.error).toBeUndefined();
      }
      expect((await alice.join()).error).toBeUndefined();
      expect((await bob.join()).error).toBeUndefined();

      const added = (await bobClient.waitFor('stream-added')).params?.['stream'] as { userId: string; type: string; streamId: string };
      expect(added).toEqual(jasmine.objectContaining({ userId: 'alice', type: 'main', streamId: aliceMedia.stream.id }));
      const atBob = await bob.waitForStream(added.streamId);
      const atAlice = await alice.waitForStream(bobMedia.stream.id);
      const [bobSees, aliceSees] = await Promise.all([bob.measure(atBob, 2000), alice.measure(atAlice, 2000)]);
      expect(bobSees.videoFrames).toBeGreaterThan(5);
      expect(bobSees.audioChunks).toBeGreaterThan(10);
      expect(aliceSees.videoFrames).toBeGreaterThan(5);
    }, 40_000);

    it('an audience peer receives media but is refused when it offers its own', async () => {
      if (!sfu) return pending(NO_BINARY);
      if (!wrtc) return pending('@roamhq/wrtc is not installed; media exchange is covered by the e2e suite');
      const anchorClient = await join('anchor', { mode: 'live', role: 'anchor' });
      const viewerClient = await join('viewer', { mode: 'live', role: 'audience' });
      const anchor = new WrtcPeer(wrtc, anchorClient);
      const viewer = new WrtcPeer(wrtc, viewerClient);
      peers.push(anchor, viewer);
      const media = anchor.addMedia();
      await anchorClient.request('stream.publish', { streamId: media.stream.id, type: 'main', hasAudio: true, hasVideo: true });
      expect((await anchor.join()).error).toBeUndefined();
      expect((await viewer.join()).error).toBeUndefined();
      const received = await viewer.waitForStream(media.stream.id);
      expect((await viewer.measure(received, 1500)).videoFrames).toBeGreaterThan(3);

      viewer.addMedia();
      const refused = await viewer.renegotiate();
      expect(refused.error?.message).toBe('ROLE_FORBIDDEN');
      // and raw JSON-RPC naming a stream it did not announce fares no better
      expect((await viewerClient.request('stream.publish', { streamId: 'sneaky', type: 'main', hasAudio: true, hasVideo: false })).error?.message).toBe('ROLE_FORBIDDEN');
    }, 40_000);
  });

  describe('ion-sfu failure', () => {
    it('tells joined clients sfu-error when ion-sfu dies', async () => {
      if (!sfu) return pending(NO_BINARY);
      const own = await startIonSfu(binary!, { udpPortMin: 50510, udpPortMax: 50710 });
      try {
        await server!.close();
        server = await startRoomServer(
          { port: 0, sfuUrl: own.url, apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }], staticDir: null, logLevel: 'silent' },
          { log: silentLogger },
        );
        const c = await join('alice');
        expect((await c.request('join', { offer: { type: 'offer', sdp: DATACHANNEL_OFFER } })).result).toBeDefined();
        own.child.kill('SIGKILL');
        expect((await c.waitFor('sfu-error', 10_000)).params?.['message']).toContain('ion-sfu');
        expect(await (await fetch(`http://127.0.0.1:${server!.port}/metrics`)).text()).toMatch(/roomserver_upstream_errors_total\{kind="closed"\} 1/);
      } finally {
        await own.stop();
      }
    }, 30_000);
  });
});
