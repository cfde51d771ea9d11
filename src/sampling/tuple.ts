import { idMillis } from '../streams/ids/entry-id.js';
import type { Entry } from '../streams/repositories/stream.types.js';

/** One partner's place in a tuple: its nearest entry and the time difference, or missing. */
interface TupleMember {
  sid: string;
  /** null: no entry within the tolerance (missing in this tuple). */
  id: string | null;
  /** Partner time minus reference time (ms); null when missing. */
  dtMs: number | null;
}

/** One synchronized tuple: the reference entry's id and each partner's member, in URL order. */
export interface Tuple {
  ref: string;
  id: string;
  members: TupleMember[];
}

/**
 * Which of two candidate partner entries is nearer to the reference time `refMs` (ms): `a` or
 * `b`, either null. Candidates further than `toleranceMs` never win; on a tie the earlier one
 * does (the one before the reference time).
 */
export function nearer(
  refMs: number,
  a: Entry | null,
  b: Entry | null,
  toleranceMs: number,
): Entry | null {
  const da = a ? Math.abs(idMillis(a.id) - refMs) : Infinity;
  const db = b ? Math.abs(idMillis(b.id) - refMs) : Infinity;
  if (da > toleranceMs && db > toleranceMs) return null;
  if (da < db) return a;
  if (db < da) return b;
  return idMillis(a!.id) <= idMillis(b!.id) ? a : b;
}

/**
 * The text frame describing the tuples of the batch that follows it:
 * `{"tuples":[{"ref":"cam","id":"…","members":{"imu":["<id>",3],"depth":null}}]}`. Not a JSON
 * array, so a client that does not know it cannot take it for a batch header.
 */
export function tuplesFrame(tuples: readonly Tuple[]): string {
  return JSON.stringify({ tuples: tuples.map(tupleJson) });
}

export function tupleJson(t: Tuple): {
  ref: string;
  id: string;
  members: Record<string, [string, number] | null>;
} {
  const members: Record<string, [string, number] | null> = {};
  for (const m of t.members) members[m.sid] = m.id === null ? null : [m.id, m.dtMs!];
  return { ref: t.ref, id: t.id, members };
}
