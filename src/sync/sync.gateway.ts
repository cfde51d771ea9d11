import { Inject, Injectable } from '@nestjs/common';
import { DATA_OBSERVER } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { LimitsConfig } from '../config/config-sections.js';
import { MemoryPlan } from '../config/memory-plan.js';
import { SyncSessions } from '../sampling/sync-sessions.js';
import { StreamConnection, StreamRoutes } from '../ws/stream-routes.js';
import { SyncConnection } from './sync-connection.js';
import { SyncPullParams, SyncPullQuery } from './sync-pull.query.js';

/**
 * `ws://HOST/data/{sid}/pull` with `sync` or `rate` in the query (docs/sync.md): synchronized
 * tuples and decimated streams. The route owns the data pull's path only for those queries
 * (every other handshake goes on to the plain pull's route), so it must come before that route:
 * it is registered when this provider is created, before any route is registered on start-up.
 */
@Injectable()
export class SyncGateway {
  constructor(
    routes: StreamRoutes,
    private readonly sessions: SyncSessions,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
    private readonly plan: MemoryPlan,
  ) {
    routes.register<SyncPullParams>({
      path: '/data/:sid/pull',
      kind: 'sync',
      query: SyncPullQuery,
      accepts: (query) => query.has('sync') || query.has('rate'),
      access: (p) => [{ access: 'read', sids: p.sids }],
      connected: (connection) => this.connect(connection),
    });
  }

  private connect({ ws, params: p }: StreamConnection<SyncPullParams>): void {
    const highWater = this.config.PULL_HIGH_WATER_BYTES;
    const sink = new SyncConnection(ws, {
      ack: p.ack,
      heartbeatMs: p.block,
      highWater,
      tuples: p.tuples,
      onDelivered: this.observer.pulled,
    });
    const session = this.sessions.create(
      {
        sids: p.sids,
        cursors: p.cursors,
        count: p.count,
        latest: p.latest,
        gaps: p.gaps,
        sync: p.sync,
        rates: p.rates,
        onDropped: this.observer.dropped,
        onMissed: this.observer.missed,
        readAheadBytes: this.plan.catchUpReadBytes,
      },
      sink,
    );
    sink.attach(session);
    void session.start();
  }
}
