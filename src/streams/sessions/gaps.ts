import { compareIds } from '../ids/entry-id.js';
import { StreamPosition } from '../repositories/stream.types.js';

/**
 * The gap signal: entries a puller (with `gaps=1`) will never see, told before the batch that
 * follows them. Entries with ids in the open interval (`from`, `to`) of stream `sid` were missed:
 * trimmed before the puller read them, or skipped by `latest`.
 */
export interface Gap {
  sid: string;
  /** How many entries were missed: exact when `exact`, else a lower bound. */
  missed: number;
  /** Id of the last entry the puller got (or its start cursor). */
  from: string;
  /** Id of the first entry it gets after the gap. */
  to: string;
  exact: boolean;
}

export interface GapCount {
  missed: number;
  exact: boolean;
}

/**
 * Redis counts entries, not ids: an entry's ordinal (entries added up to and including it) is
 * known for the newest entry (`entries-added`) and, when nothing was deleted in the middle, for
 * the first one (`entries-added - length + 1`). A puller that knows its cursor's ordinal (it
 * started at `$` or `0` and counted what it took) gets exact counts; one that started at an
 * explicit id does not until its first gap.
 */
function removedFromFront(p: StreamPosition): number | null {
  const fragmented = p.firstId !== null && compareIds(p.maxDeletedId, p.firstId) >= 0;
  return fragmented ? null : p.added - p.length;
}

/**
 * Entries after `cursor` that were removed before the stream's first entry (trimmed), given the
 * cursor's ordinal (null: unknown); null when none were. Also returns the ordinal of the position
 * right before the first entry, which the puller's cursor takes after the gap.
 */
export function trimmedAfter(
  cursor: string,
  ordinal: number | null,
  p: StreamPosition,
): (GapCount & { ordinal: number | null }) | null {
  // The cursor is within the stream, or (empty stream) nothing was added after it.
  const within = p.firstId ?? p.lastGeneratedId;
  if (compareIds(cursor, within) >= 0) return null;
  const front = removedFromFront(p);
  if (front === 0) return null;
  if (front === null) return { missed: 0, exact: false, ordinal: null };
  if (ordinal === null) return { missed: 0, exact: false, ordinal: front };
  const missed = front - ordinal;
  return missed > 0 ? { missed, exact: true, ordinal: front } : null;
}

/**
 * Entries between `cursor` and the newest entry (`p.lastId`, which a `latest` puller gets first),
 * given the cursor's ordinal (null: unknown; `p` must carry `beforeLastId`); null when none.
 */
export function skippedBeforeNewest(
  cursor: string,
  ordinal: number | null,
  p: StreamPosition,
): GapCount | null {
  if (p.firstId === null || compareIds(cursor, p.lastId) >= 0) return null;
  const front = removedFromFront(p);
  if (ordinal !== null && front !== null) {
    const missed = p.added - 1 - ordinal;
    return missed > 0 ? { missed, exact: true } : null;
  }
  if (compareIds(cursor, p.firstId) < 0) {
    // Every entry held but the newest; how many of the removed ones came after the cursor is
    // not known.
    return { missed: p.length - 1, exact: false };
  }
  if (p.beforeLastId === null || compareIds(p.beforeLastId, cursor) <= 0) return null;
  return { missed: 1, exact: false };
}
