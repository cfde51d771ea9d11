import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';
import { DataGatewayModule } from '../data-gateway/data-gateway.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { loggingParams } from './logging.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** JSON logging (pino) and the Prometheus endpoint `/metrics`. */
@Module({
  imports: [
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggingParams }),
    DataGatewayModule,
    StreamsModule,
  ],
  controllers: [MetricsController],
  providers: [MetricsService],
})
export class ObservabilityModule {}
