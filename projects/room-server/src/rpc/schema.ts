/**
 * A small typed validator. A schema parses `unknown` into a fresh, typed
 * value built only from the fields it knows, or throws a {@link SchemaError}
 * naming the offending path. Nothing unvalidated ever leaves a parse.
 */

/** A value failed its schema. */
export class SchemaError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path || 'value'}: expected ${expected}`);
    this.name = 'SchemaError';
  }
}

/** Parses unknown input into `T`, or throws {@link SchemaError}. */
export interface Schema<T> {
  parse(value: unknown, path?: string): T;
  /** Set on schemas made by {@link optional}: the key may be absent. */
  readonly isOptional?: boolean;
}

/** The type a schema produces. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

function schema<T>(parse: (value: unknown, path: string) => T): Schema<T> {
  return { parse: (value, path = '') => parse(value, path) };
}

/** A string with length bounds and an optional pattern. */
export function string(opts: { min?: number; max: number; pattern?: RegExp }): Schema<string> {
  const min = opts.min ?? 0;
  const expected = `string of ${min}..${opts.max} chars${opts.pattern ? ` matching ${opts.pattern}` : ''}`;
  return schema((v, path) => {
    if (typeof v !== 'string' || v.length < min || v.length > opts.max || (opts.pattern && !opts.pattern.test(v))) {
      throw new SchemaError(path, expected);
    }
    return v;
  });
}

/** A safe integer within bounds. */
export function integer(opts: { min: number; max: number }): Schema<number> {
  return schema((v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < opts.min || v > opts.max) {
      throw new SchemaError(path, `integer in ${opts.min}..${opts.max}`);
    }
    return v;
  });
}

/** A finite number within bounds. */
export function number(opts: { min: number; max: number }): Schema<number> {
  return schema((v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < opts.min || v > opts.max) {
      throw new SchemaError(path, `number in ${opts.min}..${opts.max}`);
    }
    return v;
  });
}

/** A boolean. */
export function boolean(): Schema<boolean> {
  return schema((v, path) => {
    if (typeof v !== 'boolean') throw new SchemaError(path, 'boolean');
    return v;
  });
}

/** One of the given literal values. */
export function literal<const L extends readonly (string | number | boolean)[]>(...values: L): Schema<L[number]> {
  return schema((v, path) => {
    if (!values.includes(v as L[number])) throw new SchemaError(path, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    return v as L[number];
  });
}

/** `null` or the inner schema. */
export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return schema((v, path) => (v === null ? null : inner.parse(v, path)));
}

/** A schema whose object key may be absent. */
export type OptionalSchema<T> = Schema<T | undefined> & { readonly isOptional: true };

/** Marks an object key as optional (absent or `undefined`). */
export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return { parse: (v, path = '') => (v === undefined ? undefined : inner.parse(v, path)), isOptional: true };
}

/** The first schema that accepts the value. */
export function union<T extends readonly Schema<unknown>[]>(...options: T): Schema<Infer<T[number]>> {
  return schema((v, path) => {
    const expected: string[] = [];
    for (const option of options) {
      try {
        return option.parse(v, path) as Infer<T[number]>;
      } catch (err) {
        if (!(err instanceof SchemaError)) throw err;
        expected.push(err.expected);
      }
    }
    throw new SchemaError(path, expected.join(' or '));
  });
}

/** Object shapes: keys to schemas. */
export type Shape = Record<string, Schema<unknown>>;

type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly isOptional: true } ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The typed value of an object shape. */
export type InferShape<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

/**
 * A plain object with exactly the given keys (unknown keys are refused:
 * a client naming `sid` or `uid` is an error, not something to ignore).
 */
export function object<S extends Shape>(shape: S): Schema<InferShape<S>> & { readonly shape: S } {
  const keys = Object.keys(shape);
  return {
    shape,
    parse(v: unknown, path = ''): InferShape<S> {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, 'object');
      const input = v as Record<string, unknown>;
      for (const key in input) {
        if (Object.prototype.hasOwnProperty.call(input, key) && !Object.prototype.hasOwnProperty.call(shape, key)) {
          throw new SchemaError(path ? `${path}.${key}` : key, 'no such field');
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const present = Object.prototype.hasOwnProperty.call(input, key);
        const fieldPath = path ? `${path}.${key}` : key;
        const fieldSchema = shape[key]!;
        if (!present) {
          if (fieldSchema.isOptional) continue;
          throw new SchemaError(fieldPath, 'a value (required)');
        }
        const parsed = fieldSchema.parse(input[key], fieldPath);
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as InferShape<S>;
    },
  };
}

/** An array of at most `max` items, each parsed by `item`. */
export function array<T>(item: Schema<T>, opts: { max: number }): Schema<T[]> {
  return schema((v, path) => {
    if (!Array.isArray(v) || v.length > opts.max) throw new SchemaError(path, `array of at most ${opts.max} items`);
    return v.map((x, i) => item.parse(x, `${path}[${i}]`));
  });
}
