import { DynamicModule, Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { RequestValidationPipe } from './common/validation.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { DataModule } from './data/data.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { FoxgloveModule } from './foxglove/foxglove.module.js';
import { GraphqlPlatformModule } from './graphql/graphql.module.js';
import { HealthModule } from './health/health.module.js';
import { StreamsApiModule } from './streams-api/streams-api.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RecordingModule } from './recording/recording.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SiteModule } from './site/site.module.js';
import { StreamsModule } from './streams/streams.module.js';
import { SyncModule } from './sync/sync.module.js';

/** The whole service. `AppModule.forRoot(overrides)` lets tests change settings. */
@Module({})
export class AppModule {
  static forRoot(overrides: Partial<AppConfig> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(overrides),
        RedisModule,
        StreamsModule,
        GraphqlPlatformModule,
        // Before DataModule: `POST /data/import` must be matched before `POST /data/{sid}`.
        RecordingModule,
        DataModule,
        SyncModule,
        StreamsApiModule,
        DevicesModule,
        FoxgloveModule,
        HealthModule,
        ObservabilityModule,
        SiteModule,
        ConsoleModule,
      ],
      // Request DTOs (HTTP queries, GraphQL args) are validated the same way in tests and in main.
      providers: [{ provide: APP_PIPE, useClass: RequestValidationPipe }],
    };
  }
}
