/** Error codes of trtc-js-sdk v4 (`TRTC.ERROR_CODE`), with the same numeric values. */
export const ErrorCode = {
  INVALID_PARAMETER: 0x1000,
  INVALID_OPERATION: 0x1001,
  NOT_SUPPORTED: 0x1002,
  DEVICE_NOT_FOUND: 0x1003,
  INITIALIZE_FAILED: 0x1004,
  SIGNAL_CHANNEL_SETUP_FAILED: 0x4001,
  JOIN_ROOM_FAILED: 0x4004,
  CREATE_OFFER_FAILED: 0x4005,
  SIGNAL_CHANNEL_RECONNECTION_FAILED: 0x4006,
  UPLINK_RECONNECTION_FAILED: 0x4007,
  DOWNLINK_RECONNECTION_FAILED: 0x4008,
  REMOTE_STREAM_NOT_EXIST: 0x4010,
  CLIENT_BANNED: 0x4040,
  SERVER_TIMEOUT: 0x4041,
  SUBSCRIPTION_TIMEOUT: 0x4042,
  PLAY_NOT_ALLOWED: 0x4043,
  DEVICE_AUTO_RECOVER_FAILED: 0x4044,
  NOT_SUPPORTED_H264: 0x4049,
  SWITCH_ROLE_FAILED: 0x404a,
  API_CALL_TIMEOUT: 0x404b,
  API_CALL_ABORTED: 0x404d,
  UNKNOWN: 0xffff,
} as const;

/** One of the numeric values of {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const codeNames = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/** The name of an error code, e.g. `JOIN_ROOM_FAILED` for 0x4004. */
export function errorCodeName(code: number): string {
  return codeNames.get(code) ?? 'UNKNOWN';
}

/** Options of an {@link RtcError}: the error behind it and a server-side code. */
export interface RtcErrorOptions {
  cause?: unknown;
  extraCode?: number;
}

/**
 * The error every ngx-trtc API rejects or emits with, as in trtc-js-sdk v4:
 * `getCode()`, `getExtraCode()` and a message `"<NAME 0xCODE>: detail"`.
 */
export class RtcError extends Error {
  /** The error code, one of {@link ErrorCode}. */
  readonly code: ErrorCodeValue;
  /** A code from a lower layer (room-server JSON-RPC code, DOMException name hash…), or 0. */
  readonly extraCode: number;

  constructor(code: ErrorCodeValue, detail: string, options: RtcErrorOptions = {}) {
    super(`<${errorCodeName(code)} 0x${code.toString(16).toUpperCase()}>: ${detail}`, {
      cause: options.cause,
    });
    this.name = 'RtcError';
    this.code = code;
    this.extraCode = options.extraCode ?? 0;
  }

  /** The error code, as trtc-js-sdk's `RtcError.getCode()`. */
  getCode(): ErrorCodeValue {
    return this.code;
  }

  /** The lower layer's code, as trtc-js-sdk's `RtcError.getExtraCode()`. */
  getExtraCode(): number {
    return this.extraCode;
  }
}

/** Whether a value is an {@link RtcError}, optionally with a given code. */
export function isRtcError(value: unknown, code?: ErrorCodeValue): value is RtcError {
  return value instanceof RtcError && (code === undefined || value.code === code);
}
