import { Module } from '@nestjs/common';
import { StreamsModule } from '../streams/streams.module.js';
import { DataHttpController } from './http/data-http.controller.js';
import { DataHttpService } from './http/data-http.service.js';
import { MjpegController } from './http/mjpeg.controller.js';
import { MjpegService } from './http/mjpeg.service.js';
import { PullGateway } from './pull.gateway.js';
import { McapExportService } from './recording/mcap-export.service.js';
import { McapImportService } from './recording/mcap-import.service.js';
import { RecordingController } from './recording/recording.controller.js';
import { PushGateway } from './push.gateway.js';

/**
 * The data path: WebSocket push/pull gateways (on `DataWsAdapter`), the HTTP data endpoints, the
 * MJPEG view and MCAP record/replay. `RecordingController` comes first: its `POST /data/import`
 * must be matched before `POST /data/{sid}`.
 */
@Module({
  imports: [StreamsModule],
  controllers: [RecordingController, DataHttpController, MjpegController],
  providers: [
    PushGateway,
    PullGateway,
    DataHttpService,
    MjpegService,
    McapExportService,
    McapImportService,
  ],
})
export class DataGatewayModule {}
