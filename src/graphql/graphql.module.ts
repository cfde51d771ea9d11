import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { AuthModule } from '../auth/auth.module.js';
import { AuthService } from '../auth/auth.service.js';
import { GraphqlConfig } from '../config/config-sections.js';
import { WsModule } from '../ws/ws.module.js';
import { graphqlOptions } from './graphql-options.js';
import { GraphQLWsGateway } from './graphql-ws.gateway.js';

/**
 * The GraphQL platform: Apollo at /graphql (queries and mutations over HTTP), graphql-ws on the
 * same path through the upgrade router, the error map and the scalars. Features add resolvers;
 * the schema is built from every resolver in the application.
 */
@Module({
  imports: [
    AuthModule,
    WsModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      // Apollo Server 5 on Express through its supported integration, @as-integrations/express5.
      driver: ApolloDriver,
      imports: [AuthModule],
      inject: [GraphqlConfig, AuthService],
      useFactory: graphqlOptions,
    }),
  ],
  providers: [GraphQLWsGateway],
})
export class GraphqlPlatformModule {}
