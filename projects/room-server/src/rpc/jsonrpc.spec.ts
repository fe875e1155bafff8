import fc from 'fast-check';
import { RpcError } from './errors.js';
import { errorFrame, notificationFrame, parseFrame, resultFrame } from './jsonrpc.js';

describe('JSON-RPC framing', () => {
  it('classifies requests and notifications', () => {
    expect(parseFrame('{"jsonrpc":"2.0","id":1,"method":"rtc.ping","params":{}}')).toEqual({ kind: 'request', id: 1, method: 'rtc.ping', params: {} });
    expect(parseFrame('{"jsonrpc":"2.0","id":"a","method":"rtc.ping"}')).toEqual({ kind: 'request', id: 'a', method: 'rtc.ping', params: {} });
    expect(parseFrame('{"jsonrpc":"2.0","method":"trickle","params":{"x":1}}')).toEqual({ kind: 'notification', method: 'trickle', params: { x: 1 } });
  });

  const reasonOf = (text: string): string | undefined => {
    const frame = parseFrame(text);
    return frame.kind === 'invalid' ? frame.error.reason : undefined;
  };

  it('answers non-JSON with PARSE_ERROR', () => {
    expect(reasonOf('{')).toBe('PARSE_ERROR');
    expect(reasonOf('')).toBe('PARSE_ERROR');
  });

  it('answers malformed envelopes with INVALID_REQUEST, keeping a readable id', () => {
    expect(reasonOf('[]')).toBe('INVALID_REQUEST');
    expect(reasonOf('[{"jsonrpc":"2.0","id":1,"method":"x"}]')).toBe('INVALID_REQUEST');
    expect(reasonOf('"hi"')).toBe('INVALID_REQUEST');
    expect(reasonOf('{"id":1,"method":"x"}')).toBe('INVALID_REQUEST');
    expect(reasonOf('{"jsonrpc":"1.0","id":1,"method":"x"}')).toBe('INVALID_REQUEST');
    expect(reasonOf('{"jsonrpc":"2.0","id":1}')).toBe('INVALID_REQUEST');
    expect(reasonOf('{"jsonrpc":"2.0","id":1,"result":{}}')).toBe('INVALID_REQUEST');
    expect(reasonOf('{"jsonrpc":"2.0","id":{"a":1},"method":"x"}')).toBe('INVALID_REQUEST');
    expect(reasonOf('{"jsonrpc":"2.0","id":1.5,"method":"x"}')).toBe('INVALID_REQUEST');
    expect(reasonOf(`{"jsonrpc":"2.0","id":"${'x'.repeat(65)}","method":"x"}`)).toBe('INVALID_REQUEST');
    expect(reasonOf('{"jsonrpc":"2.0","id":1,"method":"x","extra":1}')).toBe('INVALID_REQUEST');
    const frame = parseFrame('{"jsonrpc":"2.0","id":7,"method":""}');
    expect(frame.kind === 'invalid' && frame.id).toBe(7);
  });

  it('builds response, error and notification frames', () => {
    expect(JSON.parse(resultFrame(1, { a: 1 }))).toEqual({ jsonrpc: '2.0', id: 1, result: { a: 1 } });
    expect(JSON.parse(errorFrame(null, new RpcError('PARSE_ERROR')))).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'PARSE_ERROR' } });
    expect(JSON.parse(errorFrame(2, new RpcError('NOT_JOINED', 'join first')))).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: 4001, message: 'NOT_JOINED', data: { detail: 'join first' } },
    });
    expect(JSON.parse(notificationFrame('peer-join', { userId: 'a' }))).toEqual({ jsonrpc: '2.0', method: 'peer-join', params: { userId: 'a' } });
  });

  it('never throws, for any string or JSON value (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 5 })), (text) => {
        parseFrame(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('survives deep nesting', () => {
    expect(parseFrame('['.repeat(20000) + ']'.repeat(20000)).kind).toBe('invalid');
    expect(parseFrame(`{"jsonrpc":"2.0","id":1,"method":"x","params":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`).kind).toBe('request');
  });
});
