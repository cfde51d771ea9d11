import { Module } from '@nestjs/common';
import { PullSessions } from './pull-sessions.js';
import { ReadHub } from './read-hub.js';
import { StreamRepository } from './stream.repository.js';

/** The stream repository (every Redis Streams call) and the shared live read hub. */
@Module({
  providers: [StreamRepository, ReadHub, PullSessions],
  exports: [StreamRepository, ReadHub, PullSessions],
})
export class StreamsModule {}
