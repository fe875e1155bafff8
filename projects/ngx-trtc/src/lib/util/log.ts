/** Log levels of trtc-js-sdk's `TRTC.Logger.LogLevel`. */
export const LogLevel = {
  TRACE: 0,
  DEBUG: 1,
  INFO: 2,
  WARN: 3,
  ERROR: 4,
  NONE: 5,
} as const;

/** One of the values of {@link LogLevel}. */
export type LogLevelValue = (typeof LogLevel)[keyof typeof LogLevel];

let currentLevel: LogLevelValue = LogLevel.WARN;

/** Sets the library-wide log level (`TRTC.Logger.setLogLevel`). */
export function setLogLevel(level: LogLevelValue): void {
  currentLevel = level;
}

/** The library-wide log level. */
export function getLogLevel(): LogLevelValue {
  return currentLevel;
}

/** A named logger writing to the console above the library-wide level. */
export interface Log {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Creates a logger whose lines start with `[ngx-trtc:<scope>]`. */
export function createLog(scope: string): Log {
  const prefix = `[ngx-trtc:${scope}]`;
  return {
    debug: (...args) => currentLevel <= LogLevel.DEBUG && console.debug(prefix, ...args),
    info: (...args) => currentLevel <= LogLevel.INFO && console.info(prefix, ...args),
    warn: (...args) => currentLevel <= LogLevel.WARN && console.warn(prefix, ...args),
    error: (...args) => currentLevel <= LogLevel.ERROR && console.error(prefix, ...args),
  };
}
