import { createRequire } from 'node:module';
import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { LimitsConfig } from '../../config/config-sections.js';
import { DATA_OBSERVER } from '../../common/data-observer.js';
import type { DataObserver } from '../../common/data-observer.js';
import { YoungGarbage } from '../../common/young-garbage.js';
import { StreamRepository } from '../../streams/repositories/stream.repository.js';
import { ConnectionEvents } from '../../ws/connection-events.js';
import { UpgradeRouter } from '../../ws/upgrade-router.js';
import { DataGatewayOptions, guardConnection } from '../../ws/data-ws.adapter.js';
import { PushBudget } from './push-budget.js';
import { PushParams, PushQuery } from '../dto/data-query.dto.js';
import { PushConnection } from './push-connection.js';
import { reportLibraryCloses } from '../../ws/socket-errors.js';

/**
 * `ws://HOST/data/{sid}/push` (SPEC "WebSocket push"): the handshake was validated before the
 * upgrade (`PushQuery`); each connection is a `PushConnection` reading raw frames. A connection
 * that speaks for devices is reported to `ConnectionEvents` when it opens and closes.
 */
@WebSocketGateway<DataGatewayOptions<PushParams>>({
  path: '/data/:sid/push',
  kind: 'push',
  access: 'write',
  query: PushQuery,
})
export class PushGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
  private readonly logger = new Logger(PushGateway.name);
  private readonly frameGarbage = new YoungGarbage();
  private readonly budget = new PushBudget();

  constructor(
    private readonly router: UpgradeRouter,
    private readonly repository: StreamRepository,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
    private readonly events: ConnectionEvents,
  ) {}

  afterInit(): void {
    this.logger.log(
      nativeMasking()
        ? 'WebSocket unmasking: native (bufferutil)'
        : 'WebSocket unmasking: JavaScript fallback (bufferutil not installed): large pushes cost more CPU',
    );
  }

  handleConnection(ws: WebSocket, _req: IncomingMessage, params: PushParams): void {
    guardConnection(ws, this.logger, () => {
      reportLibraryCloses(ws, this.config.MAX_PAYLOAD_BYTES);
      const push = new PushConnection(
        ws,
        this.repository.appender(),
        { ...params, maxPending: this.config.PUSH_MAX_PENDING },
        this.logger,
        this.observer.pushed,
        this.frameGarbage,
        this.budget,
      );
      this.router.drainBeforeClose(ws, () => push.drain());
      // Device presence: once when the connection opens and once when it closes.
      if (params.devices.length > 0) {
        ws.once('close', this.events.deviceConnectionOpened(params.devices));
      }
    });
  }
}

/**
 * Whether the native `bufferutil` (an optional dependency) loads, as `ws` loads it (`require`):
 * then `ws` unmasks client frames with it, else with its per-byte JS loop.
 */
function nativeMasking(): boolean {
  try {
    createRequire(import.meta.url)('bufferutil');
    return true;
  } catch {
    return false;
  }
}
