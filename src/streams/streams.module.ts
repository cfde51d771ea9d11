import { Module } from '@nestjs/common';
import { GroupSessions } from './group-sessions.js';
import { PullSessions } from './pull-sessions.js';
import { ReadHub } from './read-hub.js';
import { StreamRepository } from './stream.repository.js';

/** The stream repository (every Redis Streams call), the shared live read hub and its sessions. */
@Module({
  providers: [StreamRepository, ReadHub, PullSessions, GroupSessions],
  exports: [StreamRepository, ReadHub, PullSessions, GroupSessions],
})
export class StreamsModule {}
