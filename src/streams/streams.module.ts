import { Module } from '@nestjs/common';
import { DataObserverModule } from '../common/data-observer.module.js';
import { MemoryPressureModule } from '../common/memory-pressure.module.js';
import { GroupSessions } from './sessions/group-sessions.js';
import { PullSessions } from './sessions/pull-sessions.js';
import { ReadHub } from './hub/read-hub.js';
import { GroupRepository } from './repositories/group.repository.js';
import { HubRepository } from './repositories/hub.repository.js';
import { StreamMetaRepository } from './repositories/stream-meta.repository.js';
import { StreamRepository } from './repositories/stream.repository.js';
import { SamplingRepository } from './repositories/sampling.repository.js';

const CORE_PROVIDERS = [
  StreamRepository,
  StreamMetaRepository,
  GroupRepository,
  HubRepository,
  SamplingRepository,
  ReadHub,
  PullSessions,
  GroupSessions,
];

/**
 * The streams core: its repositories (streams, their metadata, consumer groups, the hub's reads,
 * sampled reads), the shared live read hub and its sessions (pull, consumer group).
 */
@Module({
  imports: [DataObserverModule, MemoryPressureModule],
  providers: CORE_PROVIDERS,
  exports: CORE_PROVIDERS,
})
export class StreamsModule {}
