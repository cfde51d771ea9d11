import { StreamRepository } from './stream.repository.js';
import { Entry, StreamPosition } from './stream.types.js';

/** Most entries one XRANGE asks for. */
export const MAX_RANGE_COUNT = 1000;
/** Floor of a bytes-per-entry estimate (an empty entry still costs its id and reply framing). */
const MIN_ENTRY_BYTES = 64;

export interface BoundedRange {
  entries: Entry[];
  /** Bytes per entry to size the next read of this stream with (0: nothing known yet). */
  estimate: number;
  /** More entries may follow (the count or the byte budget cut the read short). */
  more: boolean;
}

/**
 * Up to `count` entries of `sid` after `afterId` (and up to `end`, inclusive), oldest first, carrying at most `budget` payload
 * bytes, except that the first entry is always taken whatever its size. Redis cannot bound XRANGE
 * in bytes, so each XRANGE asks for as many entries as the estimate (bytes per entry, the largest
 * entry lately seen in this stream) lets fit; with no estimate it reads one entry first.
 */
export async function rangeWithin(
  repository: StreamRepository,
  sid: string,
  afterId: string,
  count: number,
  budget: number,
  estimate = 0,
  options: {
    /** When given, the first read also learns where the stream stands (atomically with it). */
    onPosition?: (position: StreamPosition) => void;
    /** The last id to read (inclusive); `+` = up to the newest. */
    end?: string;
  } = {},
): Promise<BoundedRange> {
  const entries: Entry[] = [];
  let bytes = 0;
  let cursor = afterId;
  while (entries.length < count) {
    const room = budget - bytes;
    if (entries.length > 0 && room <= 0) return { entries, estimate, more: true };
    const want =
      estimate > 0
        ? Math.max(
            1,
            Math.min(count - entries.length, MAX_RANGE_COUNT, Math.floor(room / estimate)),
          )
        : 1;
    const { onPosition, end = '+' } = options;
    let read: Entry[];
    if (onPosition && cursor === afterId) {
      const probed = await repository.position(sid, cursor, want);
      onPosition(probed.position);
      read = probed.entries;
    } else {
      read = await repository.rangeAfter(sid, cursor, want, end);
    }
    let largest = 0;
    for (const entry of read) {
      const size = entry.data.length;
      if (size > largest) largest = size;
      if (entries.length > 0 && bytes + size > budget) {
        return { entries, estimate: nextEstimate(estimate, largest), more: true };
      }
      entries.push(entry);
      bytes += size;
      cursor = entry.id;
    }
    if (read.length > 0) estimate = nextEstimate(estimate, largest);
    if (read.length < want) return { entries, estimate, more: false };
  }
  return { entries, estimate, more: true };
}

/** The largest entry just read, or half the previous estimate if that is more (sizes vary). */
function nextEstimate(previous: number, largest: number): number {
  return Math.max(MIN_ENTRY_BYTES, largest, previous >> 1);
}
