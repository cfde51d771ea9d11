import { Injectable } from '@nestjs/common';
import { idMillis } from '../streams/ids/entry-id.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';

/**
 * The time range (ns) Redis retains over the streams a viewer may read: from the oldest first
 * entry to the newest last entry. Null when none of them holds an entry.
 */
@Injectable()
export class RetainedRange {
  constructor(private readonly repository: StreamRepository) {}

  async of(readable: (sid: string) => boolean): Promise<{ start: bigint; end: bigint } | null> {
    const sids = (await this.repository.listSids(false)).filter(readable);
    let start = Infinity;
    let end = -Infinity;
    // Keys that stopped being streams since the scan count as empty.
    const ends = await Promise.all(
      sids.map((sid) =>
        Promise.all([
          this.repository.rangeAfter(sid, '0-0', 1).catch(() => []),
          this.repository.latest(sid).catch(() => null),
        ]),
      ),
    );
    for (const [first, last] of ends) {
      if (first.length > 0) start = Math.min(start, idMillis(first[0].id));
      if (last) end = Math.max(end, idMillis(last.id));
    }
    if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
    return { start: BigInt(start) * 1_000_000n, end: BigInt(end) * 1_000_000n };
  }
}
