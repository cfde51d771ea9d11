import type { BoundedRange } from '../../streams/repositories/bounded-range.js';

/** How long a page read ahead waits for the GET that asks for it before it is dropped. */
export const READ_AHEAD_TTL_MS = 1000;

interface Page {
  read: Promise<BoundedRange>;
  bytes: number;
  timer: NodeJS.Timeout;
}

/**
 * The next page of a client that reads a stream with successive GETs: when an answer was cut
 * short by its count or byte budget, the page after it (same stream, cursor = the answer's
 * `x-last-entry-id`, same count) is read from Redis while the answer travels, so the client's
 * next GET finds it ready. A page is what a read at that moment returns, used once, dropped
 * after `READ_AHEAD_TTL_MS`; all pages together reserve at most `budgetBytes` (each counts as
 * the largest page it may be until it is taken or dropped).
 */
export class PageReadAhead {
  private readonly pages = new Map<string, Page>();
  private reserved = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly pageBytes: number,
  ) {}

  /** Starts reading the page after `cursor` (unless it is read already, or the budget is full). */
  start(sid: string, cursor: string, count: number, read: () => Promise<BoundedRange>): void {
    const key = keyOf(sid, cursor, count);
    if (this.pages.has(key) || this.reserved + this.pageBytes > this.budgetBytes) return;
    const page: Page = {
      read: read(),
      bytes: this.pageBytes,
      timer: setTimeout(() => this.drop(key, page), READ_AHEAD_TTL_MS),
    };
    page.timer.unref();
    // A page nobody takes must not leave an unhandled rejection behind.
    page.read.catch(() => undefined);
    this.reserved += page.bytes;
    this.pages.set(key, page);
  }

  /** The page read ahead after `cursor`, or null; it is handed over once. */
  take(sid: string, cursor: string, count: number): Promise<BoundedRange> | null {
    const key = keyOf(sid, cursor, count);
    const page = this.pages.get(key);
    if (!page) return null;
    this.drop(key, page);
    return page.read;
  }

  /** Bytes reserved by pages read ahead now. */
  get bytes(): number {
    return this.reserved;
  }

  private drop(key: string, page: Page): void {
    if (this.pages.get(key) !== page) return;
    clearTimeout(page.timer);
    this.pages.delete(key);
    this.reserved -= page.bytes;
  }
}

function keyOf(sid: string, cursor: string, count: number): string {
  return `${count}\n${cursor}\n${sid}`;
}
