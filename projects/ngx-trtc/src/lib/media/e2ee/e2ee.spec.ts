import { ErrorCode, RtcError } from '../../errors/rtc-error';
import type { E2eeFrameState } from './e2ee-protocol';
import { E2EE_MAGIC, clearHeaderBytes, frameKeyId, openFrame, sealFrame, TRAILER_BYTES, TAG_BYTES } from './frame-crypto';
import { deriveE2eeKey, E2eeKeyProvider } from './key-provider';
import { E2eeImplementation, E2eeStateEvent, MediaEncryption, e2eeImplementations } from './media-encryption';

async function aesKey(fill: number): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new Uint8Array(32).fill(fill), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

function frameBytes(n: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
}

describe('E2EE frame format', () => {
  it('keeps the codec header clear: VP8 10 bytes on keyframes, 3 on delta frames, Opus 1', () => {
    expect(clearHeaderBytes({ kind: 'video', isKeyFrame: true }, 500)).toBe(10);
    expect(clearHeaderBytes({ kind: 'video', mimeType: 'video/VP8', isKeyFrame: false }, 500)).toBe(3);
    expect(clearHeaderBytes({ kind: 'audio', mimeType: 'audio/opus' }, 80)).toBe(1);
    expect(clearHeaderBytes({ kind: 'video', isKeyFrame: true }, 4)).toBe(4);
    // Packetizers that parse the bitstream: not encryptable this way.
    expect(clearHeaderBytes({ kind: 'video', mimeType: 'video/H264' }, 500)).toBeNull();
    expect(clearHeaderBytes({ kind: 'video', mimeType: 'video/AV1' }, 500)).toBeNull();
  });

  it('seals with the header readable (ion-sfu sees the VP8 P bit) and opens to the same bytes', async () => {
    const key = await aesKey(1);
    const plain = frameBytes(1200);
    plain[0] = 0x10; // P bit 0: a keyframe, as ion-sfu's VP8.Unmarshal reads it
    const sealed = new Uint8Array(await sealFrame(key, 7, plain, 10));
    expect(sealed.length).toBe(plain.length + TAG_BYTES + TRAILER_BYTES);
    expect([...sealed.subarray(0, 10)]).toEqual([...plain.subarray(0, 10)]);
    expect(sealed[0] & 0x01).toBe(0);
    expect([...sealed.subarray(10, 40)]).not.toEqual([...plain.subarray(10, 40)]);
    expect(sealed[sealed.length - 1]).toBe(E2EE_MAGIC);
    expect(frameKeyId(sealed)).toBe(7);
    const opened = await openFrame(sealed, (id) => (id === 7 ? key : undefined));
    expect(opened.ok).toBeTrue();
    expect(opened.ok && [...new Uint8Array(opened.data)]).toEqual([...plain]);
  });

  it('tells a missing key, a wrong key, a tampered header and an unencrypted frame apart', async () => {
    const key = await aesKey(1);
    const other = await aesKey(2);
    const sealed = new Uint8Array(await sealFrame(key, 3, frameBytes(300), 3));
    expect(await openFrame(sealed, () => undefined)).toEqual({ ok: false, reason: 'missing-key', keyId: 3 });
    expect(await openFrame(sealed, () => other)).toEqual({ ok: false, reason: 'decrypt-failed', keyId: 3 });
    const tampered = sealed.slice();
    tampered[1] ^= 0x40;
    expect(await openFrame(tampered, () => key)).toEqual({ ok: false, reason: 'decrypt-failed', keyId: 3 });
    expect(await openFrame(frameBytes(300), () => key)).toEqual({ ok: false, reason: 'unencrypted' });
  });

  it('uses a fresh IV for every frame', async () => {
    const key = await aesKey(1);
    const plain = frameBytes(100);
    const a = new Uint8Array(await sealFrame(key, 0, plain, 1));
    const b = new Uint8Array(await sealFrame(key, 0, plain, 1));
    expect([...a]).not.toEqual([...b]);
  });
});

describe('E2eeKeyProvider and deriveE2eeKey', () => {
  it('refuses bad keys and key ids with INVALID_PARAMETER', async () => {
    const provider = new E2eeKeyProvider();
    const codeOf = (p: Promise<unknown>) => p.then(() => 0, (e: RtcError) => e.code);
    expect(await codeOf(provider.setKey(new Uint8Array(10)))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(await codeOf(provider.setKey('secret' as unknown as ArrayBuffer))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(await codeOf(provider.setKey(new Uint8Array(16), { keyId: 256 }))).toBe(ErrorCode.INVALID_PARAMETER);
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    expect(await codeOf(provider.setKey(hmac))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(provider.hasKeys).toBeFalse();
    expect(await codeOf(deriveE2eeKey('', 'room'))).toBe(ErrorCode.INVALID_PARAMETER);
  });

  it('a shared key becomes the send key; a per-sender key waits for setSendKeyId', async () => {
    const provider = new E2eeKeyProvider();
    const changes: string[] = [];
    provider.subscribe((c) => changes.push(`${c.type}:${c.keyId}:${'userId' in c ? c.userId : ''}`), false);
    await provider.setKey(new Uint8Array(16), { keyId: 4 });
    expect(provider.sendKeyId).toBe(4);
    await provider.setKey(new Uint8Array(32), { keyId: 9, userId: 'alice' });
    expect(provider.sendKeyId).toBe(4);
    provider.setSendKeyId(9);
    expect(changes).toEqual(['key:4:null', 'send-key:4:', 'key:9:alice', 'send-key:9:']);
  });

  it('derives the same key from the same passphrase and room, another for another room', async () => {
    const [a, b, c] = await Promise.all([
      deriveE2eeKey('correct horse', '8888', { iterations: 2000 }),
      deriveE2eeKey('correct horse', '8888', { iterations: 2000 }),
      deriveE2eeKey('correct horse', '9999', { iterations: 2000 }),
    ]);
    const sealed = new Uint8Array(await sealFrame(a, 0, frameBytes(64), 1));
    expect((await openFrame(sealed, () => b)).ok).toBeTrue();
    expect(await openFrame(sealed, () => c)).toEqual({ ok: false, reason: 'decrypt-failed', keyId: 0 });
  });
});

/**
 * Two RTCPeerConnections in the page, each side with its own MediaEncryption
 * and worker, a canvas as the camera: the receiver decodes the picture only
 * with the sender's key.
 */
describe('MediaEncryption over an RTCPeerConnection pair', () => {
  const implementations = e2eeImplementations();

  function canvasTrack(): { track: MediaStreamTrack; stop(): void } {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const ctx = canvas.getContext('2d')!;
    let n = 0;
    const timer = setInterval(() => {
      ctx.fillStyle = `rgb(${(n += 8) % 255}, 200, 40)`;
      ctx.fillRect(0, 0, 160, 120);
    }, 33);
    const track = canvas.captureStream(30).getVideoTracks()[0];
    return { track, stop: () => (clearInterval(timer), track.stop()) };
  }

  async function call(implementation: E2eeImplementation, senderKey: CryptoKey | null, receiverKey: CryptoKey | null) {
    const sendProvider = new E2eeKeyProvider();
    const receiveProvider = new E2eeKeyProvider();
    if (senderKey) await sendProvider.setKey(senderKey);
    if (receiverKey) await receiveProvider.setKey(receiverKey);
    const sender = new MediaEncryption({ keyProvider: sendProvider, implementation }, 'alice');
    const receiver = new MediaEncryption({ keyProvider: receiveProvider, implementation }, 'bob');
    const states: E2eeStateEvent[] = [];
    sender.onState((s) => states.push(s));
    receiver.onState((s) => states.push(s));
    const a = new RTCPeerConnection(sender.peerConnectionConfig());
    const b = new RTCPeerConnection(receiver.peerConnectionConfig());
    a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
    b.ontrack = (e) => receiver.attachReceiver(e.receiver, e.track.kind as 'video', e.streams[0]?.id ?? 'x');
    const camera = canvasTrack();
    const msid = new MediaStream([camera.track]);
    const t = a.addTransceiver(camera.track, { direction: 'sendonly', streams: [msid] });
    sender.attachSender(t, 'video', msid.id);
    receiver.bindStream(msid.id, 'alice');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    const decoded = async () => {
      let frames = 0;
      (await b.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0;
      });
      return frames;
    };
    const received = async () => {
      let packets = 0;
      (await b.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') packets = s.packetsReceived ?? 0;
      });
      return packets;
    };
    const close = () => {
      camera.stop();
      a.close();
      b.close();
      sender.dispose();
      receiver.dispose();
    };
    return { sender, receiver, sendProvider, receiveProvider, states, decoded, received, close };
  }

  async function until(check: () => Promise<boolean> | boolean, ms = 8000): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  const last = (states: E2eeStateEvent[], direction: 'send' | 'receive'): E2eeFrameState | undefined =>
    states.filter((s) => s.direction === direction).at(-1)?.state;

  it('Chromium has an encoded-transform mechanism', () => {
    expect(implementations.length).toBeGreaterThan(0);
  });

  for (const implementation of ['script-transform', 'insertable-streams'] as const) {
    describe(implementation, () => {
      beforeEach(function () {
        if (!implementations.includes(implementation)) pending(`${implementation} is not in this browser`);
      });

      it('decodes with the key; states say ok with the key id', async () => {
        const key = await aesKey(5);
        const c = await call(implementation, key, key);
        try {
          expect(await until(async () => (await c.decoded()) > 10)).toBeTrue();
          expect(last(c.states, 'send')).toBe('ok');
          const ok = c.states.find((s) => s.direction === 'receive');
          expect(ok).toEqual(jasmine.objectContaining({ state: 'ok', keyId: 0, userId: 'alice', kind: 'video' }));
        } finally {
          c.close();
        }
      });

      it('without the key nothing decodes (frames dropped) and the state says decrypt-failed, then recovers with it', async () => {
        const c = await call(implementation, await aesKey(5), await aesKey(6));
        try {
          expect(await until(() => last(c.states, 'receive') === 'decrypt-failed')).toBeTrue();
          expect(await until(async () => (await c.received()) > 50)).toBeTrue();
          expect(await c.decoded()).toBe(0);
          const failed = c.states.find((s) => s.direction === 'receive')!;
          expect(failed.message).toContain('does not decrypt');
          // The right key arrives: the picture comes back (a keyframe is requested), nothing renegotiated.
          await c.receiveProvider.setKey(await aesKey(5));
          expect(await until(async () => (await c.decoded()) > 5, 12000)).toBeTrue();
          expect(last(c.states, 'receive')).toBe('ok');
        } finally {
          c.close();
        }
      });

      it('a receiver without any key reports missing-key; a sender without one sends nothing', async () => {
        const c = await call(implementation, null, await aesKey(5));
        try {
          expect(await until(() => last(c.states, 'send') === 'missing-key')).toBeTrue();
          expect(await c.decoded()).toBe(0);
          await c.sendProvider.setKey(await aesKey(5));
          expect(await until(async () => (await c.decoded()) > 5, 12000)).toBeTrue();
        } finally {
          c.close();
        }
        const d = await call(implementation, await aesKey(5), null);
        try {
          expect(await until(() => last(d.states, 'receive') === 'missing-key')).toBeTrue();
          expect(await d.decoded()).toBe(0);
        } finally {
          d.close();
        }
      });

      it('rotates keys without renegotiating: frames go out with the new id and keep decoding', async () => {
        const key0 = await aesKey(5);
        const key1 = await aesKey(7);
        const c = await call(implementation, key0, key0);
        try {
          expect(await until(async () => (await c.decoded()) > 5)).toBeTrue();
          await c.receiveProvider.setKey(key1, { keyId: 1, use: false });
          await c.sendProvider.setKey(key1, { keyId: 1 });
          expect(await until(() => c.states.some((s) => s.direction === 'receive' && s.state === 'ok' && s.keyId === 1))).toBeTrue();
          const before = await c.decoded();
          expect(await until(async () => (await c.decoded()) > before + 10)).toBeTrue();
          expect(c.states.filter((s) => s.direction === 'receive' && s.state !== 'ok')).toEqual([]);
        } finally {
          c.close();
        }
      });
    });
  }

  it('refuses e2ee options without a key, with both, or with an unknown implementation', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
        return 0;
      } catch (e) {
        return (e as RtcError).code;
      }
    };
    expect(codeOf(() => new MediaEncryption({}, 'a'))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(codeOf(() => new MediaEncryption({ key: new Uint8Array(16), keyProvider: new E2eeKeyProvider() }, 'a'))).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(codeOf(() => new MediaEncryption({ key: new Uint8Array(16), implementation: 'magic' as never }, 'a'))).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
  });
});
