/**
 * JSON-RPC 2.0 framing: classifies an incoming text frame, builds outgoing
 * frames. Batches are not supported (answered with INVALID_REQUEST).
 */
import { RpcError } from './errors.js';

/** A request id: an integer or a short string. */
export type RpcId = number | string;

/** A classified incoming frame. */
export type IncomingFrame =
  | { readonly kind: 'request'; readonly id: RpcId; readonly method: string; readonly params: unknown }
  | { readonly kind: 'notification'; readonly method: string; readonly params: unknown }
  | { readonly kind: 'invalid'; readonly id: RpcId | null; readonly error: RpcError };

const MAX_ID_LENGTH = 64;
const MAX_METHOD_LENGTH = 64;

function isValidId(id: unknown): id is RpcId {
  return (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.length <= MAX_ID_LENGTH);
}

/** Parses and classifies one text frame. Never throws. */
export function parseFrame(text: string): IncomingFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', id: null, error: new RpcError('PARSE_ERROR') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', id: null, error: new RpcError('INVALID_REQUEST', 'expected a JSON-RPC 2.0 object (batches are not supported)') };
  }
  const msg = value as Record<string, unknown>;
  const hasId = Object.prototype.hasOwnProperty.call(msg, 'id');
  const id = hasId && isValidId(msg['id']) ? msg['id'] : null;
  const invalid = (detail: string): IncomingFrame => ({ kind: 'invalid', id, error: new RpcError('INVALID_REQUEST', detail) });
  if (msg['jsonrpc'] !== '2.0') return invalid('jsonrpc must be "2.0"');
  if (hasId && id === null) return invalid(`id must be an integer or a string of at most ${MAX_ID_LENGTH} chars`);
  const method = msg['method'];
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH) {
    return invalid('method must be a non-empty string');
  }
  for (const key of Object.keys(msg)) {
    if (key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params') return invalid(`unexpected member "${key}"`);
  }
  // Absent params mean "no params": the schemas then see an empty object.
  const params = Object.prototype.hasOwnProperty.call(msg, 'params') ? msg['params'] : {};
  return id === null ? { kind: 'notification', method, params } : { kind: 'request', id, method, params };
}

/** A success response. */
export function resultFrame(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

/** An error response; `id` is null when the request's id could not be read. */
export function errorFrame(id: RpcId | null, error: RpcError): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: error.toJSON() });
}

/** A server → client notification. */
export function notificationFrame(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}
