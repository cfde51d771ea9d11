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
    // Ids only (no payloads); keys that stopped being streams since the scan count as empty.
    const positions = await Promise.all(
      sids.map((sid) =>
        this.repository
          .position(sid)
          .then((p) => p.position)
          .catch(() => null),
      ),
    );
    for (const position of positions) {
      if (!position?.firstId) continue;
      start = Math.min(start, idMillis(position.firstId));
      end = Math.max(end, idMillis(position.lastId));
    }
    if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
    return { start: BigInt(start) * 1_000_000n, end: BigInt(end) * 1_000_000n };
  }
}
