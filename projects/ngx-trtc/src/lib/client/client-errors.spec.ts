import { ErrorCode, RtcError } from '../errors/rtc-error';
import { RoomErrorCode } from '../signal/protocol';
import { SignalRequestError } from '../signal/room-signal';
import { isFatalJoinError, toJoinError, toOperationError, toReconnectionFailedError } from './client-errors';

describe('client errors', () => {
  const refusal = (code: number, data?: unknown) => new SignalRequestError('room.join', { code, message: 'no', data });

  it('a ban → CLIENT_BANNED saying until when; other refusals → JOIN_ROOM_FAILED; both keep the code', () => {
    const banned = toJoinError(refusal(RoomErrorCode.BANNED, { expiresAt: 1_893_456_000 }));
    expect(banned.code).toBe(ErrorCode.CLIENT_BANNED);
    expect(banned.extraCode).toBe(RoomErrorCode.BANNED);
    expect(banned.message).toContain('until 2030-01-01T00:00:00Z');
    const refused = toJoinError(refusal(RoomErrorCode.USERSIG_EXPIRED));
    expect([refused.code, refused.extraCode]).toEqual([ErrorCode.JOIN_ROOM_FAILED, RoomErrorCode.USERSIG_EXPIRED]);
    const timeout = new RtcError(ErrorCode.API_CALL_TIMEOUT, 'slow');
    expect(toJoinError(timeout)).toBe(timeout);
  });

  it('credentials, privileges, limits and bans are fatal for a re-join; a timeout or a lost SFU is not', () => {
    expect(isFatalJoinError(refusal(RoomErrorCode.USERSIG_BAD_SIGNATURE))).toBeTrue();
    expect(isFatalJoinError(refusal(RoomErrorCode.ROOM_FULL))).toBeTrue();
    expect(isFatalJoinError(new RtcError(ErrorCode.JOIN_ROOM_FAILED, 'x', { extraCode: RoomErrorCode.BANNED }))).toBeTrue();
    expect(isFatalJoinError(refusal(RoomErrorCode.SFU_UNAVAILABLE))).toBeFalse();
    expect(isFatalJoinError(new RtcError(ErrorCode.API_CALL_TIMEOUT, 'slow'))).toBeFalse();
  });

  it('a role refusal of an operation → INVALID_OPERATION; reconnection giving up keeps the last code', () => {
    const forbidden = toOperationError('publish', new SignalRequestError('stream.publish', { code: RoomErrorCode.ROLE_FORBIDDEN, message: 'audience' }));
    expect([forbidden.code, forbidden.extraCode]).toEqual([ErrorCode.INVALID_OPERATION, RoomErrorCode.ROLE_FORBIDDEN]);
    expect(toOperationError('publish', new Error('boom')).code).toBe(ErrorCode.UNKNOWN);
    const gaveUp = toReconnectionFailedError(refusal(RoomErrorCode.SFU_UNAVAILABLE));
    expect([gaveUp.code, gaveUp.extraCode]).toEqual([ErrorCode.SIGNAL_CHANNEL_RECONNECTION_FAILED, RoomErrorCode.SFU_UNAVAILABLE]);
  });
});
