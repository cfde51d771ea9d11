import { compareIds } from './entry-id.js';

/** What the stream list said of a stream when its view opened: entries added, newest id. */
export interface ViewStart {
  added: number;
  id: string | null;
}

/**
 * Counts the entries a `latest=1` live view never showed, from its first entry on: the entries
 * that came before it are not the view's to show. The stream list reports, now and then, how
 * many entries were added and the newest id. Once the view has shown that newest entry, every
 * entry added since the count began was either shown or skipped, so
 * skipped = added since the count began − shown since then.
 *
 * The count begins right before the first entry shown when that is the newest entry the list
 * named at the start (or the stream was empty then); otherwise (the list was a step behind, or
 * had not loaded) it begins at the first report the view has caught up with.
 */
export class SkipCounter {
  /** Entries added before the count began; null until known. */
  private base: number | null = null;
  /** Entries shown whose ids the reports since the count began covered. */
  private counted = 0;
  /** Ids shown and not yet covered by a report (ascending), at most 1000. */
  private pending: string[] = [];
  private lastShown: string | null = null;
  private skippedSoFar = 0;

  constructor(private readonly start: ViewStart | null) {
    if (start && start.id === null) this.base = start.added;
  }

  get skipped(): number {
    return this.skippedSoFar;
  }

  shown(id: string): void {
    if (this.lastShown === null && this.base === null && this.start?.id === id) {
      this.base = this.start.added - 1;
    }
    this.lastShown = id;
    this.pending.push(id);
    if (this.pending.length > 1000) this.pending.shift();
  }

  /** A stream-list report: `added` entries so far, the newest being `lastId`. */
  report(added: number, lastId: string | null): void {
    if (lastId === null || this.lastShown === null || compareIds(this.lastShown, lastId) < 0) {
      return; // nothing shown yet, or not caught up yet
    }
    let i = 0;
    while (i < this.pending.length && compareIds(this.pending[i], lastId) <= 0) i++;
    this.pending = this.pending.slice(i);
    if (this.base === null) {
      this.base = added;
      return;
    }
    this.counted += i;
    this.skippedSoFar = Math.max(this.skippedSoFar, added - this.base - this.counted);
  }
}
