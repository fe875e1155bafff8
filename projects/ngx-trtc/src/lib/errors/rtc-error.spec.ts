import { ErrorCode, RtcError, isRtcError } from './rtc-error';

describe('RtcError', () => {
  it('formats its message like trtc-js-sdk: "<NAME 0xCODE>: detail"', () => {
    const error = new RtcError(ErrorCode.JOIN_ROOM_FAILED, 'UserSig expired');
    expect(error.message).toBe('<JOIN_ROOM_FAILED 0x4004>: UserSig expired');
    expect(error.getCode()).toBe(0x4004);
    expect(error.getExtraCode()).toBe(0);
  });

  it('keeps the cause and the extra code of a lower layer', () => {
    const cause = new Error('socket closed');
    const error = new RtcError(ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED, 'no link', {
      cause,
      extraCode: 4012,
    });
    expect(error.cause).toBe(cause);
    expect(error.getExtraCode()).toBe(4012);
    expect(error instanceof Error).toBeTrue();
  });

  it('is recognised by isRtcError with and without a code', () => {
    const error = new RtcError(ErrorCode.API_CALL_TIMEOUT, 'room.join timed out');
    expect(isRtcError(error)).toBeTrue();
    expect(isRtcError(error, ErrorCode.API_CALL_TIMEOUT)).toBeTrue();
    expect(isRtcError(error, ErrorCode.UNKNOWN)).toBeFalse();
    expect(isRtcError(new Error('x'))).toBeFalse();
  });
});
