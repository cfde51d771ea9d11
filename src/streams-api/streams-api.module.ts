import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { DataResolver } from './data.resolver.js';
import { DataSubscriptions } from './data-subscriptions.service.js';
import { StreamMetaService } from './stream-meta.service.js';
import { StreamsResolver } from './streams.resolver.js';

/**
 * The streams GraphQL API: stream metadata and XINFO (queries, mutations over HTTP or WebSocket)
 * and the live `data` subscription.
 */
@Module({
  imports: [StreamsModule, AuthModule],
  providers: [StreamMetaService, DataSubscriptions, StreamsResolver, DataResolver],
  exports: [StreamMetaService],
})
export class StreamsApiModule {}
