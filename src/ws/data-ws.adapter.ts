import { INestApplicationContext, Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import type { ClassConstructor } from 'class-transformer';
import { match } from 'path-to-regexp';
import type { Observable } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import { AuthService } from '../auth/auth.service.js';
import type { Principal, StreamAccess } from '../auth/principal.js';
import { LimitsConfig } from '../config/config-sections.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { validateQuery } from '../common/validation.js';
import { parseSidList } from '../streams/ids/sid.js';
import { UpgradeRouter } from './upgrade-router.js';
import { closeWithError } from './socket-errors.js';

/** A handshake's query DTO: validated by class-validator, then checked against the URL's sids. */
export interface HandshakeQuery<P extends { sids: string[] }> {
  forSids(sids: string[]): P;
}

/** Parameters that may ask for write permission on more than the URL's sids. */
interface ExtraWrites {
  alsoWrite?: string[];
}

/** What the router carries from the handshake to the connection. */
interface Handshake<P> {
  params: P;
  /** The caller, when auth is on. */
  principal?: Principal;
}

/** `@WebSocketGateway<DataGatewayOptions<P>>({...})` of a data-path gateway. */
export interface DataGatewayOptions<P extends { sids: string[] }> {
  /** Path pattern with a `:sid` parameter (the raw, percent-encoded `{sid}` segment). */
  path: string;
  /** Label for logs and connection counts. */
  kind: string;
  /** The permission a token needs on every sid of the URL (when auth is on). */
  access: StreamAccess;
  /** The query DTO; its `forSids` result is `handleConnection`'s third argument. */
  query: ClassConstructor<HandshakeQuery<P>>;
}

/**
 * Nest's `WsAdapter` for the data gateways, minus what the stock one does that this service must
 * not: it opens no port and adds no `upgrade` listener of its own (the stock one matches paths
 * exactly and destroys every other path's socket, graphql-ws included). Each gateway's path is
 * registered with the one `UpgradeRouter`, which validates the handshake (query DTO, sids) and
 * the caller's token (`AuthService`), refusing with HTTP 4xx before upgrading, then hands `(ws, req, params)` to `handleConnection`.
 * Sockets carry raw frames: no per-frame rxjs pipeline or JSON.parse, and shutdown closes them
 * with 1001 (the router) instead of terminating them.
 */
export class DataWsAdapter extends WsAdapter {
  private readonly router: UpgradeRouter;
  private readonly config: LimitsConfig;
  private readonly auth: AuthService;

  constructor(app: INestApplicationContext) {
    super(app);
    this.router = app.get(UpgradeRouter);
    this.config = app.get(LimitsConfig);
    this.auth = app.get(AuthService);
  }

  override create(port: number, options?: Record<string, unknown>): WebSocketServer {
    const { path, kind, access, query } = (options ?? {}) as Partial<
      DataGatewayOptions<{ sids: string[] }>
    >;
    if (port !== 0 || !path || !kind || !access || !query) {
      throw new Error(
        `DataWsAdapter serves gateways on the application's port only, with path, kind, access and query options (got port ${port}, path ${path})`,
      );
    }
    const server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.config.MAX_PAYLOAD_BYTES,
      perMessageDeflate: false,
    });
    const matchPath = match<{ sid: string }>(path, { decode: false });
    const auth = this.auth;
    this.router.register<Handshake<{ sids: string[] }>>({
      kind,
      server,
      match: (url) => {
        const found = matchPath(url.pathname);
        if (!found) return null;
        const sids = parseSidList(found.params.sid, this.config.MAX_SIDS_PER_REQUEST);
        return { params: validateQuery(query, url.searchParams).forSids(sids) };
      },
      authorize: auth.enabled
        ? async (req, handshake) => {
            const principal = await auth.authorizeRequest(req, access, handshake.params.sids, kind);
            const { alsoWrite } = handshake.params as ExtraWrites;
            if (alsoWrite) auth.require(principal, 'write', alsoWrite, kind);
            return { ...handshake, principal };
          }
        : undefined,
      connected: (ws, req, { params, principal }) => {
        // At the token's `exp`: the TOKEN_EXPIRED error frame, then close 1008.
        if (principal) {
          auth.onExpiry(principal, ws, () =>
            closeWithError(ws, new StreamerError(ErrorCode.TokenExpired, 'token expired')),
          );
        }
        server.emit('connection', ws, req, params);
      },
    });
    return server;
  }

  /** Raw gateways (no `@SubscribeMessage`) read their sockets themselves. */
  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    if (handlers.length > 0) super.bindMessageHandlers(client, handlers, transform);
  }

  /** Sockets were closed with 1001 by the router on shutdown; nothing is left to terminate. */
  override async close(server: WebSocketServer): Promise<void> {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Runs a gateway's connection set-up. Nest calls `handleConnection` inside an rxjs subscriber,
 * where a throw would resurface as an uncaught exception: instead, that one socket gets an error
 * frame and 1011.
 */
export function guardConnection(ws: WebSocket, logger: Logger, setup: () => void): void {
  try {
    setup();
  } catch (err) {
    logger.error(`connection set-up failed: ${err instanceof Error ? err.stack : String(err)}`);
    closeWithError(
      ws,
      err instanceof StreamerError ? err : new StreamerError(ErrorCode.Internal, 'internal error'),
    );
  }
}
