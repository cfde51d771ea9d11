import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { WsModule } from '../ws/ws.module.js';
import { DataHttpController } from './http/data-http.controller.js';
import { DataHttpService } from './http/data-http.service.js';
import { MjpegController } from './mjpeg/mjpeg.controller.js';
import { MjpegService } from './mjpeg/mjpeg.service.js';
import { PullGateway } from './ws/pull.gateway.js';
import { PushGateway } from './ws/push.gateway.js';

/** The data path: WebSocket push and pull, the HTTP data endpoints and the MJPEG view. */
@Module({
  imports: [StreamsModule, AuthModule, WsModule],
  controllers: [DataHttpController, MjpegController],
  providers: [PushGateway, PullGateway, DataHttpService, MjpegService],
})
export class DataModule {}
