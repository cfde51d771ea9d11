import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { WebSocket } from 'ws';
import { allows } from '../auth/access-policy.js';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { DATA_OBSERVER } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { badRequest, StreamerError } from '../common/errors.js';
import { CloseCode } from '../ws/close-codes.js';
import { UpgradeRouter } from '../ws/upgrade-router.js';
import { FrameWriter } from '../ws/ws-frames.js';
import { routeServer } from '../ws/ws-server.js';
import { ChannelDirectory } from './channel-directory.js';
import { serverInfo, status, StatusLevel, SUBPROTOCOL } from './foxglove-protocol.js';
import { LiveFeeds } from './live-feeds.js';
import { RetainedRange } from './retained-range.js';
import { FoxgloveViewer } from './viewer.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';

const FOXGLOVE_PATH = '/foxglove';
/** Client messages are small JSON and playback requests: bigger frames are refused (1009). */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** Live messages queued for one viewer at most (bytes); past it the oldest are dropped. */
const VIEWER_BUDGET_BYTES = 16 * 1024 * 1024;
/** Socket backlog of one viewer above which nothing more is written until it drains. */
const VIEWER_HIGH_WATER_BYTES = 1024 * 1024;
/** Retained entries read at once for one viewer's playback (a larger entry travels alone). */
const PLAYBACK_PAGE_BYTES = 2 * 1024 * 1024;
/** Identifies this process's channel ids to reconnecting viewers. */
const SESSION_ID = randomUUID();

interface Params {
  principal: Principal | null;
}

/**
 * `ws://HOST/foxglove`: the Foxglove WebSocket protocol (`foxglove.websocket.v1`) over every
 * stream the token may read, for Foxglove and Lichtblick (see docs/foxglove.md). The handshake
 * needs the subprotocol and, with auth on, a token (`Authorization` or `access_token`).
 */
@Injectable()
export class FoxgloveGateway implements OnModuleInit {
  private readonly logger = new Logger(FoxgloveGateway.name);
  private readonly server = routeServer({
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  constructor(
    private readonly router: UpgradeRouter,
    private readonly auth: AuthService,
    private readonly directory: ChannelDirectory,
    private readonly feeds: LiveFeeds,
    private readonly range: RetainedRange,
    private readonly repository: StreamRepository,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
  ) {}

  onModuleInit(): void {
    this.router.register<Params>({
      kind: 'foxglove',
      server: this.server,
      match: (url) =>
        url.pathname === FOXGLOVE_PATH || url.pathname === `${FOXGLOVE_PATH}/`
          ? { principal: null }
          : null,
      authorize: async (req) => {
        const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',');
        if (!offered.some((p) => p.trim() === SUBPROTOCOL)) {
          throw badRequest(`the WebSocket subprotocol must be ${SUBPROTOCOL}`);
        }
        const principal = await this.auth.authenticateRequest(req, 'foxglove');
        return { principal };
      },
      connected: (ws, req, params) => this.connected(ws, req, params.principal!),
    });
  }

  private connected(ws: WebSocket, req: IncomingMessage, principal: Principal): void {
    const viewer = new FoxgloveViewer(ws, new FrameWriter(req.socket), principal, {
      directory: this.directory,
      feeds: this.feeds,
      repository: this.repository,
      budgetBytes: VIEWER_BUDGET_BYTES,
      highWaterBytes: VIEWER_HIGH_WATER_BYTES,
      playbackPageBytes: PLAYBACK_PAGE_BYTES,
      onSent: this.observer.pulled,
      onDropped: this.observer.viewerDropped,
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        viewer.onMessage(data, isBinary);
      } catch (err) {
        this.logger.error(`viewer message failed: ${(err as Error).stack}`);
        ws.close(CloseCode.InternalError, 'internal error');
      }
    });
    ws.once('close', () => viewer.close());
    this.auth.onExpiry(principal, ws, () => {
      ws.send(status(StatusLevel.Error, 'token expired'));
      ws.close(CloseCode.PolicyViolation, 'token expired');
    });
    void this.open(ws, viewer, principal);
  }

  /** Server info (with the retained range of the readable streams), then the advertisements. */
  private async open(ws: WebSocket, viewer: FoxgloveViewer, principal: Principal): Promise<void> {
    try {
      const range = await this.range.of((sid) => allows(principal, 'read', sid));
      if (ws.readyState !== WebSocket.OPEN) return viewer.close();
      ws.send(
        serverInfo({
          name: 'redis-streamer',
          capabilities: range ? ['time', 'playbackControl'] : ['time'],
          sessionId: SESSION_ID,
          metadata: {},
          range,
        }),
      );
      await viewer.start();
    } catch (err) {
      const message = err instanceof StreamerError ? err.message : 'internal error';
      if (!(err instanceof StreamerError))
        this.logger.error(`viewer start failed: ${(err as Error).stack}`);
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(status(StatusLevel.Error, message));
        ws.close(CloseCode.TryAgainLater, 'Redis unavailable');
      }
    }
  }
}
