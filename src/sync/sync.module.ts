import { Module } from '@nestjs/common';
import { DataObserverModule } from '../common/data-observer.module.js';
import { SamplingModule } from '../sampling/sampling.module.js';
import { WsModule } from '../ws/ws.module.js';
import { SyncGateway } from './sync.gateway.js';

/**
 * Synchronized multi-stream pulls and per-stream decimation over WebSocket (docs/sync.md). HTTP
 * GET reads of the same kind are the data feature's, through the core's `SyncReader`.
 */
@Module({
  imports: [SamplingModule, WsModule, DataObserverModule],
  providers: [SyncGateway],
})
export class SyncModule {}
