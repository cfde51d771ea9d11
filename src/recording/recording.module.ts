import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DataObserverModule } from '../common/data-observer.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { McapExportService } from './mcap-export.service.js';
import { McapImportService } from './mcap-import.service.js';
import { RecordingController } from './recording.controller.js';

/** Record and replay (docs/record-replay.md): MCAP export of streams and import of MCAP files. */
@Module({
  imports: [StreamsModule, DataObserverModule, AuthModule],
  controllers: [RecordingController],
  providers: [McapExportService, McapImportService],
})
export class RecordingModule {}
