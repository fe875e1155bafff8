import fc from 'fast-check';
import { array, boolean, integer, literal, nullable, object, optional, SchemaError, string, union } from './schema.js';

describe('schema', () => {
  const peer = object({
    name: string({ min: 1, max: 8, pattern: /^[a-z]+$/ }),
    age: optional(integer({ min: 0, max: 150 })),
    role: literal('anchor', 'audience'),
    tags: optional(array(string({ max: 4 }), { max: 2 })),
    nick: optional(nullable(string({ max: 4 }))),
    id: union(integer({ min: 1, max: 9 }), string({ min: 1, max: 3 })),
    isOn: boolean(),
  });

  it('parses a valid value into a fresh object with only known keys', () => {
    const input = { name: 'ann', role: 'anchor', id: 3, isOn: true, tags: ['a'], nick: null };
    const out = peer.parse(input);
    expect(out).toEqual({ name: 'ann', role: 'anchor', id: 3, isOn: true, tags: ['a'], nick: null });
    expect(out).not.toBe(input as never);
  });

  it('names the failing path', () => {
    expect(() => peer.parse({ name: 'ann', role: 'king', id: 3, isOn: true }, 'params')).toThrowMatching(
      (e) => e instanceof SchemaError && e.path === 'params.role',
    );
    expect(() => peer.parse({ name: 'ann', role: 'anchor', id: 3, isOn: true, tags: ['toolong'] }, 'p')).toThrowMatching(
      (e) => e instanceof SchemaError && e.path === 'p.tags[0]',
    );
  });

  it('refuses unknown keys, including sid/uid smuggling and __proto__', () => {
    expect(() => peer.parse({ name: 'ann', role: 'anchor', id: 3, isOn: true, sid: 'x' })).toThrowError(SchemaError, /sid/);
    expect(() => peer.parse(JSON.parse('{"name":"ann","role":"anchor","id":3,"isOn":true,"__proto__":{"x":1}}'))).toThrowError(SchemaError);
  });

  it('refuses missing required keys, wrong types, arrays and null', () => {
    for (const bad of [null, [], 'x', 1, { role: 'anchor', id: 3, isOn: true }, { name: 'ann', role: 'anchor', id: 3, isOn: 'yes' }]) {
      expect(() => peer.parse(bad)).toThrowError(SchemaError);
    }
  });

  it('refuses non-integers, NaN, infinities and out-of-range numbers', () => {
    const n = integer({ min: 0, max: 10 });
    for (const bad of [1.5, NaN, Infinity, -1, 11, '3', 2 ** 60]) expect(() => n.parse(bad)).toThrowError(SchemaError);
  });

  it('never throws anything but SchemaError, whatever the input (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 4 }), (value) => {
        try {
          peer.parse(value);
        } catch (err) {
          return err instanceof SchemaError;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
