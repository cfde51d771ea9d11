import { Inject, Injectable, Logger } from '@nestjs/common';
import { LimitsConfig } from '../config/config-sections.js';
import { StreamerError } from '../common/errors.js';
import { cursorsFor } from '../streams/ids/cursors.js';
import { PullSessions } from '../streams/sessions/pull-sessions.js';
import { DataEventModel } from './models/data-event.model.js';
import { checkSidCount } from './stream-meta.service.js';
import { SubscriptionSink } from '../graphql/subscription-sink.js';

/** Entries read per stream per batch. */
const BATCH_COUNT = 100;
/**
 * Entries a subscription buffers before its session pauses (it catches up from Redis later); its
 * payload bytes stay within PULL_BATCH_BYTES.
 */
const BUFFER_ENTRIES = 256;

export interface DataSubscriptionOptions {
  sids: readonly string[];
  lastEntryId: string;
  latest: boolean;
}

/**
 * Opens `data` subscriptions as pull sessions on the shared read hub: no Redis connection per
 * subscriber, ordered and gap-free delivery from the cursor, then live entries.
 */
@Injectable()
export class DataSubscriptions {
  private readonly logger = new Logger(DataSubscriptions.name);

  constructor(
    private readonly sessions: PullSessions,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /** The subscription's event stream; ending the iteration (`return()`) stops the session. */
  open(options: DataSubscriptionOptions): AsyncIterableIterator<DataEventModel | StreamerError> {
    const sids = checkSidCount(options.sids, this.config.MAX_SIDS_PER_REQUEST);
    const cursors = cursorsFor(options.lastEntryId, sids.length, 'lastEntryId');
    // With `latest` one pending batch is enough: anything older is meant to be skipped.
    // Half the byte budget for the buffer, half for the batch that may land on it.
    const halfBudget = this.config.PULL_BATCH_BYTES >> 1;
    const sink = new SubscriptionSink(
      options.latest ? 1 : BUFFER_ENTRIES,
      (entry) => new DataEventModel(entry.sid, entry.id, entry.data),
      halfBudget,
    );
    const session = this.sessions.create(
      { sids, cursors, count: BATCH_COUNT, latest: options.latest, batchBytes: halfBudget },
      sink,
    );
    sink.attach(session);
    session.start().catch((err: unknown) => {
      this.logger.error(`subscription start failed: ${(err as Error).stack}`);
    });
    return sink;
  }
}
