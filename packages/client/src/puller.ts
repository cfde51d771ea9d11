import { accessToken, authHeaders, AuthOptions } from './auth.js';
import { StreamerClientError } from './errors.js';
import { PulledEntry } from './frames.js';
import { getEntries } from './http-data.js';
import { Outcome, PullConnection } from './pull-connection.js';
import { sleep } from './sleep.js';
import { rateParam, SyncOptions, TupleDescription } from './sync.js';
import { queryString, sidSegment, wsBase } from './urls.js';

export interface ReconnectOptions {
  /** First delay after a lost connection (ms, default 100); doubles up to `maxDelayMs`. */
  minDelayMs?: number;
  /** Longest delay between attempts (ms, default 5000). */
  maxDelayMs?: number;
  /** Consecutive failed attempts before giving up (default: never give up). */
  maxAttempts?: number;
}

export interface ReconnectEvent {
  /** 1 for the first retry after a connection was lost, counting up while attempts fail. */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface PullerOptions extends AuthOptions {
  /** Server base URL (default `http://localhost:8000`). */
  url?: string;
  /**
   * Where to start: `$` (default) = entries newer than now, `0` = from the beginning, an entry id,
   * or one of these per sid joined by `+`.
   */
  lastEntryId?: string;
  /** Most entries per stream per batch (server default 1). */
  count?: number;
  /** Frame dropping: only the newest entry of each stream per batch. */
  latest?: boolean;
  /** At most this many batches a second (server-side pacing; 0 = unlimited). */
  maxFps?: number;
  /**
   * Flow control: the server sends the next batch only once the consumer has taken every entry
   * of the previous one. With `latest`, each batch is then the newest entry at the moment the
   * consumer is ready, however slow it is (nothing stale piles up in between).
   */
  ack?: boolean;
  /**
   * Heartbeat interval the server uses when no data comes (ms, default 5000). A connection that
   * stays silent for twice as long (plus a second) is considered dead and replaced.
   */
  block?: number;
  /** Reconnect with backoff after a lost connection (default on); `false` to fail instead. */
  reconnect?: ReconnectOptions | false;
  /** Entries received but not yet consumed before the socket is paused (default 256). */
  maxQueue?: number;
  /** Called before every reconnect attempt. */
  onReconnect?: (event: ReconnectEvent) => void;
  /**
   * Asks the server for the gap signal (`gaps=1`) and is called with each gap, in order: after
   * the entries before it were consumed, before the entry it ends at (`gap.to`).
   */
  onGap?: (gap: GapEvent) => void;
  /**
   * A synchronized pull (docs/sync.md): batches are tuples of an entry of `sync.reference` and
   * each other stream's entry nearest in time. Iterate a `SyncPuller` to get them as tuples.
   */
  sync?: SyncOptions;
  /** Decimation per stream, in entries a second (`{ cam: 2 }`; 0 = in full). */
  rate?: Record<string, number>;
  /**
   * Asks for the tuples frame (`tuples=1`, with `sync`) and is called with each batch's tuples,
   * in order, before its entries are consumed (`SyncPuller` uses it).
   */
  onTuples?: (tuples: TupleDescription[]) => void;
  /** Aborting ends the iteration (like `close()`). */
  signal?: AbortSignal;
}

/**
 * Entries of stream `sid` between `from` and `to` (ids, both excluded) that the puller will never
 * get: trimmed from the stream before it read them, or skipped by `latest`. `missed` is exact
 * when `exact`, otherwise a lower bound.
 */
export interface GapEvent {
  sid: string;
  missed: number;
  from: string;
  to: string;
  exact: boolean;
}

/**
 * Reads `ws://HOST/data/{sid}/pull` as an async iterator of `{ sid, id, data }` (SPEC "WebSocket
 * pull"). When the connection is lost it reconnects with exponential backoff and resumes after
 * the last entry it delivered to the consumer, so the consumer sees no gap and no duplicate. A
 * `$` start is resolved to the stream's newest id first (`GET /data/{sid}`), so entries written
 * while reconnecting are not skipped either (except, by design, with `latest`).
 *
 * ```ts
 * for await (const { sid, id, data } of new Puller('counter', { lastEntryId: '0' })) { … }
 * ```
 */
export class Puller implements AsyncIterableIterator<PulledEntry> {
  readonly sids: readonly string[];
  /** Connections lost and re-established (or attempted) so far. */
  reconnects = 0;
  private readonly cursors = new Map<string, string>();
  private queue: (PulledEntry | { gap: GapEvent } | { tuples: TupleDescription[] })[] = [];
  private waiter: (() => void) | null = null;
  private connection: PullConnection | null = null;
  private paused = false;
  /** With `ack`: a batch was received and not acknowledged yet. */
  private needAck = false;
  private started = false;
  private stopped = false;
  private error: StreamerClientError | null = null;
  private readonly stop = new AbortController();

  constructor(
    sids: string | readonly string[],
    private readonly options: PullerOptions = {},
  ) {
    this.sids = typeof sids === 'string' ? [sids] : [...sids];
    sidSegment(this.sids); // refuses an empty list early
    const given = (options.lastEntryId ?? '$').split(/[+ ]/);
    if (given.length !== 1 && given.length !== this.sids.length) {
      throw new StreamerClientError(
        `lastEntryId has ${given.length} ids for ${this.sids.length} streams`,
        'BAD_REQUEST',
      );
    }
    this.sids.forEach((sid, i) => this.cursors.set(sid, given.length === 1 ? given[0] : given[i]));
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<PulledEntry>> {
    if (!this.started) {
      this.started = true;
      void this.run();
    }
    for (;;) {
      const entry = this.queue.shift();
      if (entry && 'gap' in entry) {
        this.options.onGap?.(entry.gap);
        continue;
      }
      if (entry && 'tuples' in entry) {
        this.options.onTuples?.(entry.tuples);
        continue;
      }
      if (entry) {
        this.cursors.set(entry.sid, entry.id);
        if (this.paused && this.queue.length <= this.maxQueue() >> 1) {
          this.paused = false;
          this.connection?.resume();
        }
        return { value: entry, done: false };
      }
      if (this.error) throw this.error;
      if (this.stopped) return { value: undefined, done: true };
      if (this.needAck) this.sendAck();
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Called by `for await` on `break`: stops pulling. */
  async return(): Promise<IteratorResult<PulledEntry>> {
    this.close();
    return { value: undefined, done: true };
  }

  /** `last_entry_id` that resumes right after the last entry delivered (one id per sid, `+`-joined). */
  position(): string {
    return this.sids.map((sid) => this.cursors.get(sid)).join('+');
  }

  /** Stops pulling; a pending `next()` ends the iteration. Idempotent. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stop.abort();
    this.connection?.close();
    this.wake();
  }

  private maxQueue(): number {
    return this.options.maxQueue ?? 256;
  }

  private sendAck(): void {
    this.needAck = false;
    this.connection?.ack();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private fail(error: StreamerClientError): void {
    this.error = error;
    this.stopped = true;
    this.wake();
  }

  /** Connects, and reconnects with backoff, until closed or refused for good. */
  private async run(): Promise<void> {
    const reconnect = this.options.reconnect === false ? null : (this.options.reconnect ?? {});
    let attempt = 0;
    while (!this.stopped) {
      const outcome = await this.connectOnce();
      if (this.stopped) return;
      if (outcome.fatal) return this.fail(outcome.fatal);
      if (outcome.opened) attempt = 0;
      attempt++;
      if (!reconnect || attempt > (reconnect.maxAttempts ?? Infinity)) {
        return this.fail(
          new StreamerClientError(`pull connection lost: ${outcome.reason}`, 'CLOSED'),
        );
      }
      const base = Math.min(
        reconnect.maxDelayMs ?? 5000,
        (reconnect.minDelayMs ?? 100) * 2 ** (attempt - 1),
      );
      const delayMs = Math.round(base * (0.5 + Math.random() * 0.5));
      this.reconnects++;
      this.options.onReconnect?.({ attempt, delayMs, reason: outcome.reason });
      // Entries received but not consumed are dropped: the next connection resumes after the
      // last one delivered, so they come again, in order.
      this.queue = [];
      this.paused = false;
      this.needAck = false;
      await sleep(delayMs, this.stop.signal);
    }
  }

  /** Resolves `$` cursors to the newest ids, so a reconnect cannot skip entries. */
  private async resolveNewCursors(): Promise<void> {
    const pending = this.sids.filter((sid) => this.cursors.get(sid) === '$');
    if (pending.length === 0 || this.options.latest) return;
    const { lastEntryId } = await getEntries(pending, {
      url: this.options.url,
      token: this.options.token,
      tokenIn: this.options.tokenIn,
      lastEntryId: '$',
      signal: this.stop.signal,
    });
    lastEntryId.split('+').forEach((id, i) => this.cursors.set(pending[i], id));
  }

  private async connectOnce(): Promise<Outcome> {
    try {
      await this.resolveNewCursors();
    } catch (err) {
      if (err instanceof StreamerClientError && err.status !== undefined && err.status < 500) {
        return { opened: false, reason: err.message, fatal: err };
      }
      return { opened: false, reason: err instanceof Error ? err.message : String(err) };
    }
    if (this.stopped) return { opened: false, reason: 'closed' };
    const o = this.options;
    const url = `${wsBase(o.url)}/data/${sidSegment(this.sids)}/pull${queryString({
      last_entry_id: this.position(),
      count: o.count,
      latest: o.latest,
      max_fps: o.maxFps,
      block: o.block,
      ack: o.ack ? true : undefined,
      gaps: o.onGap ? true : undefined,
      sync: o.sync?.reference,
      tolerance_ms: o.sync?.toleranceMs,
      max_wait_ms: o.sync?.maxWaitMs,
      tuples: o.sync && o.onTuples ? true : undefined,
      rate: o.rate ? rateParam(o.rate) : undefined,
      access_token: accessToken(o),
    })}`;
    const block = o.block ?? 5000;
    const connection = new PullConnection(
      url,
      { headers: authHeaders(o), idleMs: block > 0 ? block * 2 + 1000 : 0, ack: o.ack === true },
      {
        entries: (entries) => this.received(entries, connection),
        gap: (gap) => this.queue.push({ gap }),
        tuples: (tuples) => this.queue.push({ tuples }),
      },
    );
    this.connection = connection;
    const outcome = await connection.outcome;
    if (this.connection === connection) this.connection = null;
    return outcome;
  }

  /** A batch arrived: queued for the consumer; the socket pauses while the queue is full. */
  private received(entries: PulledEntry[], connection: PullConnection): void {
    this.queue.push(...entries);
    if (this.options.ack) this.needAck = true;
    if (!this.paused && this.queue.length >= this.maxQueue()) {
      this.paused = true;
      connection.pause();
    }
    this.wake();
  }
}
