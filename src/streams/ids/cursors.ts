import { badRequest } from '../../common/errors.js';
import { normalizeId } from './entry-id.js';

/**
 * Start cursors as clients write them (`last_entry_id`, `lastEntryId`): one for every stream,
 * or one per stream joined by `+`. Each is `$` (only new entries), `0` or `-` (from the
 * beginning) or an entry id. `PullSession`'s `resolveCursor` says what each means.
 */

/** The cursors of `raw` (a `+` in a query string may arrive decoded as a space). */
function split(raw: string): string[] {
  return raw.split(/[ +]/);
}

/** Why `raw` is not a cursor list, or null when it is. */
export function cursorListProblem(raw: unknown): string | null {
  if (typeof raw !== 'string') return 'must be a string';
  for (const part of split(raw)) {
    if (part !== '$' && part !== '0' && part !== '-' && normalizeId(part) === null) {
      return `malformed entry id ${JSON.stringify(part.slice(0, 48))}`;
    }
  }
  return null;
}

/**
 * The cursor of each of `streams` streams, from a list that passed `cursorListProblem`;
 * `name` is the parameter's name for the error.
 */
export function cursorsFor(raw: string, streams: number, name: string): string[] {
  const parts = split(raw);
  if (parts.length === 1) return Array.from({ length: streams }, () => parts[0]);
  if (parts.length !== streams) {
    throw badRequest(`${name} has ${parts.length} ids for ${streams} streams`);
  }
  return parts;
}
