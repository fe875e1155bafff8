import { ErrorCode, ErrorCodeValue, RtcError, isRtcError } from '../errors/rtc-error';
import { BanReason, BannedErrorData, RoomErrorCode } from '../signal/protocol';
import { SignalRequestError } from '../signal/room-signal';

/** room-server refusals a retry cannot fix: credentials, privileges, limits, a ban. */
const FATAL_JOIN_CODES = new Set<number>([
  RoomErrorCode.USERSIG_MALFORMED,
  RoomErrorCode.USERSIG_BAD_SIGNATURE,
  RoomErrorCode.USERSIG_EXPIRED,
  RoomErrorCode.USERSIG_WRONG_APP,
  RoomErrorCode.USERSIG_WRONG_USER,
  RoomErrorCode.PRIVATE_MAP_KEY_INVALID,
  RoomErrorCode.PRIVILEGE_DENIED,
  RoomErrorCode.ROOM_FULL,
  RoomErrorCode.SERVER_FULL,
  RoomErrorCode.INVALID_PARAMS,
  RoomErrorCode.BANNED,
]);

/** Whether a failed (re-)join is one a retry cannot fix: credentials, privileges, limits, a ban. */
export function isFatalJoinError(error: unknown): boolean {
  if (error instanceof SignalRequestError) return FATAL_JOIN_CODES.has(error.code);
  return isRtcError(error) && FATAL_JOIN_CODES.has(error.extraCode);
}

/** Whether room-server refused a `room.join` because the user is banned from the room. */
export function isBannedError(error: unknown): error is SignalRequestError {
  return error instanceof SignalRequestError && error.code === RoomErrorCode.BANNED;
}

/** What room-server said about a ban ("banned from this room until …: reason"). */
export function bannedMessage(error: SignalRequestError): string {
  const data = (error.data ?? {}) as BannedErrorData;
  if (typeof data.detail === 'string' && data.detail) return data.detail;
  if (typeof data.expiresAt === 'number' && Number.isFinite(data.expiresAt)) {
    return `banned from this room until ${new Date(data.expiresAt * 1000).toISOString().replace('.000Z', 'Z')}`;
  }
  return 'banned from this room';
}

/** Whether a 4000 close reason names a ban (`kick`, `banned`, `room-disband`). */
export function isBanReason(reason: string): reason is BanReason {
  return reason === 'kick' || reason === 'banned' || reason === 'room-disband';
}

/**
 * join(): a ban → CLIENT_BANNED; other room-server refusals → JOIN_ROOM_FAILED;
 * both keep the JSON-RPC code as extraCode. RtcErrors as they are.
 */
export function toJoinError(error: unknown): RtcError {
  if (isBannedError(error)) {
    return new RtcError(ErrorCode.CLIENT_BANNED, `join: ${bannedMessage(error)}`, { cause: error, extraCode: error.code });
  }
  if (error instanceof SignalRequestError) {
    return new RtcError(ErrorCode.JOIN_ROOM_FAILED, `join: room-server refused ${error.method} (${error.message})`, {
      cause: error,
      extraCode: error.code,
    });
  }
  if (isRtcError(error)) return error;
  return new RtcError(ErrorCode.JOIN_ROOM_FAILED, `join failed: ${errorMessage(error)}`, { cause: error });
}

/** Other operations: room-server refusals keep their JSON-RPC code as extraCode. */
export function toOperationError(method: string, error: unknown): RtcError {
  if (isRtcError(error)) return error;
  if (error instanceof SignalRequestError) {
    const code: ErrorCodeValue =
      error.code === RoomErrorCode.ROLE_FORBIDDEN || error.code === RoomErrorCode.PRIVILEGE_DENIED
        ? ErrorCode.INVALID_OPERATION
        : ErrorCode.UNKNOWN;
    return new RtcError(code, `${method}: room-server refused ${error.method} (${error.message})`, {
      cause: error,
      extraCode: error.code,
    });
  }
  return new RtcError(ErrorCode.UNKNOWN, `${method} failed: ${errorMessage(error)}`, { cause: error });
}

/** switchRole(): any failure → SWITCH_ROLE_FAILED, keeping room-server's code as extraCode. */
export function toSwitchRoleError(role: string, error: unknown): RtcError {
  return new RtcError(ErrorCode.SWITCH_ROLE_FAILED, `switchRole('${role}') failed: ${errorMessage(error)}`, {
    cause: error,
    extraCode: error instanceof SignalRequestError ? error.code : 0,
  });
}

/** The retries gave up: SIGNAL_CHANNEL_RECONNECTION_FAILED, with the last attempt's code as extraCode. */
export function toReconnectionFailedError(lastError: unknown): RtcError {
  return new RtcError(ErrorCode.SIGNAL_CHANNEL_RECONNECTION_FAILED, `could not reconnect to the room: ${errorMessage(lastError)}`, {
    cause: lastError,
    extraCode: lastError instanceof SignalRequestError ? lastError.code : isRtcError(lastError) ? lastError.extraCode : 0,
  });
}

/** An error's message, or the thing itself as a string. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
