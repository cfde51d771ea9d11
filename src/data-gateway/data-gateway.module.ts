import { Module } from '@nestjs/common';
import { StreamsModule } from '../streams/streams.module.js';
import { DataGateway } from './data.gateway.js';
import { StreamerMetrics } from './streamer-metrics.js';

/** The data path: WebSocket push/pull (and the HTTP data endpoints). */
@Module({
  imports: [StreamsModule],
  providers: [DataGateway, StreamerMetrics],
  exports: [StreamerMetrics],
})
export class DataGatewayModule {}
