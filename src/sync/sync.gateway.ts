import { Inject, Injectable, Logger } from '@nestjs/common';
import { match } from 'path-to-regexp';
import { WebSocket, WebSocketServer } from 'ws';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { DATA_OBSERVER } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { validateQuery } from '../common/validation.js';
import { AppConfig } from '../config/app-config.js';
import { parseSidList } from '../streams/ids/sid.js';
import { SyncSessions } from '../streams/sync/sync-sessions.js';
import { guardConnection } from '../ws/data-ws.adapter.js';
import { closeWithError, reportLibraryCloses } from '../ws/socket-errors.js';
import { UpgradeRouter } from '../ws/upgrade-router.js';
import { SyncConnection } from './sync-connection.js';
import { SyncPullParams, SyncPullQuery } from './sync-pull.query.js';

const PULL_PATH = match<{ sid: string }>('/data/:sid/pull', { decode: false });

interface Handshake {
  params: SyncPullParams;
  principal?: Principal;
}

/**
 * `ws://HOST/data/{sid}/pull` with `sync` or `rate` in the query (docs/sync.md): synchronized
 * tuples and decimated streams. The route owns the data pull's path only for those queries
 * (`match` passes every other handshake on), so it must come before the plain pull's route:
 * it is registered when this provider is created, before any route is registered on start-up.
 */
@Injectable()
export class SyncGateway {
  private readonly logger = new Logger(SyncGateway.name);
  private readonly server: WebSocketServer;

  constructor(
    router: UpgradeRouter,
    private readonly sessions: SyncSessions,
    private readonly auth: AuthService,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: config.MAX_PAYLOAD_BYTES,
      perMessageDeflate: false,
    });
    router.register<Handshake>({
      kind: 'sync',
      server: this.server,
      match: (url) => this.match(url),
      authorize: auth.enabled
        ? async (req, handshake) => ({
            ...handshake,
            principal: await auth.authorizeRequest(req, 'read', handshake.params.sids, 'sync'),
          })
        : undefined,
      connected: (ws, _req, { params, principal }) =>
        guardConnection(ws, this.logger, () => {
          if (principal) {
            auth.onExpiry(principal, ws, () =>
              closeWithError(ws, new StreamerError(ErrorCode.TokenExpired, 'token expired')),
            );
          }
          this.connect(ws, params);
        }),
    });
  }

  /** The handshake's parameters when it is a pull asking for `sync` or `rate`, else null. */
  private match(url: URL): Handshake | null {
    const { searchParams } = url;
    if (!searchParams.has('sync') && !searchParams.has('rate')) return null;
    const found = PULL_PATH(url.pathname);
    if (!found) return null;
    const sids = parseSidList(found.params.sid, this.config.MAX_SIDS_PER_REQUEST);
    return { params: validateQuery(SyncPullQuery, searchParams).forSids(sids) };
  }

  private connect(ws: WebSocket, p: SyncPullParams): void {
    reportLibraryCloses(ws, this.config.MAX_PAYLOAD_BYTES);
    const highWater = this.config.PULL_HIGH_WATER_BYTES;
    const sink = new SyncConnection(ws, {
      ack: p.ack,
      heartbeatMs: p.block,
      highWater,
      tuples: p.tuples,
      onDelivered: this.observer.pulled,
    });
    const session = this.sessions.create(
      {
        sids: p.sids,
        cursors: p.cursors,
        count: p.count,
        latest: p.latest,
        gaps: p.gaps,
        sync: p.sync,
        rates: p.rates,
        onDropped: this.observer.dropped,
        onMissed: this.observer.missed,
        readAheadBytes: Math.max(4 * highWater, 1024 * 1024),
      },
      sink,
    );
    sink.attach(session);
    void session.start();
  }
}
