import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { AuthService } from '../auth/auth.service.js';
import { AppConfig } from '../config/app-config.js';
import { StreamsModule } from '../streams/streams.module.js';
import { DataResolver } from './data.resolver.js';
import { DataSubscriptions } from './data-subscriptions.service.js';
import { graphqlOptions } from './graphql-options.js';
import { GraphQLWsGateway } from './graphql-ws.gateway.js';
import { StreamMetaService } from './stream-meta.service.js';
import { StreamsResolver } from './streams.resolver.js';

/**
 * GraphQL API at /graphql: stream metadata and XINFO (queries, mutations over HTTP or
 * WebSocket), live `data` subscriptions over graphql-ws, Apollo Sandbox in a browser.
 */
@Module({
  imports: [
    StreamsModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      // Apollo Server 5 on Express through its supported integration, @as-integrations/express5.
      driver: ApolloDriver,
      inject: [AppConfig, AuthService],
      useFactory: graphqlOptions,
    }),
  ],
  providers: [
    StreamMetaService,
    DataSubscriptions,
    StreamsResolver,
    DataResolver,
    GraphQLWsGateway,
  ],
  exports: [StreamMetaService],
})
export class MetaModule {}
