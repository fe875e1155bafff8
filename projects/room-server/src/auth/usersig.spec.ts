import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { decodeTlsSig, generateUserSig, UserSigError, verifyUserSig, type UserSigFailure } from './usersig.js';

interface VectorCase {
  kind: 'userSig' | 'privateMapKey';
  userId: string;
  expire: number;
  userSig?: string;
  privateMapKey?: string;
  roomId?: number;
  strRoomId?: string;
  privilegeMap?: number;
  decoded: Record<string, string | number>;
}
interface VectorFile {
  sdkAppId: number;
  secretKey: string;
  now: number;
  cases: VectorCase[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../test/fixtures/usersig-vector.json', import.meta.url), 'utf8'),
) as VectorFile;
const { sdkAppId, secretKey, now } = vectors;
const secretKeyOf = (id: number): string | undefined => (id === sdkAppId ? secretKey : undefined);
const at = (t: number) => () => t;

function toToken(doc: object): string {
  return deflateSync(Buffer.from(JSON.stringify(doc)))
    .toString('base64')
    .replace(/\+/g, '*')
    .replace(/\//g, '-')
    .replace(/=/g, '_');
}

function failureOf(fn: () => unknown): UserSigFailure | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (err) {
    return err instanceof UserSigError ? err.reason : 'other';
  }
}

describe('UserSig (TLSSigAPIv2)', () => {
  describe('against the reference vectors', () => {
    for (const c of vectors.cases) {
      const token = (c.userSig ?? c.privateMapKey)!;

      it(`decodes the ${c.kind} vector for ${c.userId} to the reference fields`, () => {
        const doc = decodeTlsSig(token);
        expect(doc.ver).toBe(c.decoded['TLS.ver'] as string);
        expect(doc.identifier).toBe(c.decoded['TLS.identifier'] as string);
        expect(doc.sdkAppId).toBe(c.decoded['TLS.sdkappid'] as number);
        expect(doc.time).toBe(c.decoded['TLS.time'] as number);
        expect(doc.expire).toBe(c.decoded['TLS.expire'] as number);
        expect(doc.sig).toBe(c.decoded['TLS.sig'] as string);
        expect(doc.userBufBase64).toBe(c.decoded['TLS.userbuf'] as string | undefined);
      });

      it(`verifies the ${c.kind} vector at its issue time and just before expiry`, () => {
        expect(() => verifyUserSig(token, { sdkAppId, userId: c.userId, secretKeyOf, clock: at(now) })).not.toThrow();
        expect(() =>
          verifyUserSig(token, { sdkAppId, userId: c.userId, secretKeyOf, clock: at(now + c.expire) }),
        ).not.toThrow();
      });

      it(`refuses the ${c.kind} vector one second after expiry`, () => {
        expect(
          failureOf(() => verifyUserSig(token, { sdkAppId, userId: c.userId, secretKeyOf, clock: at(now + c.expire + 1) })),
        ).toBe('USERSIG_EXPIRED');
      });

      it(`regenerates the ${c.kind} vector's signature`, () => {
        const userBuf = c.decoded['TLS.userbuf'] === undefined ? undefined : Buffer.from(c.decoded['TLS.userbuf'] as string, 'base64');
        const regenerated = decodeTlsSig(
          generateUserSig({ sdkAppId, secretKey, userId: c.userId, expireSeconds: c.expire, now, ...(userBuf ? { userBuf } : {}) }),
        );
        expect(regenerated.sig).toBe(c.decoded['TLS.sig'] as string);
        expect(regenerated.userBufBase64).toBe(c.decoded['TLS.userbuf'] as string | undefined);
      });
    }
  });

  describe('generate → verify', () => {
    it('round-trips at every zlib level', () => {
      for (let level = 0; level <= 9; level++) {
        const token = generateUserSig({ sdkAppId, secretKey, userId: 'alice', expireSeconds: 60, now, compressionLevel: level });
        expect(verifyUserSig(token, { sdkAppId, userId: 'alice', secretKeyOf, clock: at(now + 30) }).identifier).toBe('alice');
      }
    });

    it('round-trips user ids with non-ASCII characters', () => {
      const token = generateUserSig({ sdkAppId, secretKey, userId: '小军-ü', expireSeconds: 60, now });
      expect(() => verifyUserSig(token, { sdkAppId, userId: '小军-ü', secretKeyOf, clock: at(now) })).not.toThrow();
    });
  });

  describe('distinct failures', () => {
    const good = generateUserSig({ sdkAppId, secretKey, userId: 'alice', expireSeconds: 600, now });
    const verify = (token: string, opts: Partial<{ sdkAppId: number; userId: string; t: number }> = {}) =>
      failureOf(() =>
        verifyUserSig(token, {
          sdkAppId: opts.sdkAppId ?? sdkAppId,
          userId: opts.userId ?? 'alice',
          secretKeyOf,
          clock: at(opts.t ?? now),
        }),
      );

    it('accepts the good token', () => expect(verify(good)).toBe('none'));

    it('reports a token signed with another key as USERSIG_BAD_SIGNATURE', () => {
      const forged = generateUserSig({ sdkAppId, secretKey: 'not-the-key', userId: 'alice', expireSeconds: 600, now });
      expect(verify(forged)).toBe('USERSIG_BAD_SIGNATURE');
    });

    it('reports an edited expiry (signature kept) as USERSIG_BAD_SIGNATURE', () => {
      const doc = decodeTlsSig(good);
      const edited = toToken({
        'TLS.ver': '2.0',
        'TLS.identifier': 'alice',
        'TLS.sdkappid': sdkAppId,
        'TLS.time': doc.time,
        'TLS.expire': 999999,
        'TLS.sig': doc.sig,
      });
      expect(verify(edited)).toBe('USERSIG_BAD_SIGNATURE');
    });

    it('reports a signature of the wrong length as USERSIG_BAD_SIGNATURE', () => {
      const edited = toToken({ 'TLS.ver': '2.0', 'TLS.identifier': 'alice', 'TLS.sdkappid': sdkAppId, 'TLS.time': now, 'TLS.expire': 60, 'TLS.sig': 'AAAA' });
      expect(verify(edited)).toBe('USERSIG_BAD_SIGNATURE');
    });

    it('reports an expired token as USERSIG_EXPIRED (injected clock)', () => {
      expect(verify(good, { t: now + 600 })).toBe('none');
      expect(verify(good, { t: now + 601 })).toBe('USERSIG_EXPIRED');
    });

    it('reports an unknown app as USERSIG_WRONG_APP', () => {
      expect(verify(good, { sdkAppId: 1400000001 })).toBe('USERSIG_WRONG_APP');
    });

    it('reports a token of another known app as USERSIG_WRONG_APP', () => {
      const twoApps = (id: number) => (id === sdkAppId || id === 1400000002 ? secretKey : undefined);
      expect(
        failureOf(() => verifyUserSig(good, { sdkAppId: 1400000002, userId: 'alice', secretKeyOf: twoApps, clock: at(now) })),
      ).toBe('USERSIG_WRONG_APP');
    });

    it('reports another user as USERSIG_WRONG_USER', () => {
      expect(verify(good, { userId: 'bob' })).toBe('USERSIG_WRONG_USER');
    });

    it('reports garbage as USERSIG_MALFORMED', () => {
      const cases = [
        '',
        'not a token',
        'eJw_',
        'A'.repeat(5000),
        toToken({ hello: 'world' }),
        toToken([1, 2, 3]),
        toToken({ 'TLS.ver': '1.0', 'TLS.identifier': 'alice', 'TLS.sdkappid': sdkAppId, 'TLS.time': now, 'TLS.expire': 1, 'TLS.sig': 'x' }),
        toToken({ 'TLS.ver': '2.0', 'TLS.identifier': 'alice', 'TLS.sdkappid': -1, 'TLS.time': now, 'TLS.expire': 1, 'TLS.sig': 'x' }),
        deflateSync(Buffer.from('{not json')).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_'),
        // a deflate bomb: inflates far beyond any real token
        deflateSync(Buffer.alloc(1 << 20, 0x20)).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_'),
      ];
      for (const token of cases) expect(verify(token)).withContext(token.slice(0, 40)).toBe('USERSIG_MALFORMED');
    });

    it('accepts numeric fields written as strings by other TLSSigAPIv2 ports', () => {
      const doc = decodeTlsSig(good);
      const stringly = toToken({
        'TLS.ver': '2.0',
        'TLS.identifier': 'alice',
        'TLS.sdkappid': String(sdkAppId),
        'TLS.time': String(doc.time),
        'TLS.expire': String(doc.expire),
        'TLS.sig': doc.sig,
      });
      expect(verify(stringly)).toBe('none');
    });
  });
});
