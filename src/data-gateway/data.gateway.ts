import { createRequire } from 'node:module';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { WebSocket, WebSocketServer } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { badRequest } from '../common/errors.js';
import { boolParam, cursorsParam, intParam, numberParam } from '../common/query.js';
import { PullSessions } from '../streams/pull-sessions.js';
import { parseSidList } from '../streams/sid.js';
import { StreamRepository } from '../streams/stream.repository.js';
import { UpgradeRouter } from '../upgrade/upgrade-router.js';
import { PullConnection } from './pull-connection.js';
import { PushConnection } from './push-connection.js';
import { reportLibraryCloses } from './socket-errors.js';
import { StreamerMetrics } from './streamer-metrics.js';

const DATA_PATH = /^\/data\/(.+)\/(push|pull)\/?$/;

interface PushParams {
  sids: string[];
  header: boolean;
  ack: boolean;
}

interface PullParams {
  sids: string[];
  cursors: string[];
  count: number;
  block: number;
  latest: boolean;
  maxFps: number;
  ack: boolean;
  header: boolean;
}

/**
 * The WebSocket data path: `/data/{sid}/push` and `/data/{sid}/pull` (SPEC "WebSocket push/pull").
 * Query parameters are validated before the upgrade (HTTP 400 when invalid); the connection
 * classes do the rest.
 */
@Injectable()
export class DataGateway implements OnModuleInit {
  private readonly logger = new Logger(DataGateway.name);
  private readonly server: WebSocketServer;
  private readonly pushers = new WeakMap<WebSocket, PushConnection>();

  constructor(
    private readonly router: UpgradeRouter,
    private readonly repository: StreamRepository,
    private readonly sessions: PullSessions,
    private readonly metrics: StreamerMetrics,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: config.MAX_PAYLOAD_BYTES,
      perMessageDeflate: false,
    });
  }

  onModuleInit(): void {
    this.logger.log(
      nativeMasking()
        ? 'WebSocket unmasking: native (bufferutil)'
        : 'WebSocket unmasking: JavaScript fallback (bufferutil not installed): large pushes cost more CPU',
    );
    this.router.register<PushParams>({
      kind: 'push',
      server: this.server,
      match: (url) => this.matchPush(url),
      drain: async (ws) => this.pushers.get(ws)?.drain(),
      connected: (ws, _req, p) => {
        reportLibraryCloses(ws, this.config.MAX_PAYLOAD_BYTES);
        const push = new PushConnection(
          ws,
          this.repository,
          { sids: p.sids, header: p.header, ack: p.ack, maxPending: this.config.PUSH_MAX_PENDING },
          this.logger,
          this.metrics.pushed,
        );
        this.pushers.set(ws, push);
      },
    });
    this.router.register<PullParams>({
      kind: 'pull',
      server: this.server,
      match: (url) => this.matchPull(url),
      connected: (ws, req, p) => {
        reportLibraryCloses(ws, this.config.MAX_PAYLOAD_BYTES);
        const sink = new PullConnection(
          ws,
          req.socket,
          {
            header: p.header,
            ack: p.ack,
            maxFps: p.maxFps,
            heartbeatMs: p.block,
            highWater: this.config.PULL_HIGH_WATER_BYTES,
          },
          this.metrics.pulled,
        );
        const session = this.sessions.create(
          {
            sids: p.sids,
            cursors: p.cursors,
            count: p.count,
            latest: p.latest,
            onDropped: this.metrics.dropped,
          },
          sink,
        );
        sink.attach(session);
        void session.start();
      },
    });
  }

  private matchPush(url: URL): PushParams | null {
    const m = DATA_PATH.exec(url.pathname);
    if (!m || m[2] !== 'push') return null;
    const q = url.searchParams;
    const sids = parseSidList(m[1], this.config.MAX_SIDS_PER_REQUEST);
    const header = boolParam(q, 'header', true);
    if (!header && sids.length > 1) throw badRequest('header=0 takes a single stream id');
    return { sids, header, ack: boolParam(q, 'ack', false) };
  }

  private matchPull(url: URL): PullParams | null {
    const m = DATA_PATH.exec(url.pathname);
    if (!m || m[2] !== 'pull') return null;
    const q = url.searchParams;
    const sids = parseSidList(m[1], this.config.MAX_SIDS_PER_REQUEST);
    const header = boolParam(q, 'header', true);
    if (!header && sids.length > 1) throw badRequest('header=0 takes a single stream id');
    return {
      sids,
      header,
      cursors: cursorsParam(q, sids),
      count: intParam(q, 'count', 1, 1, 10000),
      block: intParam(q, 'block', 5000, 0, 3_600_000),
      latest: boolParam(q, 'latest', false),
      maxFps: numberParam(q, 'max_fps', 0, 0, 10000),
      ack: boolParam(q, 'ack', false),
    };
  }
}

/**
 * Whether `ws` unmasks client frames with the native `bufferutil` (an optional dependency, as
 * `ws` loads it: `require`, unless `WS_NO_BUFFER_UTIL` is set) or with its per-byte JS loop.
 */
function nativeMasking(): boolean {
  if (process.env.WS_NO_BUFFER_UTIL) return false;
  try {
    createRequire(import.meta.url)('bufferutil');
    return true;
  } catch {
    return false;
  }
}
