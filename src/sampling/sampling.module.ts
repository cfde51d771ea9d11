import { Module } from '@nestjs/common';
import { StreamsModule } from '../streams/streams.module.js';
import { SyncReader } from './sync-reader.js';
import { SyncSessions } from './sync-sessions.js';

/**
 * Reads that sample streams by time, over the streams core: synchronized tuples (each entry of a
 * reference stream with every other stream's entry nearest to it) and decimation (the newest
 * entry of each time window), live (`SyncSessions`) and over history (`SyncReader`). No transport:
 * the data feature's HTTP reads, the sync feature's WebSocket route and the MCAP export use it.
 */
@Module({
  imports: [StreamsModule],
  providers: [SyncSessions, SyncReader],
  exports: [SyncSessions, SyncReader],
})
export class SamplingModule {}
