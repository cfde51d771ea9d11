import { Module } from '@nestjs/common';
import { StreamsModule } from '../streams/streams.module.js';
import { DataGateway } from './data.gateway.js';
import { DataHttpController } from './http/data-http.controller.js';
import { DataHttpService } from './http/data-http.service.js';
import { MjpegController } from './http/mjpeg.controller.js';
import { MjpegService } from './http/mjpeg.service.js';
import { StreamerMetrics } from './streamer-metrics.js';

/** The data path: WebSocket push/pull, the HTTP data endpoints and the MJPEG view. */
@Module({
  imports: [StreamsModule],
  controllers: [DataHttpController, MjpegController],
  providers: [DataGateway, DataHttpService, MjpegService, StreamerMetrics],
  exports: [StreamerMetrics],
})
export class DataGatewayModule {}
