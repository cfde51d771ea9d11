import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DataObserverModule } from '../common/data-observer.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { WsModule } from '../ws/ws.module.js';
import { ChannelDirectory } from './channel-directory.js';
import { FoxgloveGateway } from './foxglove.gateway.js';
import { LiveFeeds } from './live-feeds.js';
import { RetainedRange } from './retained-range.js';

/** `ws://HOST/foxglove`: every readable stream live in Foxglove or Lichtblick, with playback. */
@Module({
  imports: [StreamsModule, AuthModule, WsModule, DataObserverModule],
  providers: [ChannelDirectory, LiveFeeds, RetainedRange, FoxgloveGateway],
})
export class FoxgloveModule {}
