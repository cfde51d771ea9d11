import { Module } from '@nestjs/common';
import { StreamsModule } from '../streams/streams.module.js';
import { DataGateway } from './data.gateway.js';
import { DataHttpController } from './http/data-http.controller.js';
import { DataHttpService } from './http/data-http.service.js';
import { StreamerMetrics } from './streamer-metrics.js';

/** The data path: WebSocket push/pull (and the HTTP data endpoints). */
@Module({
  imports: [StreamsModule],
  controllers: [DataHttpController],
  providers: [DataGateway, DataHttpService, StreamerMetrics],
  exports: [StreamerMetrics],
})
export class DataGatewayModule {}
