import { badRequest } from './errors.js';
import { normalizeId } from '../streams/entry-id.js';

/** Query parameters as the data endpoints read them (shared by WebSocket and HTTP). */
export type QueryLike = URLSearchParams;

const TRUE = new Set(['1', 'true', 'True', 'TRUE', 'yes']);
const FALSE = new Set(['0', 'false', 'False', 'FALSE', 'no', '']);

/** `1/0`, `true/false`, `True/False` (the original's sample client sends `True`). */
export function boolParam(query: QueryLike, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(
    `query parameter ${name} must be a boolean (1/0, true/false), got ${JSON.stringify(value.slice(0, 32))}`,
  );
}

export function intParam(
  query: QueryLike,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return boundedParam(query, name, fallback, min, max, /^\d+$/, 'an integer');
}

export function numberParam(
  query: QueryLike,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return boundedParam(query, name, fallback, min, max, /^\d+(\.\d+)?$/, 'a number');
}

/** A non-negative number matching `shape` within [min, max], or `fallback` when absent. */
function boundedParam(
  query: QueryLike,
  name: string,
  fallback: number,
  min: number,
  max: number,
  shape: RegExp,
  kind: string,
): number {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!shape.test(value) || n < min || n > max) {
    throw badRequest(
      `query parameter ${name} must be ${kind} from ${min} to ${max}, got ${JSON.stringify(value.slice(0, 32))}`,
    );
  }
  return n;
}

/**
 * `last_entry_id`: one cursor for every sid, or one per sid joined by `+` (a `+` in a query
 * string may arrive decoded as a space). Each is `$`, `0`, `-` or an entry id.
 */
export function cursorsParam(query: QueryLike, sids: readonly string[], fallback = '$'): string[] {
  const raw = query.get('last_entry_id');
  if (raw === null || raw === '') return sids.map(() => fallback);
  const parts = raw.split(/[ +]/);
  for (const part of parts) {
    if (part !== '$' && part !== '0' && part !== '-' && normalizeId(part) === null) {
      throw badRequest(`last_entry_id: malformed entry id ${JSON.stringify(part.slice(0, 48))}`);
    }
  }
  if (parts.length === 1) return sids.map(() => parts[0]);
  if (parts.length !== sids.length) {
    throw badRequest(`last_entry_id has ${parts.length} ids for ${sids.length} streams`);
  }
  return parts;
}
