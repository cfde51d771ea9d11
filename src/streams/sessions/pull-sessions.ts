import { Inject, Injectable } from '@nestjs/common';
import { LimitsConfig } from '../../config/config-sections.js';
import { PullOptions, PullSession, PullSink } from './pull-session.js';
import { ReadHub } from '../hub/read-hub.js';
import { StreamRepository } from '../repositories/stream.repository.js';

/** Opens pull sessions on the shared hub (for WebSocket pullers, subscriptions and HTTP reads). */
@Injectable()
export class PullSessions {
  constructor(
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /**
   * A session delivering to `sink` (batches of at most PULL_BATCH_BYTES unless `options` say
   * otherwise); call `start()` on it, and `close()` when the sink goes.
   */
  create(options: PullOptions, sink: PullSink): PullSession {
    return new PullSession(
      this.hub,
      this.repository,
      { batchBytes: this.config.PULL_BATCH_BYTES, ...options },
      sink,
    );
  }
}
