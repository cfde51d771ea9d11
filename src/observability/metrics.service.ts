import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { getHeapStatistics } from 'node:v8';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { MemoryPressure, privateResidentBytes } from '../common/memory-pressure.js';
import { MemoryPlan } from '../config/memory-plan.js';
import { RedisConnections } from '../redis/redis-connections.js';
import type { RedisCommands } from '../redis/redis-commands.js';
import { REDIS_COMMAND } from '../redis/redis.tokens.js';
import { ReadHub } from '../streams/hub/read-hub.js';
import { UpgradeRouter } from '../ws/upgrade-router.js';
import { DataCounters } from './data-counters.js';

const PREFIX = 'redis_streamer_';
/** Connection kinds always reported, even at 0, so dashboards see the series from the start. */
const KINDS = ['push', 'pull', 'graphql', 'foxglove'];

/**
 * The Prometheus registry of this application instance (not prom-client's global one, so several
 * instances in one process, as in the tests, do not collide). The data path reports to
 * `DataCounters` (its `DataObserver`), which keeps plain numbers; they are read when `/metrics` is
 * scraped (`collect` callbacks), so nothing here runs per message.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  constructor(
    private readonly streamer: DataCounters,
    private readonly router: UpgradeRouter,
    private readonly hub: ReadHub,
    private readonly connections: RedisConnections,
    @Inject(REDIS_COMMAND) private readonly redis: RedisCommands,
    private readonly pressure: MemoryPressure,
    @Inject(MemoryPlan) private readonly plan: MemoryPlan,
  ) {}

  onModuleInit(): void {
    const { registry, streamer, router, hub, connections, redis } = this;
    collectDefaultMetrics({ register: registry });
    registry.registerMetric(streamer.xadd);

    new Gauge({
      name: `${PREFIX}websocket_connections`,
      help: 'Open WebSocket connections by kind (push, pull, graphql, foxglove)',
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
      'entries_missed_total',
      'Entries pullers with gaps=1 were told they missed (trimmed before read, or skipped by latest); lower bounds count as such',
      () => streamer.entriesMissed,
    );
    counter(
      'viewer_messages_dropped_total',
      'Live messages dropped (oldest first) for Foxglove viewers whose queue was over its byte budget',
      () => streamer.viewerMessagesDropped,
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
      'Blocking read connections of the live read hub (HUB_READERS; on a cluster one per hash slot read)',
      () => hub.stats().readers,
    );
    gauge(
      'hub_readers_active',
      'Hub read connections with at least one stream to read',
      () => hub.stats().activeReaders,
    );
    gauge('hub_streams', 'Streams the live read hub reads', () => hub.stats().streams);
    const { pressure, plan } = this;
    gauge(
      'memory_limit_bytes',
      'The memory limit the budgets are planned for (MEMORY_LIMIT_MB or the cgroup limit; 0: none known)',
      () => plan.limit?.bytes ?? 0,
    );
    gauge(
      'memory_resident_bytes',
      'Private resident memory of the process now (RssAnon: RSS without file-backed pages), what the pressure gate watches',
      privateResidentBytes,
    );
    gauge(
      'memory_pressure',
      '1 while resident memory is near the limit: pushes pause and Redis reads wait',
      () => (pressure.high ? 1 : 0),
    );
    counter(
      'memory_pressure_total',
      'Times resident memory reached the pressure mark (85% of the limit)',
      () => pressure.episodes,
    );
    counter(
      'memory_reads_held_total',
      'Redis reads that waited for memory to be free again',
      () => pressure.readsHeld,
    );
    this.memoryBudgetMetrics();
    gauge(
      'hub_listeners',
      'Pull sessions attached to the live read hub',
      () => hub.stats().listeners,
    );

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

  /** Each budget of the memory plan: its size and, where the service counts it, the bytes in use. */
  private memoryBudgetMetrics(): void {
    const { registry, pressure, plan } = this;
    const budgets: Record<string, number> = {
      pull_batch: plan.settings.PULL_BATCH_BYTES,
      pull_high_water: plan.settings.PULL_HIGH_WATER_BYTES,
      catch_up_read: plan.catchUpReadBytes,
      push_connection: plan.pushConnectionBytes,
    };
    new Gauge({
      name: `${PREFIX}memory_budget_bytes`,
      help: 'Size of each byte budget of the memory plan (heap: V8 heap size limit)',
      labelNames: ['budget'],
      registers: [registry],
      collect() {
        for (const [budget, limit] of Object.entries(budgets)) this.set({ budget }, limit);
        for (const [budget, tracked] of pressure.budgets()) this.set({ budget }, tracked.limit);
        this.set({ budget: 'heap' }, getHeapStatistics().heap_size_limit);
      },
    });
    new Gauge({
      name: `${PREFIX}memory_budget_used_bytes`,
      help: 'Bytes each counted budget holds now (heap: V8 heap in use)',
      labelNames: ['budget'],
      registers: [registry],
      collect() {
        for (const [budget, tracked] of pressure.budgets()) this.set({ budget }, tracked.inUse());
        this.set({ budget: 'heap' }, getHeapStatistics().used_heap_size);
      },
    });
  }

  /** The text exposition format (`Content-Type` from `contentType`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
