import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AuthModule } from '../auth/auth.module.js';
import { DataObserverModule } from '../common/data-observer.module.js';
import { MemoryPressureModule } from '../common/memory-pressure.module.js';
import { LimitsConfig } from '../config/config-sections.js';
import { SamplingModule } from '../sampling/sampling.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { WsModule } from '../ws/ws.module.js';
import { DataHttpController } from './http/data-http.controller.js';
import { DataHttpService } from './http/data-http.service.js';
import { entriesUploadOptions } from './http/entries-upload.interceptor.js';
import { MjpegController } from './mjpeg/mjpeg.controller.js';
import { MjpegService } from './mjpeg/mjpeg.service.js';
import { PullGateway } from './ws/pull.gateway.js';
import { PushGateway } from './ws/push.gateway.js';

/** The data path: WebSocket push and pull, the HTTP data endpoints and the MJPEG view. */
@Module({
  imports: [
    StreamsModule,
    SamplingModule,
    DataObserverModule,
    MemoryPressureModule,
    AuthModule,
    WsModule,
    MulterModule.registerAsync({ inject: [LimitsConfig], useFactory: entriesUploadOptions }),
  ],
  controllers: [DataHttpController, MjpegController],
  providers: [PushGateway, PullGateway, DataHttpService, MjpegService],
})
export class DataModule {}
