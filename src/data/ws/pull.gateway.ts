import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { LimitsConfig } from '../../config/config-sections.js';
import { MemoryPlan } from '../../config/memory-plan.js';
import { DATA_OBSERVER } from '../../common/data-observer.js';
import type { DataObserver } from '../../common/data-observer.js';
import { StreamerError } from '../../common/errors.js';
import { GroupSession } from '../../streams/sessions/group-session.js';
import { GroupSessions } from '../../streams/sessions/group-sessions.js';
import { PullSessions } from '../../streams/sessions/pull-sessions.js';
import { StreamConnection, StreamRoutes } from '../../ws/stream-routes.js';
import { GroupParams, PullParams, PullQuery } from '../dto/data-query.dto.js';
import { PullConnection, SinglePreambles } from './pull-connection.js';
import { parseAckFrame } from '../protocol.js';
import { closeWithError } from '../../ws/socket-errors.js';

/**
 * `ws://HOST/data/{sid}/pull` (SPEC "WebSocket pull"): the handshake is validated before the
 * upgrade (`PullQuery`, read permission on its sids); each connection is a pull session on the
 * shared read hub delivering to a `PullConnection`.
 */
@Injectable()
export class PullGateway implements OnModuleInit {
  private readonly logger = new Logger(PullGateway.name);
  /** Shared by every puller: a fan-out frames each single-entry batch once. */
  private readonly preambles = new SinglePreambles();

  constructor(
    private readonly routes: StreamRoutes,
    private readonly sessions: PullSessions,
    private readonly groups: GroupSessions,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
    @Inject(MemoryPlan) private readonly plan: MemoryPlan,
  ) {}

  onModuleInit(): void {
    this.routes.register<PullParams>({
      path: '/data/:sid/pull',
      kind: 'pull',
      query: PullQuery,
      access: (params) => [{ access: 'read', sids: params.sids }],
      connected: (connection) => this.connected(connection),
    });
    this.logger.debug('serving /data/{sid}/pull');
  }

  private connected(c: StreamConnection<PullParams>): void {
    const p = c.params;
    if (p.group) return this.connectGroup(c, p.group);
    const sink = this.connection(c);
    const session = this.sessions.create(
      {
        sids: p.sids,
        cursors: p.cursors,
        count: p.count,
        latest: p.latest,
        onDropped: this.observer.dropped,
        gaps: p.gaps,
        onMissed: this.observer.missed,
        readAheadBytes: this.plan.catchUpReadBytes,
      },
      sink,
    );
    sink.attach(session);
    void session.start();
  }

  /**
   * A consumer of a consumer group (`group=G&consumer=C`): a group session on the shared hub;
   * with `ack=client` the client's text frames are its acknowledgements.
   */
  private connectGroup(c: StreamConnection<PullParams>, g: GroupParams): void {
    const { ws, params: p } = c;
    let session: GroupSession | null = null;
    const onText = (data: Buffer) => {
      if (g.ack !== 'client') return;
      try {
        session?.acknowledge(parseAckFrame(data.toString('utf8')));
      } catch (err) {
        closeWithError(ws, err as StreamerError);
      }
    };
    const sink = this.connection(c, onText);
    const { sids, cursors: starts, count } = p;
    const options = { sids, group: g.name, consumer: g.consumer, starts, count, ack: g.ack };
    session = this.groups.create(options, sink);
    sink.attach(session);
    void session.start();
  }

  private connection(
    { ws, params: p, frames }: StreamConnection<PullParams>,
    onText?: (data: Buffer) => void,
  ): PullConnection {
    return new PullConnection(
      ws,
      frames,
      {
        header: p.header,
        ack: p.ack,
        maxFps: p.maxFps,
        heartbeatMs: p.block,
        highWater: this.config.PULL_HIGH_WATER_BYTES,
        onText,
      },
      this.observer.pulled,
      this.preambles,
    );
  }
}
