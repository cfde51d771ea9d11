import type { PulledEntry } from './batch.js';

/** A partner of a synchronized tuple: its nearest entry and time difference, or missing. */
export interface TupleMember {
  sid: string;
  /** null: no entry within the tolerance (missing in this tuple). */
  entry: PulledEntry | null;
  /** Partner time minus reference time, in ms; null when missing. */
  dtMs: number | null;
}

/** One synchronized tuple: the reference entry and each partner, in the pull's URL order. */
export interface SyncTuple {
  reference: PulledEntry;
  members: TupleMember[];
}

/** A `{"tuples": …}` frame's tuple (docs/sync.md). */
interface TupleJson {
  ref: string;
  id: string;
  members: Record<string, [string, number] | null>;
}

/** The tuples of a `{"tuples": …}` text frame, or null when the frame is something else. */
export function parseTuplesFrame(frame: unknown): TupleJson[] | null {
  const tuples = (frame as { tuples?: unknown } | null)?.tuples;
  return Array.isArray(tuples) ? (tuples as TupleJson[]) : null;
}

/**
 * Joins a tuples frame with the batch that follows it: each tuple's reference entry and the
 * partner entries it names, looked up among the batch's entries by stream and id. `partners`
 * gives the order the members are listed in.
 */
export function joinTuples(
  tuples: readonly TupleJson[],
  entries: readonly PulledEntry[],
  partners: readonly string[],
): SyncTuple[] {
  const byKey = new Map(entries.map((e) => [`${e.sid}\n${e.id}`, e]));
  const find = (sid: string, id: string) => byKey.get(`${sid}\n${id}`) ?? null;
  return tuples.flatMap((t) => {
    const reference = find(t.ref, t.id);
    if (!reference) return [];
    const members = partners.map((sid): TupleMember => {
      const member = t.members[sid];
      const entry = member ? find(sid, member[0]) : null;
      return entry && member ? { sid, entry, dtMs: member[1] } : { sid, entry: null, dtMs: null };
    });
    return [{ reference, members }];
  });
}

/** `+4 ms`, `-10 ms`, `0 ms`. */
export function formatDt(dtMs: number): string {
  return `${dtMs > 0 ? '+' : ''}${dtMs} ms`;
}
