import { badRequest } from '../common/errors.js';
import { normalizeId } from '../streams/ids/entry-id.js';

/** The largest sequence number of an entry id (Redis's is a 64-bit unsigned integer). */
export const MAX_SEQ = 18446744073709551615n;

/** `now`, `now-30s`, `now+5m`: milliseconds relative to the gateway's clock. */
const RELATIVE = /^now(?:([+-])(\d{1,12})(ms|s|m|h)?)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const FULL_ID = /^\d{1,20}-\d{1,20}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ].*)?$/;

/**
 * One end of an export window: an entry id (both ends inclusive, as XRANGE's), or open (`-`:
 * the beginning, `+`: the newest entry when the export starts). `ms` is the bound's time, when
 * it was given as one (a time in the future makes a live export).
 */
export interface WindowBound {
  id: string;
  ms: number | null;
}

/**
 * Parses a `start` or `end` bound: `-`/`+` (open), an entry id `<ms>-<seq>`, epoch
 * milliseconds, an ISO-8601 time (`2026-12-03T08:00:00Z`) or `now[±N(ms|s|m|h)]`. A time
 * covers its whole millisecond: as a start it is `<ms>-0`, as an end `<ms>-<max seq>`.
 * Throws BAD_REQUEST naming the parameter.
 */
export function parseBound(raw: string, side: 'start' | 'end', now: number): WindowBound {
  const value = raw.trim();
  if (value === '' || value === (side === 'start' ? '-' : '+')) {
    return { id: side === 'start' ? '-' : '+', ms: null };
  }
  if (FULL_ID.test(value)) {
    const id = normalizeId(value);
    if (id !== null) return { id, ms: null };
  }
  const ms = timeOf(value, now);
  if (ms === null || !Number.isSafeInteger(ms) || ms < 0) {
    throw badRequest(
      `${side} must be an entry id (<ms>-<seq>), epoch milliseconds, an ISO-8601 time, now[-30s|+5m] or ${side === 'start' ? '-' : '+'}, got ${JSON.stringify(value.slice(0, 48))}`,
    );
  }
  return { id: side === 'start' ? `${ms}-0` : `${ms}-${MAX_SEQ}`, ms };
}

function timeOf(value: string, now: number): number | null {
  if (/^\d{1,16}$/.test(value)) return Number(value);
  const relative = RELATIVE.exec(value);
  if (relative) {
    const [, sign, amount, unit] = relative;
    if (!sign) return now;
    const delta = Number(amount) * UNIT_MS[unit ?? 'ms'];
    return sign === '+' ? now + delta : now - delta;
  }
  if (ISO_DATE.test(value)) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

/**
 * The id right before `id` (inclusive XRANGE starts become the exclusive cursors the bounded
 * reads take): `5-3` → `5-2`, `5-0` → `4-<max>`. `-` and `0-0` have none: reading after `0-0`
 * is reading from the beginning (no entry can have id 0-0).
 */
export function idBefore(id: string): string {
  if (id === '-') return '0-0';
  const dash = id.indexOf('-');
  const ms = BigInt(id.slice(0, dash));
  const seq = BigInt(id.slice(dash + 1));
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-${MAX_SEQ}`;
  return '0-0';
}
