/**
 * The protocol's error codes (docs/protocol.md, "Errors"). Codes and
 * messages are stable: clients switch on them.
 */
export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  NOT_JOINED: 4001,
  ALREADY_JOINED: 4002,
  INVALID_OPERATION: 4003,
  USERSIG_MALFORMED: 4010,
  USERSIG_BAD_SIGNATURE: 4011,
  USERSIG_EXPIRED: 4012,
  USERSIG_WRONG_APP: 4013,
  USERSIG_WRONG_USER: 4014,
  PRIVATE_MAP_KEY_INVALID: 4015,
  PRIVILEGE_DENIED: 4016,
  ROLE_FORBIDDEN: 4020,
  STREAM_NOT_ANNOUNCED: 4021,
  STREAM_NOT_FOUND: 4022,
  STREAM_CONFLICT: 4023,
  ROOM_FULL: 4030,
  SERVER_FULL: 4031,
  BANNED: 4032,
  RATE_LIMITED: 4040,
  MESSAGE_TOO_LARGE: 4041,
  ORIGIN_FORBIDDEN: 4042,
  SFU_UNAVAILABLE: 5000,
  SFU_TIMEOUT: 5001,
  INTERNAL: 5002,
  SFU_REJECTED: 5003,
  EGRESS_FAILED: 5004,
} as const;

/** A protocol error name; it is also the JSON-RPC error `message`. */
export type RpcErrorName = keyof typeof RpcErrorCode;

/** Machine-readable facts an error carries besides its hint (`data` on the wire). */
export interface RpcErrorFacts {
  /** BANNED: when the ban ends, Unix seconds. */
  readonly expiresAt?: number;
}

/** The JSON-RPC error object sent on the wire. */
export interface RpcErrorObject {
  readonly code: number;
  readonly message: RpcErrorName;
  readonly data?: { readonly detail?: string } & RpcErrorFacts;
}

/** An error the server answers a request with; never crashes the connection. */
export class RpcError extends Error {
  /** Numeric JSON-RPC code. */
  readonly code: number;
  /** Sent in `data` beside the hint. */
  readonly facts: RpcErrorFacts | undefined;

  constructor(
    readonly reason: RpcErrorName,
    detail?: string,
    options?: { cause?: unknown; facts?: RpcErrorFacts },
  ) {
    super(detail ?? reason, options);
    this.name = 'RpcError';
    this.code = RpcErrorCode[reason];
    this.facts = options?.facts;
  }

  /** The wire form; `data.detail` is a human-readable hint, never a secret. */
  toJSON(): RpcErrorObject {
    const detail = this.message === this.reason ? {} : { detail: this.message };
    const data = { ...detail, ...this.facts };
    return Object.keys(data).length === 0 ? { code: this.code, message: this.reason } : { code: this.code, message: this.reason, data };
  }
}
