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
import type { Context, Disposable } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AuthService, remoteOf } from '../auth/auth.service.js';
import type { AuthContext } from '../auth/current-principal.decorator.js';
import { GraphqlConfig, LimitsConfig } from '../config/config-sections.js';
import { closeCodeFor, closeReason } from '../ws/close-codes.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { UpgradeRouter } from '../ws/upgrade-router.js';
import { routeServer } from '../ws/ws-server.js';
import { GRAPHQL_PATH } from './graphql-options.js';

/** Idle graphql-ws connections are pinged this often; one that misses a pong is dropped. */
const KEEP_ALIVE_MS = 12_000;
/** graphql-ws's close code for a refused or expired token (its `CloseCode.Unauthorized`). */
const UNAUTHORIZED = 4401;

type WsContext = Context<Record<string, unknown> | undefined, Extra & AuthContext>;

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
    private readonly auth: AuthService,
    @Inject(GraphqlConfig) private readonly config: GraphqlConfig,
    @Inject(LimitsConfig) limits: LimitsConfig,
  ) {
    this.server = routeServer({ maxPayload: limits.MAX_PAYLOAD_BYTES });
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
    this.disposable = useServer<Record<string, unknown> | undefined, AuthContext>(
      {
        schema: this.schemaHost.schema,
        validate: (schema, document) => validate(schema, document, rules),
        onConnect: (ctx) => this.authenticate(ctx),
        context: (ctx) => ({
          req: ctx.extra.request,
          connectionParams: ctx.connectionParams,
          principal: ctx.extra.principal,
        }),
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

  /**
   * At `connection_init`: the token from `connectionParams.authorization` (or the handshake's
   * header / `access_token`). Refused: close 4401. Accepted: closed with 4401 at its `exp`.
   */
  private async authenticate(ctx: WsContext): Promise<boolean> {
    const { request, socket } = ctx.extra;
    try {
      const token =
        this.auth.tokenOfConnectionParams(ctx.connectionParams) ?? this.auth.tokenOf(request);
      const principal = await this.auth.authenticate(token, remoteOf(request), 'graphql-ws');
      ctx.extra.principal = principal;
      this.auth.onExpiry(principal, socket, () => socket.close(UNAUTHORIZED, 'token expired'));
      return true;
    } catch (err) {
      if (!(err instanceof StreamerError)) {
        this.logger.error(`connection_init failed: ${(err as Error).stack}`);
        socket.close(closeCodeFor(ErrorCode.Internal), 'internal error');
      } else if (err.code === ErrorCode.Unauthenticated) {
        socket.close(UNAUTHORIZED, 'Unauthorized');
      } else {
        socket.close(closeCodeFor(err.code), closeReason(err.message));
      }
      // graphql-ws's own close (4403) is a no-op on a socket already closing.
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.disposable?.dispose();
    this.disposable = null;
  }
}
