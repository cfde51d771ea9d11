import { Module, OnModuleInit } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { LoggingConfig } from '../config/config-sections.js';
import { DataObserverRegistry } from '../common/data-observer.js';
import { DataObserverModule } from '../common/data-observer.module.js';
import { MemoryPressureModule } from '../common/memory-pressure.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { WsModule } from '../ws/ws.module.js';
import { DataCounters } from './data-counters.js';
import { loggingParams } from './logging.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * JSON logging (pino) and the Prometheus endpoint `/metrics`. Its `DataCounters` observe the data
 * path: registered at init with the `DATA_OBSERVER` to which the data path and the repository
 * report what metrics count.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({ inject: [LoggingConfig], useFactory: loggingParams }),
    StreamsModule,
    DataObserverModule,
    MemoryPressureModule,
    WsModule,
  ],
  controllers: [MetricsController],
  providers: [DataCounters, MetricsService],
})
export class ObservabilityModule implements OnModuleInit {
  constructor(
    private readonly observers: DataObserverRegistry,
    private readonly counters: DataCounters,
  ) {}

  onModuleInit(): void {
    this.observers.register(this.counters);
  }
}
