import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { DATA_OBSERVER } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { PullSessions } from '../streams/pull-sessions.js';
import { DataGatewayOptions, guardConnection } from './data-ws.adapter.js';
import { PullParams, PullQuery } from './dto/data-query.dto.js';
import { PullConnection, SinglePreambles } from './pull-connection.js';
import { reportLibraryCloses } from './socket-errors.js';

/**
 * `ws://HOST/data/{sid}/pull` (SPEC "WebSocket pull"): the handshake was validated before the
 * upgrade (`PullQuery`); each connection is a pull session on the shared read hub delivering to a
 * `PullConnection`.
 */
@WebSocketGateway<DataGatewayOptions<PullParams>>({
  path: '/data/:sid/pull',
  kind: 'pull',
  access: 'read',
  query: PullQuery,
})
export class PullGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
  private readonly logger = new Logger(PullGateway.name);
  /** Shared by every puller: a fan-out frames each single-entry batch once. */
  private readonly preambles = new SinglePreambles();

  constructor(
    private readonly sessions: PullSessions,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  afterInit(): void {
    this.logger.debug('serving /data/{sid}/pull');
  }

  handleConnection(ws: WebSocket, req: IncomingMessage, p: PullParams): void {
    guardConnection(ws, this.logger, () => {
      reportLibraryCloses(ws, this.config.MAX_PAYLOAD_BYTES);
      const sink = new PullConnection(
        ws,
        req.socket,
        {
          header: p.header,
          ack: p.ack,
          maxFps: p.maxFps,
          heartbeatMs: p.block,
          highWater: this.config.PULL_HIGH_WATER_BYTES,
        },
        this.observer.pulled,
        this.preambles,
      );
      const session = this.sessions.create(
        {
          sids: p.sids,
          cursors: p.cursors,
          count: p.count,
          latest: p.latest,
          onDropped: this.observer.dropped,
          gaps: p.gaps,
          onMissed: this.observer.missed,
          readAheadBytes: readAheadFor(this.config.PULL_HIGH_WATER_BYTES),
        },
        sink,
      );
      sink.attach(session);
      void session.start();
    });
  }
}

/**
 * What a WebSocket puller that fell behind reads from Redis ahead of its socket: four socket
 * backlogs' worth, 1 MiB at least. Enough to keep its socket fed between two reads, and 20 slow
 * pullers of 64 KiB frames hold about 20 MiB of catch-up copies instead of up to 20 x
 * PULL_BATCH_BYTES.
 */
export function readAheadFor(highWater: number): number {
  return Math.max(4 * highWater, 1024 * 1024);
}
