import { createRequire } from 'node:module';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { LimitsConfig } from '../../config/config-sections.js';
import { MemoryPlan } from '../../config/memory-plan.js';
import { MemoryPressure } from '../../common/memory-pressure.js';
import { DATA_OBSERVER } from '../../common/data-observer.js';
import type { DataObserver } from '../../common/data-observer.js';
import { YoungGarbage } from '../../common/young-garbage.js';
import { StreamRepository } from '../../streams/repositories/stream.repository.js';
import { ConnectionEvents } from '../../ws/connection-events.js';
import { StreamConnection, StreamRoutes } from '../../ws/stream-routes.js';
import { PushBudget } from './push-budget.js';
import { PushParams, PushQuery } from '../dto/data-query.dto.js';
import { PushConnection } from './push-connection.js';

/**
 * `ws://HOST/data/{sid}/push` (SPEC "WebSocket push"): the handshake is validated before the
 * upgrade (`PushQuery`, write permission on its sids and on the device it names); each connection
 * is a `PushConnection` reading raw frames. A connection that speaks for devices is reported to
 * `ConnectionEvents` when it opens and closes.
 */
@Injectable()
export class PushGateway implements OnModuleInit {
  private readonly logger = new Logger(PushGateway.name);
  private readonly frameGarbage = new YoungGarbage();
  private readonly budget: PushBudget;
  private readonly maxPendingBytes: number;

  constructor(
    private readonly routes: StreamRoutes,
    private readonly repository: StreamRepository,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
    private readonly events: ConnectionEvents,
    @Inject(MemoryPlan) plan: MemoryPlan,
    pressure: MemoryPressure,
  ) {
    this.budget = new PushBudget(plan.pushInFlightBytes, pressure.enabled ? pressure : null);
    this.maxPendingBytes = plan.pushConnectionBytes;
    pressure.track('push_in_flight', plan.pushInFlightBytes, () => this.budget.inFlight);
  }

  onModuleInit(): void {
    this.routes.register<PushParams>({
      path: '/data/:sid/push',
      kind: 'push',
      query: PushQuery,
      access: (params) => [
        { access: 'write', sids: params.sids },
        { access: 'write', sids: params.alsoWrite },
      ],
      connected: (connection) => this.connected(connection),
    });
    this.logger.log(
      nativeMasking()
        ? 'WebSocket unmasking: native (bufferutil)'
        : 'WebSocket unmasking: JavaScript fallback (bufferutil not installed): large pushes cost more CPU',
    );
  }

  private connected({ ws, params, drainBeforeClose }: StreamConnection<PushParams>): void {
    const push = new PushConnection(
      ws,
      this.repository.appender(),
      {
        ...params,
        maxPending: this.config.PUSH_MAX_PENDING,
        maxPendingBytes: this.maxPendingBytes,
      },
      this.logger,
      this.observer.pushed,
      this.frameGarbage,
      this.budget,
    );
    drainBeforeClose(() => push.drain());
    // Device presence: once when the connection opens and once when it closes.
    if (params.devices.length > 0) ws.once('close', this.events.opened(params.devices));
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
