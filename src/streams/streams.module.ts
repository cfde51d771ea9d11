import { Module } from '@nestjs/common';
import { DataObserverModule } from '../common/data-observer.module.js';
import { GroupSessions } from './sessions/group-sessions.js';
import { PullSessions } from './sessions/pull-sessions.js';
import { ReadHub } from './hub/read-hub.js';
import { StreamRepository } from './repositories/stream.repository.js';

/** The stream repository (every Redis Streams call), the shared live read hub and its sessions. */
@Module({
  imports: [DataObserverModule],
  providers: [StreamRepository, ReadHub, PullSessions, GroupSessions],
  exports: [StreamRepository, ReadHub, PullSessions, GroupSessions],
})
export class StreamsModule {}
