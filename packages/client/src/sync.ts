import type { PulledEntry } from './frames.js';

/** A synchronized pull's parameters (docs/sync.md). */
export interface SyncOptions {
  /** The reference stream: one of the puller's sids. */
  reference: string;
  /** Largest time difference paired (ms, server default 20). */
  toleranceMs?: number;
  /** How long a tuple waits for a partner (ms, server default: the tolerance). */
  maxWaitMs?: number;
}

/** The server's description of one tuple: `members` maps each partner to `[id, dt]` or null. */
export interface TupleDescription {
  ref: string;
  id: string;
  members: Record<string, [string, number] | null>;
}

/** One partner of a tuple: its entry nearest to the reference and the time difference (ms). */
export interface TuplePartner {
  entry: PulledEntry;
  dtMs: number;
}

/** One reference entry and, per partner stream, its nearest entry or null (missing). */
export interface SyncTuple {
  reference: PulledEntry;
  partners: Record<string, TuplePartner | null>;
}

export function isTuplesFrame(value: unknown): value is { tuples: TupleDescription[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { tuples?: unknown }).tuples)
  );
}

/** `{ cam: 2, imu: 0 }` as the `rate` query parameter. */
export function rateParam(rates: Record<string, number>): string {
  return Object.entries(rates)
    .map(([sid, rate]) => `${encodeURIComponent(sid)}:${rate}`)
    .join(',');
}
