import { Module } from '@nestjs/common';
import { GroupSessions } from './sessions/group-sessions.js';
import { PullSessions } from './sessions/pull-sessions.js';
import { ReadHub } from './hub/read-hub.js';
import { StreamRepository } from './repositories/stream.repository.js';
import { SamplingRepository } from './repositories/sampling.repository.js';
import { SyncReader } from './sync/sync-reader.js';
import { SyncSessions } from './sync/sync-sessions.js';

const CORE_PROVIDERS = [
  StreamRepository,
  ReadHub,
  PullSessions,
  GroupSessions,
  SamplingRepository,
  SyncSessions,
  SyncReader,
];

/** The stream repository (every Redis Streams call), the shared live read hub and its sessions. */
@Module({
  providers: CORE_PROVIDERS,
  exports: CORE_PROVIDERS,
})
export class StreamsModule {}
