import { Inject, Injectable } from '@nestjs/common';
import { LimitsConfig } from '../config/config-sections.js';
import { idMillis, ZERO_ID } from '../streams/ids/entry-id.js';
import { rangeWithin } from '../streams/repositories/bounded-range.js';
import { SamplingRepository } from '../streams/repositories/sampling.repository.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { Entry } from '../streams/repositories/stream.types.js';
import { BatchEntry, resolveCursor } from '../streams/sessions/pull-session.js';
import type { SyncParams } from './sync-options.js';
import { Tuple } from './tuple.js';
import { windowEndId, windowOf } from './windows.js';

/** One page of a synchronized or decimated read (HTTP GET). */
export interface SyncPage {
  batch: BatchEntry[];
  /** Per sid, the cursor to continue from. */
  cursors: string[];
  /** The tuples of `batch` (synchronized reads only). */
  tuples: Tuple[] | null;
}

/**
 * Pages of synchronized tuples and decimated streams for one-shot reads: the same bounded reads
 * as the live sessions (`SamplingRepository`), answering at once with what is settled now.
 */
@Injectable()
export class SyncReader {
  constructor(
    private readonly repository: StreamRepository,
    private readonly sampling: SamplingRepository,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /**
   * Up to `count` entries of each stream (decimated ones: one per window), or with `sync` up to
   * `count` tuples after the reference's cursor. A tuple whose partners are not all settled yet
   * ends the page unless its wait bound passed (entry time + `waitMs` on the gateway's clock);
   * the reference's next cursor is then before it.
   */
  async page(
    sids: readonly string[],
    given: readonly string[],
    count: number,
    p: SyncParams,
  ): Promise<SyncPage> {
    const cursors = await Promise.all(
      sids.map(async (sid, i) =>
        given[i] === '$' ? this.repository.lastId(sid) : resolveCursor(given[i], ZERO_ID),
      ),
    );
    if (!p.sync) {
      const batch: BatchEntry[] = [];
      const reads = await Promise.all(sids.map((sid, i) => this.read(sid, cursors[i], count, p)));
      reads.forEach(({ entries, cursor }, i) => {
        cursors[i] = cursor;
        for (const e of entries) batch.push({ sid: sids[i], id: e.id, data: e.data });
      });
      return { batch, cursors, tuples: null };
    }
    const { ref, partners, toleranceMs, waitMs } = p.sync;
    const r = sids.indexOf(ref);
    const { entries: refs } = await this.read(ref, cursors[r], count, p);
    const times = refs.map((e) => idMillis(e.id));
    const found = await Promise.all(
      partners.map((sid) => this.sampling.nearest(sid, times, toleranceMs)),
    );
    const batch: BatchEntry[] = [];
    const tuples: Tuple[] = [];
    const now = Date.now();
    const windowMs = p.rates?.get(ref);
    for (let i = 0; i < refs.length; i++) {
      const ms = times[i];
      if (now < ms + waitMs && found.some((f) => !f[i].settled)) break;
      batch.push({ sid: ref, id: refs[i].id, data: refs[i].data });
      const members = partners.map((sid, k) => {
        const entry = found[k][i].entry;
        if (!entry) return { sid, id: null, dtMs: null };
        batch.push({ sid, id: entry.id, data: entry.data });
        return { sid, id: entry.id, dtMs: idMillis(entry.id) - ms };
      });
      tuples.push({ ref, id: refs[i].id, members });
      cursors[r] =
        windowMs === undefined ? refs[i].id : windowEndId(windowOf(ms, windowMs), windowMs);
    }
    return { batch, cursors, tuples };
  }

  /** Up to `count` entries after `cursor` (one per window when decimated) and the next cursor. */
  private async read(
    sid: string,
    cursor: string,
    count: number,
    p: SyncParams,
  ): Promise<{ entries: Entry[]; cursor: string }> {
    const budget = this.config.PULL_BATCH_BYTES;
    const windowMs = p.rates?.get(sid);
    if (windowMs !== undefined) {
      const page = await this.sampling.newestPerWindow(sid, cursor, windowMs, '+', count, budget);
      return { entries: page.entries, cursor: page.cursor };
    }
    const { entries } = await rangeWithin(this.repository, sid, cursor, count, budget);
    return { entries, cursor: entries.length > 0 ? entries[entries.length - 1].id : cursor };
  }
}
