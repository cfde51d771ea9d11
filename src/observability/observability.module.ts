import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';
import { DATA_OBSERVER } from '../common/data-observer.js';
import { StreamsModule } from '../streams/streams.module.js';
import { WsModule } from '../ws/ws.module.js';
import { DataCounters } from './data-counters.js';
import { loggingParams } from './logging.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * JSON logging (pino) and the Prometheus endpoint `/metrics`. Global for its `DATA_OBSERVER`,
 * through which the data path and the repository report what metrics count.
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggingParams }),
    StreamsModule,
    WsModule,
  ],
  controllers: [MetricsController],
  providers: [DataCounters, { provide: DATA_OBSERVER, useExisting: DataCounters }, MetricsService],
  exports: [DATA_OBSERVER],
})
export class ObservabilityModule {}
