import { readFileSync } from 'node:fs';
import {
  decodePrivateMapUserBuf,
  encodePrivateMapUserBuf,
  generatePrivateMapKey,
  hasPrivilege,
  Privilege,
  PrivateMapKeyError,
  verifyPrivateMapKey,
} from './private-map-key.js';
import { decodeTlsSig, generateUserSig } from './usersig.js';

interface VectorFile {
  sdkAppId: number;
  secretKey: string;
  now: number;
  cases: Array<{
    kind: string;
    userId: string;
    expire: number;
    privateMapKey?: string;
    roomId?: number;
    strRoomId?: string;
    privilegeMap?: number;
    decoded: Record<string, string | number>;
  }>;
}

const vectors = JSON.parse(
  readFileSync(new URL('../../test/fixtures/usersig-vector.json', import.meta.url), 'utf8'),
) as VectorFile;
const { sdkAppId, secretKey, now } = vectors;
const secretKeyOf = (id: number): string | undefined => (id === sdkAppId ? secretKey : undefined);
const at = (t: number) => () => t;

function rejection(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (err) {
    return err instanceof PrivateMapKeyError ? err.message : `other: ${String(err)}`;
  }
}

describe('privateMapKey', () => {
  describe('against the reference vectors', () => {
    for (const c of vectors.cases.filter((v) => v.kind === 'privateMapKey')) {
      const roomId = c.strRoomId ?? c.roomId!;

      it(`decodes the userbuf of room ${JSON.stringify(roomId)}`, () => {
        const payload = decodePrivateMapUserBuf(Buffer.from(c.decoded['TLS.userbuf'] as string, 'base64'));
        expect(payload).toEqual({
          userId: c.userId,
          sdkAppId,
          roomId,
          expiresAt: now + c.expire,
          privileges: c.privilegeMap!,
        });
      });

      it(`re-encodes the userbuf of room ${JSON.stringify(roomId)} byte for byte`, () => {
        const encoded = encodePrivateMapUserBuf({ userId: c.userId, sdkAppId, roomId, expiresAt: now + c.expire, privileges: c.privilegeMap! });
        expect(encoded.toString('base64')).toBe(c.decoded['TLS.userbuf'] as string);
      });

      it(`verifies the key of room ${JSON.stringify(roomId)} and yields its privileges`, () => {
        const privileges = verifyPrivateMapKey(c.privateMapKey!, { sdkAppId, userId: c.userId, roomId, secretKeyOf, clock: at(now + 10) });
        expect(privileges).toBe(c.privilegeMap!);
      });

      it(`regenerates the key of room ${JSON.stringify(roomId)} with the same signature`, () => {
        const token = generatePrivateMapKey({ sdkAppId, secretKey, userId: c.userId, roomId, privileges: c.privilegeMap!, expireSeconds: c.expire, now });
        expect(decodeTlsSig(token).sig).toBe(c.decoded['TLS.sig'] as string);
      });
    }
  });

  describe('refusals', () => {
    const key = generatePrivateMapKey({ sdkAppId, secretKey, userId: 'alice', roomId: 42, privileges: 0b1111, expireSeconds: 100, now });
    const check = (token: string, over: Partial<{ userId: string; roomId: number | string; t: number; sdkAppId: number }> = {}) =>
      rejection(() =>
        verifyPrivateMapKey(token, {
          sdkAppId: over.sdkAppId ?? sdkAppId,
          userId: over.userId ?? 'alice',
          roomId: over.roomId ?? 42,
          secretKeyOf,
          clock: at(over.t ?? now),
        }),
      );

    it('accepts the right user, app and room', () => expect(check(key)).toBe('none'));
    it('refuses another room', () => expect(check(key, { roomId: 43 })).toContain('another room'));
    it('keeps numeric and string room ids apart', () => expect(check(key, { roomId: '42' })).toContain('another room'));
    it('refuses another user', () => expect(check(key, { userId: 'bob' })).toContain('USERSIG_WRONG_USER'));
    it('refuses another app', () => expect(check(key, { sdkAppId: 7 })).toContain('USERSIG_WRONG_APP'));
    it('refuses after expiry', () => expect(check(key, { t: now + 101 })).toMatch(/expired/i));
    it('refuses a forged key', () => {
      const forged = generatePrivateMapKey({ sdkAppId, secretKey: 'x', userId: 'alice', roomId: 42, privileges: 255, expireSeconds: 100, now });
      expect(check(forged)).toContain('USERSIG_BAD_SIGNATURE');
    });
    it('refuses a plain UserSig (no userbuf)', () => {
      expect(check(generateUserSig({ sdkAppId, secretKey, userId: 'alice', expireSeconds: 100, now }))).toContain('no userbuf');
    });
    it('refuses a truncated userbuf', () => {
      const token = generateUserSig({ sdkAppId, secretKey, userId: 'alice', expireSeconds: 100, now, userBuf: Buffer.from([0, 0, 5, 1]) });
      expect(check(token)).toContain('truncated');
    });
    it('refuses a userbuf whose absolute expiry passed although the token has not', () => {
      const userBuf = encodePrivateMapUserBuf({ userId: 'alice', sdkAppId, roomId: 42, expiresAt: now + 5, privileges: 255 });
      const token = generateUserSig({ sdkAppId, secretKey, userId: 'alice', expireSeconds: 100, now, userBuf });
      expect(check(token, { t: now + 6 })).toContain('expired');
    });
  });

  it('tests privilege bits', () => {
    const p = Privilege.ENTER_ROOM | Privilege.SEND_AUDIO;
    expect(hasPrivilege(p, Privilege.SEND_AUDIO)).toBeTrue();
    expect(hasPrivilege(p, Privilege.SEND_VIDEO)).toBeFalse();
    expect(hasPrivilege(p, Privilege.ENTER_ROOM | Privilege.SEND_AUDIO)).toBeTrue();
  });
});
