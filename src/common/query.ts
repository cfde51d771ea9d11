import { Transform } from 'class-transformer';
import { ValidateBy, ValidationArguments } from 'class-validator';

/**
 * Decorators for request DTOs whose fields arrive as query-string text (WebSocket handshake,
 * HTTP GET). Each parses the text (`@Transform`) and validates the result; an absent or empty
 * parameter leaves the field's initializer as its default (transform with
 * `exposeUnsetFields: false`, see `common/validation.ts`).
 */

const TRUE = new Set(['1', 'true', 'True', 'TRUE', 'yes']);
const FALSE = new Set(['0', 'false', 'False', 'FALSE', 'no']);

/** `1/0`, `true/false`, `True/False` (the original's sample client sends `True`). */
export function BoolQuery(): PropertyDecorator {
  return both(
    Transform(({ value }: { value: unknown }) => {
      if (value === '') return undefined;
      if (typeof value !== 'string') return value;
      return TRUE.has(value) ? true : FALSE.has(value) ? false : value;
    }),
    ValidateBy({
      name: 'boolQuery',
      validator: {
        validate: (value: unknown) => typeof value === 'boolean',
        defaultMessage: (args?: ValidationArguments) =>
          `query parameter ${args?.property} must be a boolean (1/0, true/false), got ${shown(args?.value)}`,
      },
    }),
  );
}

/** `1/0`, `true/false`, or one of `words` (kept as the word). */
export function BoolOrWordQuery(words: readonly string[]): PropertyDecorator {
  return both(
    Transform(({ value }: { value: unknown }) => {
      if (value === '') return undefined;
      if (typeof value !== 'string' || words.includes(value)) return value;
      return TRUE.has(value) ? true : FALSE.has(value) ? false : value;
    }),
    ValidateBy({
      name: 'boolOrWordQuery',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'boolean' || (typeof value === 'string' && words.includes(value)),
        defaultMessage: (args?: ValidationArguments) =>
          `query parameter ${args?.property} must be 1/0, true/false or ${words.join('/')}, got ${shown(args?.value)}`,
      },
    }),
  );
}

/** A non-negative integer within [min, max]. */
export function IntQuery(min: number, max: number): PropertyDecorator {
  return boundedQuery(min, max, /^\d+$/, 'an integer');
}

/** A non-negative decimal number within [min, max]. */
export function NumberQuery(min: number, max: number): PropertyDecorator {
  return boundedQuery(min, max, /^\d+(\.\d+)?$/, 'a number');
}

function boundedQuery(min: number, max: number, shape: RegExp, kind: string): PropertyDecorator {
  return both(
    Transform(({ value }: { value: unknown }) => {
      if (value === '') return undefined;
      return typeof value === 'string' && shape.test(value) ? Number(value) : value;
    }),
    ValidateBy({
      name: 'boundedQuery',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => typeof value === 'number' && value >= min && value <= max,
        defaultMessage: (args?: ValidationArguments) =>
          `query parameter ${args?.property} must be ${kind} from ${min} to ${max}, got ${shown(args?.value)}`,
      },
    }),
  );
}

/** A client-sent value for an error message: quoted, and short. */
function shown(value: unknown): string {
  return JSON.stringify(typeof value === 'string' ? value.slice(0, 32) : String(value));
}

function both(a: PropertyDecorator, b: PropertyDecorator): PropertyDecorator {
  return (target, key) => {
    a(target, key);
    b(target, key);
  };
}
