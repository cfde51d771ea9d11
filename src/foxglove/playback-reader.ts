import { compareIds, idMillis } from '../streams/ids/entry-id.js';
import { rangeWithin } from '../streams/repositories/bounded-range.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { Entry } from '../streams/repositories/stream.types.js';

/** Most entries one page of one stream holds. */
const PAGE_COUNT = 64;

interface Lane {
  sid: string;
  /** The id of the last entry read (the next page starts after it). */
  cursor: string;
  page: Entry[];
  at: number;
  more: boolean;
  estimate: number;
}

/**
 * The retained entries of several streams from a time on, merged in entry-id order, read in
 * bounded pages (`budget` bytes over all streams; a larger entry travels alone).
 */
export class PlaybackReader {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly repository: StreamRepository,
    private readonly budget: number,
  ) {}

  /** Reads `sid` from its first entry at or after `fromMs` (or after `afterId` when given). */
  add(sid: string, fromMs: number, afterId?: string): void {
    const cursor = afterId ?? (fromMs > 0 ? `${fromMs - 1}-18446744073709551615` : '0-0');
    this.lanes.set(sid, { sid, cursor, page: [], at: 0, more: true, estimate: 0 });
  }

  remove(sid: string): void {
    this.lanes.delete(sid);
  }

  /** The id of the last entry taken from `sid`, or the cursor it starts after. */
  cursorOf(sid: string): string | undefined {
    const lane = this.lanes.get(sid);
    if (!lane) return undefined;
    return lane.at > 0 ? lane.page[lane.at - 1].id : lane.cursor;
  }

  /** The next entry in id order (not taken yet), or null when every stream is read to its end. */
  async peek(): Promise<{ sid: string; entry: Entry; ms: number } | null> {
    let next: Lane | null = null;
    for (const lane of [...this.lanes.values()]) {
      if (lane.at === lane.page.length && lane.more) await this.refill(lane);
      if (this.lanes.get(lane.sid) !== lane || lane.at === lane.page.length) continue;
      if (next === null || compareIds(lane.page[lane.at].id, next.page[next.at].id) < 0) {
        next = lane;
      }
    }
    if (next === null) return null;
    const entry = next.page[next.at];
    return { sid: next.sid, entry, ms: idMillis(entry.id) };
  }

  /** Takes the entry `peek` gave for `sid`. */
  take(sid: string): void {
    const lane = this.lanes.get(sid);
    if (lane && lane.at < lane.page.length) lane.at++;
  }

  private async refill(lane: Lane): Promise<void> {
    if (lane.page.length > 0) lane.cursor = lane.page[lane.page.length - 1].id;
    const share = Math.max(1, Math.floor(this.budget / Math.max(1, this.lanes.size)));
    const read = await rangeWithin(
      this.repository,
      lane.sid,
      lane.cursor,
      PAGE_COUNT,
      share,
      lane.estimate,
    );
    lane.page = read.entries;
    lane.at = 0;
    lane.estimate = read.estimate;
    // A short page reached the stream's end for now; the end of playback is rechecked each time.
    lane.more = read.entries.length > 0;
  }
}
