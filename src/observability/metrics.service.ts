import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { StreamerMetrics } from '../data-gateway/streamer-metrics.js';
import { RedisConnections } from '../redis/redis-connections.js';
import type { RedisConnection } from '../redis/redis-connections.js';
import { REDIS_COMMAND } from '../redis/redis.tokens.js';
import { ReadHub } from '../streams/read-hub.js';
import { APPEND_SAMPLE_EVERY, StreamRepository } from '../streams/stream.repository.js';
import { UpgradeRouter } from '../upgrade/upgrade-router.js';
import { LatencyHistogram } from './latency-histogram.js';

const PREFIX = 'redis_streamer_';
/** Connection kinds always reported, even at 0, so dashboards see the series from the start. */
const KINDS = ['push', 'pull', 'graphql'];
/** XADD round trips are sub-millisecond on a local Redis; the tail goes up to a second. */
const XADD_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/**
 * The Prometheus registry of this application instance (not prom-client's global one, so several
 * instances in one process, as in the tests, do not collide). The data path keeps plain counters;
 * they are read when `/metrics` is scraped (`collect` callbacks), so nothing here runs per message
 * except `LatencyHistogram.record` for a sample of the XADDs.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly xadd = new LatencyHistogram(
    `${PREFIX}xadd_duration_seconds`,
    `Round trip of successful XADDs (push path), seconds; one XADD in ${APPEND_SAMPLE_EVERY} is timed`,
    XADD_BUCKETS,
    this.registry,
  );
  private readonly recordXadd = (seconds: number) => this.xadd.record(seconds);

  constructor(
    private readonly streamer: StreamerMetrics,
    private readonly router: UpgradeRouter,
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    private readonly connections: RedisConnections,
    @Inject(REDIS_COMMAND) private readonly redis: RedisConnection,
  ) {}

  onModuleInit(): void {
    const { registry, streamer, router, hub, connections, redis } = this;
    collectDefaultMetrics({ register: registry });

    new Gauge({
      name: `${PREFIX}websocket_connections`,
      help: 'Open WebSocket connections by kind (push, pull, graphql)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const counts = router.connectionCounts();
        for (const kind of new Set([...KINDS, ...Object.keys(counts)])) {
          this.set({ kind }, counts[kind] ?? 0);
        }
      },
    });
    counter('entries_pushed_total', 'Entries received from pushers', () => streamer.entriesPushed);
    counter(
      'bytes_pushed_total',
      'Payload bytes received from pushers',
      () => streamer.bytesPushed,
    );
    counter('entries_pulled_total', 'Entries sent to pullers', () => streamer.entriesPulled);
    counter('bytes_pulled_total', 'Payload bytes sent to pullers', () => streamer.bytesPulled);
    counter(
      'entries_dropped_total',
      'Entries skipped for pullers with latest=1 (only the newest entry is sent)',
      () => streamer.entriesDropped,
    );
    counter(
      'redis_errors_total',
      'Errors reported by Redis connections (refused connects, resets, timeouts)',
      () => connections.errorCount,
    );
    gauge('redis_up', '1 while the shared Redis command connection is ready', () =>
      redis.isReady ? 1 : 0,
    );
    gauge(
      'hub_readers',
      'Blocking read connections of the live read hub (HUB_READERS)',
      () => hub.stats().readers,
    );
    gauge(
      'hub_readers_active',
      'Hub read connections with at least one stream to read',
      () => hub.stats().activeReaders,
    );
    gauge('hub_streams', 'Streams the live read hub reads', () => hub.stats().streams);
    gauge(
      'hub_listeners',
      'Pull sessions attached to the live read hub',
      () => hub.stats().listeners,
    );
    this.repository.appendTimed = this.recordXadd;

    function counter(name: string, help: string, read: () => number): void {
      new Counter({
        name: PREFIX + name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    }
    function gauge(name: string, help: string, read: () => number): void {
      new Gauge({
        name: PREFIX + name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    }
  }

  onModuleDestroy(): void {
    if (this.repository.appendTimed === this.recordXadd) this.repository.appendTimed = null;
  }

  /** The text exposition format (`Content-Type` from `contentType`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
