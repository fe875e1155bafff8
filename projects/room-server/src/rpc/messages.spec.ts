import { isMethodName, paramsSchemas } from './messages.js';
import { SchemaError } from './schema.js';

describe('message schemas', () => {
  const join = paramsSchemas['room.join'];
  const base = { sdkAppId: 1400000000, userId: 'alice', userSig: 'sig', roomId: 1234, mode: 'rtc' };

  it('accepts numeric and string room ids, and the videoCall alias', () => {
    expect(join.parse(base).roomId).toBe(1234);
    expect(join.parse({ ...base, roomId: 'demo-room' }).roomId).toBe('demo-room');
    expect(join.parse({ ...base, mode: 'videoCall' }).mode).toBe('videoCall');
  });

  it('refuses bad room ids and user ids', () => {
    for (const roomId of [0, -1, 4294967295, 1.5, '', 'x'.repeat(65), 'a/b', null, {}]) {
      expect(() => join.parse({ ...base, roomId })).withContext(String(roomId)).toThrowError(SchemaError);
    }
    for (const userId of ['', 'x'.repeat(33), 'a b', 'a\nb', 'ü', 42]) {
      expect(() => join.parse({ ...base, userId })).withContext(String(userId)).toThrowError(SchemaError);
    }
  });

  it('refuses a client naming ion-sfu sid or uid', () => {
    const offer = { type: 'offer', sdp: 'v=0' };
    expect(() => paramsSchemas.join.parse({ offer, sid: '1:n:1' })).toThrowError(SchemaError, /sid/);
    expect(() => paramsSchemas.join.parse({ offer, uid: 'bob' })).toThrowError(SchemaError, /uid/);
    expect(paramsSchemas.join.parse({ offer, config: { NoSubscribe: true } })).toEqual({ offer: { type: 'offer', sdp: 'v=0' }, config: { NoSubscribe: true } });
  });

  it('requires the right description types', () => {
    expect(() => paramsSchemas.offer.parse({ desc: { type: 'answer', sdp: 'v=0' } })).toThrowError(SchemaError);
    expect(() => paramsSchemas.answer.parse({ desc: { type: 'offer', sdp: 'v=0' } })).toThrowError(SchemaError);
    expect(() => paramsSchemas.offer.parse({ desc: { type: 'offer', sdp: 'x'.repeat(70 * 1024) } })).toThrowError(SchemaError);
  });

  it('validates trickle candidates as RTCIceCandidateInit', () => {
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null };
    expect(paramsSchemas.trickle.parse({ target: 1, candidate })).toEqual({ target: 1, candidate });
    expect(() => paramsSchemas.trickle.parse({ target: 2, candidate })).toThrowError(SchemaError);
    expect(() => paramsSchemas.trickle.parse({ target: 0, candidate: { ...candidate, extra: 1 } })).toThrowError(SchemaError);
  });

  it('knows its methods and nothing from Object.prototype', () => {
    expect(isMethodName('room.join')).toBeTrue();
    expect(isMethodName('__proto__')).toBeFalse();
    expect(isMethodName('toString')).toBeFalse();
    expect(isMethodName('constructor')).toBeFalse();
  });
});
