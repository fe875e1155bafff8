/** room-server's programmatic API (tests, the e2e harness, back ends that mint UserSigs). */
export { startRoomServer, RTC_PATH, type RoomServerDeps, type RunningRoomServer } from './server.js';
export { loadConfig, resolveConfig, DEFAULT_CONFIG, ConfigError, type RoomServerConfig, type RoomServerConfigInput } from './config.js';
export { generateUserSig, verifyUserSig, decodeTlsSig, UserSigError, type UserSigFailure } from './auth/usersig.js';
export { generatePrivateMapKey, verifyPrivateMapKey, Privilege, type RoomId } from './auth/private-map-key.js';
export { RpcErrorCode, type RpcErrorName } from './rpc/errors.js';
export { BAN_DURATION_LIMITS, DEFAULT_BAN_SECONDS, type BanList, type BanRequest, type BanOutcome } from './rooms/ban-list.js';
export type { BanRecord } from './rooms/types.js';
export { createLogger, silentLogger, type Logger, type LogLevel } from './log.js';
