import { Inject, Injectable } from '@nestjs/common';
import { LimitsConfig } from '../config/config-sections.js';
import { ReadHub } from '../streams/hub/read-hub.js';
import { PullSink } from '../streams/sessions/pull-session.js';
import { PullSessions } from '../streams/sessions/pull-sessions.js';
import { SamplingRepository } from '../streams/repositories/sampling.repository.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { DecimatedSource, EntrySource } from './decimated-source.js';
import type { Rates, SyncSpec } from './sync-options.js';
import { SourceGroup, SyncSession, SyncSink } from './sync-session.js';

/** Most tuples a synchronized pull holds while their partners settle. */
const MAX_PENDING_TUPLES = 256;

export interface SyncPullOptions {
  sids: readonly string[];
  /** One start cursor per sid (in a synchronized pull only the reference's is used). */
  cursors: readonly string[];
  /** Most entries per stream (tuples, when synchronized) per batch. */
  count: number;
  latest: boolean;
  gaps: boolean;
  sync: SyncSpec | null;
  rates: Rates | null;
  onDropped?: (n: number) => void;
  onMissed?: (n: number) => void;
  readAheadBytes?: number;
}

/**
 * Opens synchronized and decimated pulls (see `SyncSession`, `DecimatedSource`) on the shared
 * hub: the pull sessions of `PullSessions`, composed.
 */
@Injectable()
export class SyncSessions {
  constructor(
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    private readonly sampling: SamplingRepository,
    private readonly sessions: PullSessions,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /** A session delivering to `sink`; call `start()`, and `close()` when the sink goes. */
  create(o: SyncPullOptions, sink: SyncSink): EntrySource {
    if (!o.sync) return this.rated(o, o.sids, o.cursors, sink);
    const spec = o.sync;
    const i = o.sids.indexOf(spec.ref);
    return new SyncSession(
      this.hub,
      this.repository,
      this.sampling,
      { spec, count: o.count, maxPending: o.latest ? 1 : Math.max(o.count, MAX_PENDING_TUPLES) },
      sink,
      (refSink) => this.rated(o, [spec.ref], [o.cursors[i]], refSink),
    );
  }

  /** The streams of `sids`: decimated ones each on their own, the others in one pull session. */
  private rated(
    o: SyncPullOptions,
    sids: readonly string[],
    cursors: readonly string[],
    sink: PullSink,
  ): EntrySource {
    const full: number[] = [];
    const sources: EntrySource[] = [];
    sids.forEach((sid, i) => {
      const windowMs = o.rates?.get(sid);
      if (windowMs === undefined) return void full.push(i);
      sources.push(
        new DecimatedSource(
          {
            repository: this.repository,
            sampling: this.sampling,
            live: (live, cursor, gaps, liveSink) =>
              this.sessions.create(
                { sids: [live], cursors: [cursor], count: 1000, latest: false, gaps },
                liveSink,
              ),
          },
          {
            sid,
            cursor: cursors[i],
            windowMs,
            count: o.count,
            gaps: o.gaps,
            batchBytes: this.config.PULL_BATCH_BYTES,
            onMissed: o.onMissed,
          },
          sink,
        ),
      );
    });
    if (full.length > 0) {
      sources.push(
        this.sessions.create(
          {
            sids: full.map((i) => sids[i]),
            cursors: full.map((i) => cursors[i]),
            count: o.count,
            latest: o.latest,
            gaps: o.gaps,
            onDropped: o.onDropped,
            onMissed: o.onMissed,
            readAheadBytes: o.readAheadBytes,
          },
          sink,
        ),
      );
    }
    return sources.length === 1 ? sources[0] : new SourceGroup(sources);
  }
}
