import { IncomingMessage, Server, STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';
import { WsConfig } from '../config/config-sections.js';
import { CloseCode } from './close-codes.js';
import { ErrorCode, httpStatusFor, StreamerError } from '../common/errors.js';
import { Keepalive } from './keepalive.js';

/** A kind of WebSocket endpoint: which paths it owns and what to do with a connection. */
export interface UpgradeRoute<P> {
  /** Label for logs and connection counts (`push`, `pull`, `graphql`). */
  kind: string;
  /** The route's parameters when it owns `url`, else null. May throw a StreamerError (-> HTTP 4xx). */
  match(url: URL): P | null;
  /**
   * Optional check before the upgrade (authentication, permissions): resolves the parameters to
   * connect with, or rejects with a StreamerError (-> HTTP 401/403/...).
   */
  authorize?(req: IncomingMessage, params: P): Promise<P>;
  /** The server that completes the handshake (its options: maxPayload, subprotocols, ...). */
  server: WebSocketServer;
  /** Called once the socket is open. */
  connected(ws: WebSocket, req: IncomingMessage, params: P): void;
}

/**
 * The one `upgrade` listener of the HTTP server: routes each WebSocket handshake by path, refuses
 * unknown paths with 404 and invalid ones with 4xx before upgrading, enforces MAX_CONNECTIONS, and
 * closes every socket with 1001 on shutdown.
 */
@Injectable()
export class UpgradeRouter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UpgradeRouter.name);
  private readonly routes: UpgradeRoute<unknown>[] = [];
  private readonly sockets = new Map<WebSocket, string>();
  private readonly drains = new Map<WebSocket, () => Promise<void>>();
  private nextConnectionId = 0;
  private readonly counts = new Map<string, number>();
  private server: Server | null = null;
  private accepting = true;
  /** Handshakes past the limit check whose authorization is still running. */
  private authorizing = 0;
  private readonly keepalive: Keepalive;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.route(req, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(WsConfig) private readonly config: WsConfig,
  ) {
    this.keepalive = new Keepalive(config.WS_PING_INTERVAL_MS);
  }

  register<P>(route: UpgradeRoute<P>): void {
    this.routes.push(route as UpgradeRoute<unknown>);
  }

  /**
   * On shutdown, `drain` is awaited (bounded) before `ws` is closed with 1001: a pusher stops
   * taking entries and answers the acks in flight.
   */
  drainBeforeClose(ws: WebSocket, drain: () => Promise<void>): void {
    if (this.sockets.has(ws)) this.drains.set(ws, drain);
  }

  /** Open WebSocket connections by kind. */
  connectionCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  /** Stops taking handshakes and closes every open socket with 1001, waiting (bounded) for them. */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    this.keepalive.stop();
    // Let pushers flush their acks while the sockets are still open (bounded).
    await Promise.race([
      Promise.all([...this.drains.values()].map((drain) => drain().catch(() => undefined))),
      new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    const closing = [...this.sockets.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(CloseCode.GoingAway, 'server shutting down');
        }),
    );
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.all(closing), timeout]);
    for (const ws of this.sockets.keys()) ws.terminate();
    this.server?.off('upgrade', this.onUpgrade);
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuse(socket, 400, 'malformed request URL', ErrorCode.BadRequest);
    }
    for (const route of this.routes) {
      let params: unknown;
      try {
        params = route.match(url);
      } catch (err) {
        return this.refuseFor(socket, err, route.kind);
      }
      if (params === null) continue;
      if (!this.accepting)
        return refuse(socket, 503, 'server shutting down', ErrorCode.ShuttingDown);
      const max = this.config.MAX_CONNECTIONS;
      if (max > 0 && this.sockets.size + this.authorizing >= max) {
        return refuse(
          socket,
          httpStatusFor(ErrorCode.Overloaded),
          `too many connections (max ${max})`,
          ErrorCode.Overloaded,
        );
      }
      if (!route.authorize) return this.upgrade(route, req, socket, head, params);
      // A handshake waiting for its token check holds a place, so that concurrent handshakes
      // cannot pass the limit while they are authorized.
      this.authorizing++;
      route.authorize(req, params).then(
        (authorized) => {
          this.authorizing--;
          if (!this.accepting) refuse(socket, 503, 'server shutting down', ErrorCode.ShuttingDown);
          else if (!socket.destroyed) this.upgrade(route, req, socket, head, authorized);
        },
        (err: unknown) => {
          this.authorizing--;
          this.refuseFor(socket, err, route.kind);
        },
      );
      return;
    }
    refuse(socket, 404, `no WebSocket endpoint at ${url.pathname}`, 'NOT_FOUND');
  }

  /** A StreamerError becomes its HTTP status; anything else is a bug: logged, answered 500. */
  private refuseFor(socket: Duplex, err: unknown, kind: string): void {
    if (err instanceof StreamerError)
      return refuse(socket, httpStatusFor(err.code), err.message, err.code);
    this.logger.error(`upgrade route ${kind} failed: ${(err as Error).stack}`);
    refuse(socket, 500, 'internal error', ErrorCode.Internal);
  }

  private upgrade(
    route: UpgradeRoute<unknown>,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    params: unknown,
  ): void {
    route.server.handleUpgrade(req, socket, head, (ws) => {
      this.track(ws, route.kind);
      route.connected(ws, req, params);
    });
  }

  private track(ws: WebSocket, kind: string): void {
    // Protocol errors (oversized frame, invalid UTF-8) are emitted as 'error' after ws has
    // started the close; without a listener they would crash the process.
    ws.on('error', (err: Error) => this.logger.debug(`${kind} socket error: ${err.message}`));
    this.sockets.set(ws, kind);
    this.keepalive.watch(ws);
    const id = ++this.nextConnectionId;
    this.logger.debug(`connection ${id} (${kind}) opened`);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    ws.once('close', (code: number) => {
      this.logger.debug(`connection ${id} (${kind}) closed with ${code}`);
      this.sockets.delete(ws);
      this.drains.delete(ws);
      this.counts.set(kind, (this.counts.get(kind) ?? 1) - 1);
    });
  }
}

/** Answers a handshake with an HTTP error and a JSON body, then closes the socket. */
function refuse(
  socket: Duplex,
  status: number,
  message: string,
  code: ErrorCode | 'NOT_FOUND',
): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
