import { compareIds } from './entry-id.js';

/**
 * Counts the entries a `latest=1` live view never showed. The view starts after a known entry
 * (`startId`, when the stream had `startAdded` entries added); the stream list then reports, now
 * and then, how many entries were added and the newest id. Once the view has shown that newest
 * entry, every entry added since the start was either shown or skipped, so
 * skipped = added since start − shown.
 */
export class SkipCounter {
  /** Entries shown whose ids the last report covered. */
  private counted = 0;
  /** Ids shown since then (ascending), at most MAX_PENDING. */
  private pending: string[] = [];
  private lastShown: string;
  private skippedSoFar = 0;

  constructor(
    private readonly startAdded: number,
    startId: string,
  ) {
    this.lastShown = startId;
  }

  get skipped(): number {
    return this.skippedSoFar;
  }

  shown(id: string): void {
    this.lastShown = id;
    this.pending.push(id);
    if (this.pending.length > 1000) this.pending.shift();
  }

  /** A stream-list report: `added` entries so far, the newest being `lastId`. */
  report(added: number, lastId: string | null): void {
    if (lastId === null || compareIds(this.lastShown, lastId) < 0) return; // not caught up yet
    let i = 0;
    while (i < this.pending.length && compareIds(this.pending[i], lastId) <= 0) i++;
    this.counted += i;
    this.pending = this.pending.slice(i);
    this.skippedSoFar = Math.max(this.skippedSoFar, added - this.startAdded - this.counted);
  }
}
