import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { MemoryPlan } from '../config/memory-plan.js';

/**
 * How often resident memory is sampled (with a limit known): a catch-up reader takes in a 4 MiB
 * entry every few ms, so the gate must see a burst within a few entries. Reading
 * `/proc/self/status` costs about 30 µs.
 */
const SAMPLE_MS = 20;
/**
 * Longest the gate stays shut at a time: resident memory that stays high with nothing moving (pages
 * the allocator keeps) must not stop the service, only slow it: after this long, what waits goes
 * on, and the gate shuts again if memory is still high.
 */
const MAX_HOLD_MS = 1000;

/** Full collection, as `node --expose-gc` exposes it. */
type ExposedGc = (options: { type: 'major'; execution: 'sync' }) => void;

/** A byte budget as metrics show it: its size and what it holds now. */
export interface TrackedBudget {
  limit: number;
  inUse: () => number;
}

/** What waits for memory to be free again: Redis reads (`wait`), paused pushers (`onRelieved`). */
export interface MemoryGate {
  /** False with no memory limit known: the gate never shuts. */
  readonly enabled: boolean;
  /** Null while memory is fine; else a promise that resolves once it is (or the hold ends). */
  wait(): Promise<void> | null;
  /** Memory is above the relief mark: reads should go one at a time. */
  readonly tight: boolean;
}

/**
 * The service's memory gate. With a memory limit (`MemoryPlan.pressureBytes`) it samples the
 * process's private resident memory (`privateResidentBytes`) every 20 ms. Above the relief mark
 * reads go one at a time (`tight`); above the pressure mark it runs a full garbage collection
 * (with `--expose-gc`) and shuts: push connections pause their sockets (`PushBudget`), Redis reads
 * on the command channel and the hub's XREADs wait. Below the relief mark it opens again; if
 * memory stays high anyway, it opens for one sample each second, so the service slows down
 * instead of stopping. Appends already handed to Redis are never held back: they free memory when
 * they complete, and an entry is acked only once stored.
 */
@Injectable()
export class MemoryPressure implements MemoryGate, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MemoryPressure.name);
  /** True while resident memory is above the pressure mark (until the relief mark). */
  high = false;
  /** Private resident memory at the last sample (bytes). */
  rss = 0;
  /** Times the gate shut, and Redis reads that waited for it (for metrics). */
  episodes = 0;
  readsHeld = 0;
  private since = 0;
  private waiters: (() => void)[] = [];
  private readonly relievedListeners = new Set<() => void>();
  private readonly tracked = new Map<string, TrackedBudget>();
  private timer: NodeJS.Timeout | null = null;
  readonly enabled: boolean;

  constructor(@Inject(MemoryPlan) private readonly plan: MemoryPlan) {
    this.enabled = plan.pressureBytes !== null;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.check(privateResidentBytes()), SAMPLE_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.relieve();
  }

  get tight(): boolean {
    return this.plan.reliefBytes !== null && this.rss >= this.plan.reliefBytes;
  }

  wait(): Promise<void> | null {
    if (!this.high) return null;
    this.readsHeld++;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Calls `listener` each time what waits may go on again. */
  onRelieved(listener: () => void): void {
    this.relievedListeners.add(listener);
  }

  /** Reports budget `name`'s size and the bytes it holds now (read when metrics are scraped). */
  track(name: string, limit: number, inUse: () => number): void {
    this.tracked.set(name, { limit, inUse });
  }

  /** The budgets reported with `track`, by name. */
  budgets(): ReadonlyMap<string, TrackedBudget> {
    return this.tracked;
  }

  /** One sample of resident memory (`rss` bytes) at `now`. */
  check(rss: number, now = Date.now()): void {
    this.rss = rss;
    const { pressureBytes, reliefBytes } = this.plan;
    if (pressureBytes === null || reliefBytes === null) return;
    if (!this.high) {
      if (rss < pressureBytes) return;
      this.high = true;
      this.since = now;
      this.episodes++;
      if (this.episodes === 1 || this.episodes % 100 === 0) {
        this.logger.warn(
          `resident memory ${mib(rss)} MiB is near the limit (${mib(this.plan.limit!.bytes)} MiB): pushes pause, reads wait (${this.episodes} times so far)`,
        );
      }
      collect();
      return;
    }
    if (rss <= reliefBytes || now - this.since >= MAX_HOLD_MS) {
      // Held long enough: open until the next sample, which shuts it again if still needed.
      this.high = false;
      this.relieve();
    }
  }

  private relieve(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resume of waiters) resume();
    for (const listener of this.relievedListeners) listener();
  }
}

/**
 * The process's private resident memory (`RssAnon` of `/proc/self/status`): what a memory cgroup
 * cannot reclaim. File-backed pages (the node binary, libraries) count in RSS but the kernel drops
 * them under pressure. Elsewhere than Linux: the whole RSS.
 */
export function privateResidentBytes(): number {
  try {
    const match = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage.rss();
}

function collect(): void {
  (globalThis as { gc?: ExposedGc }).gc?.({ type: 'major', execution: 'sync' });
}

function mib(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
