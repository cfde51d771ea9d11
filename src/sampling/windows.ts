import { idMillis } from '../streams/ids/entry-id.js';

/** The largest sequence number of an entry id: `<ms>-MAX_SEQ` is the last id of a millisecond. */
const MAX_SEQ = '18446744073709551615';

/**
 * Decimation windows: time is cut into windows of `windowMs` aligned on the epoch (by entry id
 * milliseconds), and one entry is kept per window, the newest.
 */
export function windowOf(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs);
}

/** The last id a window holds: the cursor after a window whose entry was taken. */
export function windowEndId(window: number, windowMs: number): string {
  return `${(window + 1) * windowMs - 1}-${MAX_SEQ}`;
}

/** An entry the decimator let through, and how many of its window it skipped before it. */
export interface Kept<E> {
  entry: E;
  /** Entries skipped since the previous kept one (older entries of this window, late ones). */
  skipped: number;
}

/**
 * Live decimation of one stream: keeps the newest entry of each window and lets it through when
 * the window is over, that is when an entry of a later window arrives or when `due` says the
 * window's time has passed. Entries of a window already let through (late ones) are skipped.
 * Holds one entry at most.
 */
export class LiveDecimator<E extends { id: string }> {
  private slot: E | null = null;
  private slotWindow = -1;
  private lastWindow = -1;
  private skipped = 0;

  constructor(private readonly windowMs: number) {}

  /** Takes the next entry; returns the previous window's entry when this one closes it. */
  push(entry: E): Kept<E> | null {
    const window = windowOf(idMillis(entry.id), this.windowMs);
    if (window <= this.lastWindow) {
      this.skipped++;
      return null;
    }
    let closed: Kept<E> | null = null;
    if (this.slot !== null) {
      if (window > this.slotWindow) closed = this.release();
      else this.skipped++;
    }
    this.slot = entry;
    this.slotWindow = window;
    return closed;
  }

  /** Ms (by the entries' clock) at which the held entry's window ends; null when none is held. */
  due(): number | null {
    return this.slot === null ? null : (this.slotWindow + 1) * this.windowMs;
  }

  /** Lets the held entry through now (its window is over), if any. */
  flush(): Kept<E> | null {
    return this.slot === null ? null : this.release();
  }

  private release(): Kept<E> {
    const kept = { entry: this.slot!, skipped: this.skipped };
    this.lastWindow = this.slotWindow;
    this.slot = null;
    this.skipped = 0;
    return kept;
  }
}
