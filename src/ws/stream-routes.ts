import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import { match } from 'path-to-regexp';
import { WebSocket } from 'ws';
import { AccessPolicy } from '../auth/access-policy.js';
import { AuthService } from '../auth/auth.service.js';
import type { Principal, StreamAccess } from '../auth/principal.js';
import { LimitsConfig } from '../config/config-sections.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { validateQuery } from '../common/validation.js';
import { parseSidList } from '../streams/ids/sid.js';
import { closeWithError, protocolWebSocket } from './socket-errors.js';
import { UpgradeRouter } from './upgrade-router.js';
import { routeServer } from './ws-server.js';
import { FrameWriter } from './ws-frames.js';

/** A handshake's query DTO: validated by class-validator, then checked against the URL's sids. */
interface HandshakeQuery<P extends { sids: string[] }> {
  forSids(sids: string[]): P;
}

/** A permission a connection needs on some sids. */
interface AccessNeed {
  access: StreamAccess;
  sids: readonly string[];
}

/** An open connection of a stream route. */
export interface StreamConnection<P> {
  readonly ws: WebSocket;
  /** What the handshake's query DTO gave (`forSids`). */
  readonly params: P;
  /** Writes whole batches straight to the socket under `ws`. */
  readonly frames: FrameWriter;
  /** On shutdown, `drain` is awaited (bounded) before the socket is closed with 1001. */
  drainBeforeClose(drain: () => Promise<void>): void;
}

/** A WebSocket route whose path names streams in a `:sid` segment. */
export interface StreamRoute<P extends { sids: string[] }> {
  /** Path pattern with a `:sid` parameter (the raw, percent-encoded `{sid}` segment). */
  path: string;
  /** Label for logs and connection counts. */
  kind: string;
  /** The query DTO, validated before the upgrade; its `forSids` gives the connection's params. */
  query: ClassConstructor<HandshakeQuery<P>>;
  /**
   * When given, the route takes only the handshakes whose query it accepts; the others go on to
   * the routes registered after it (a feature serving a path with a parameter of its own).
   */
  accepts?(query: URLSearchParams): boolean;
  /** What the caller's token must allow (when auth is on), checked before the upgrade. */
  access(params: P): readonly AccessNeed[];
  /** Called once the socket is open. A throw closes that socket only (error frame, 1011). */
  connected(connection: StreamConnection<P>): void;
}

/** What the router carries from the handshake to the connection. */
interface Handshake<P> {
  params: P;
  /** The caller, when auth is on. */
  principal?: Principal;
}

/**
 * Registers stream routes with the `UpgradeRouter`: the handshake's sids and query are
 * validated and the caller's token checked against the route's access declaration
 * (`AccessPolicy`) before the upgrade, each refused with HTTP 4xx and a JSON body; an accepted
 * connection is closed with TOKEN_EXPIRED (1008) when its token expires. Sockets carry raw frames
 * (no per-frame JSON.parse) and follow the error-frame protocol on library closes too.
 */
@Injectable()
export class StreamRoutes {
  private readonly logger = new Logger(StreamRoutes.name);

  constructor(
    private readonly router: UpgradeRouter,
    private readonly auth: AuthService,
    private readonly policy: AccessPolicy,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /** Routes are tried in the order they were registered. */
  register<P extends { sids: string[] }>(route: StreamRoute<P>): void {
    const { kind, query } = route;
    const maxPayload = this.config.MAX_PAYLOAD_BYTES;
    const server = routeServer({
      clientTracking: false,
      maxPayload,
      WebSocket: protocolWebSocket(maxPayload),
    });
    const matchPath = match<{ sid: string }>(route.path, { decode: false });
    this.router.register<Handshake<P>>({
      kind,
      server,
      match: (url) => {
        if (route.accepts && !route.accepts(url.searchParams)) return null;
        const found = matchPath(url.pathname);
        if (!found) return null;
        const sids = parseSidList(found.params.sid, this.config.MAX_SIDS_PER_REQUEST);
        return { params: validateQuery(query, url.searchParams).forSids(sids) };
      },
      authorize: this.auth.enabled
        ? async (req, handshake) => {
            const principal = await this.auth.authenticateRequest(req, kind);
            for (const need of route.access(handshake.params)) {
              this.policy.require(principal, need.access, need.sids, kind);
            }
            return { ...handshake, principal };
          }
        : undefined,
      connected: (ws, req, handshake) => this.connected(route, ws, req, handshake),
    });
  }

  private connected<P extends { sids: string[] }>(
    route: StreamRoute<P>,
    ws: WebSocket,
    req: IncomingMessage,
    { params, principal }: Handshake<P>,
  ): void {
    // At the token's `exp`: the TOKEN_EXPIRED error frame, then close 1008.
    if (principal) {
      this.auth.onExpiry(principal, ws, () =>
        closeWithError(ws, new StreamerError(ErrorCode.TokenExpired, 'token expired')),
      );
    }
    guardConnection(ws, this.logger, () =>
      route.connected({
        ws,
        params,
        frames: new FrameWriter(req.socket),
        drainBeforeClose: (drain) => this.router.drainBeforeClose(ws, drain),
      }),
    );
  }
}

/**
 * Runs a route's connection set-up: a throw there closes that one socket with an error frame and
 * 1011 instead of surfacing as an uncaught exception.
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
