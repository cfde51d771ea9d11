import { Module } from '@nestjs/common';
import { StreamsModule } from '../streams/streams.module.js';
import { DataHttpController } from './http/data-http.controller.js';
import { DataHttpService } from './http/data-http.service.js';
import { MjpegController } from './http/mjpeg.controller.js';
import { MjpegService } from './http/mjpeg.service.js';
import { PullGateway } from './pull.gateway.js';
import { PushGateway } from './push.gateway.js';

/** The data path: WebSocket push/pull gateways (on `DataWsAdapter`), the HTTP data endpoints and the MJPEG view. */
@Module({
  imports: [StreamsModule],
  controllers: [DataHttpController, MjpegController],
  providers: [PushGateway, PullGateway, DataHttpService, MjpegService],
})
export class DataGatewayModule {}
