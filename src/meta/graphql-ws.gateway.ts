import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { NoSchemaIntrospectionCustomRule, specifiedRules, validate } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { UpgradeRouter } from '../upgrade/upgrade-router.js';
import { GRAPHQL_PATH } from './graphql-options.js';

/** Idle graphql-ws connections are pinged this often; one that misses a pong is dropped. */
const KEEP_ALIVE_MS = 12_000;

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, the graphql-ws library's protocol) at
 * `/graphql`, on the same port and through the same upgrade router as `/data/...`. Operations run
 * against Nest's schema, so they reach the same resolvers as HTTP requests.
 */
@Injectable()
export class GraphQLWsGateway
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(GraphQLWsGateway.name);
  private readonly server: WebSocketServer;
  private disposable: Disposable | null = null;

  constructor(
    private readonly router: UpgradeRouter,
    private readonly schemaHost: GraphQLSchemaHost,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: config.MAX_PAYLOAD_BYTES,
      perMessageDeflate: false,
    });
  }

  onModuleInit(): void {
    this.router.register<Record<string, never>>({
      kind: 'graphql',
      server: this.server,
      match: (url) =>
        url.pathname === GRAPHQL_PATH || url.pathname === `${GRAPHQL_PATH}/` ? {} : null,
      // graphql-ws listens for the server's `connection` event; the router did the handshake.
      connected: (ws, req) => this.server.emit('connection', ws, req),
    });
  }

  /** The schema exists once every module is initialised. */
  onApplicationBootstrap(): void {
    const rules = this.config.GRAPHQL_SANDBOX
      ? specifiedRules
      : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    this.disposable = useServer(
      {
        schema: this.schemaHost.schema,
        validate: (schema, document) => validate(schema, document, rules),
        context: (ctx) => ({ req: ctx.extra.request, connectionParams: ctx.connectionParams }),
        // Internal failures close sockets with a generic reason, never with their message.
        isProd: true,
        onError: (_ctx, id, _payload, errors) => {
          this.logger.debug(`operation ${id} failed: ${errors.map((e) => e.message).join('; ')}`);
        },
      },
      this.server,
      KEEP_ALIVE_MS,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.disposable?.dispose();
    this.disposable = null;
  }
}
