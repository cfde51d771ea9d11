import { ErrorCode, StreamerError } from '../common/errors.js';
import { compareIds, normalizeId, ZERO_ID } from './entry-id.js';
import { HubListener, ReadHub } from './read-hub.js';
import { StreamRepository } from './stream.repository.js';
import { Entry } from './stream.types.js';

/** One entry of a batch handed to a sink. */
export interface BatchEntry {
  sid: string;
  id: string;
  data: Buffer;
}

/** Where a pull session delivers (a WebSocket, a GraphQL subscription, an HTTP response). */
export interface PullSink {
  /** Whether a batch may be sent now; when it turns true again the sink calls `session.pump()`. */
  canSend(): boolean;
  /** Delivers one batch: at most `count` entries per stream (one with `latest`), in stream order. */
  send(batch: BatchEntry[]): void;
  /** The session stopped for good (Redis unreachable or failing). */
  fail(error: StreamerError): void;
}

export interface PullOptions {
  sids: readonly string[];
  /** One start cursor per sid: `$` (new entries only), `0`/`-` (from the beginning) or an id. */
  cursors: readonly string[];
  /** Most entries per stream per batch. */
  count: number;
  /** Keep only the newest entry of each stream between batches. */
  latest: boolean;
  /** Entries skipped because of `latest` (for metrics). */
  onDropped?: (n: number) => void;
}

/** Entries queued per session (bytes) before it stops taking live entries and catches up later. */
const QUEUE_BYTES = 4 * 1024 * 1024;
/** Catch-up reads aim at about this many bytes per XRANGE. */
const FETCH_BYTES = 1024 * 1024;
const MAX_FETCH = 1000;
/** Live batches remembered while a catch-up read is in flight; more means another read. */
const MAX_PENDING_LIVE = 64;

interface Lane {
  sid: string;
  /** Id of the newest entry taken into the queue (or delivered). */
  cursor: string;
  queue: Entry[];
  head: number;
  /** Entries after `cursor` may exist that are not queued: read them with XRANGE. */
  behind: boolean;
  fetching: boolean;
  /** Live batches that arrived during the catch-up read in flight (null: overflowed). */
  pendingLive: { prevId: string; entries: Entry[] }[] | null;
  /** With `latest`: the newest entry not sent yet. */
  slot: Entry | null;
}

/**
 * Delivers the entries of several streams to one sink, in order, with no gap and no duplicate:
 * history from the cursor is read with XRANGE, then live entries come from the shared `ReadHub`.
 *
 * Memory is bounded: without `latest`, at most QUEUE_BYTES are queued; when the sink is slow the
 * session stops taking live entries and later catches up from Redis at its own cursor. With
 * `latest`, each stream holds at most one pending entry, the newest.
 */
export class PullSession implements HubListener {
  private readonly lanes = new Map<string, Lane>();
  private readonly order: Lane[] = [];
  private queuedBytes = 0;
  private avgEntryBytes = 64 * 1024;
  private closed = false;
  private started = false;
  private pumping = false;

  constructor(
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    private readonly options: PullOptions,
    private readonly sink: PullSink,
  ) {}

  /** Resolves the start cursors against Redis and joins the live hub. Never rejects: failures go to the sink. */
  async start(): Promise<void> {
    try {
      const newest = await Promise.all(this.options.sids.map((sid) => this.repository.latest(sid)));
      if (!this.closed) this.join(newest);
    } catch (err) {
      this.fail(err);
    }
  }

  private join(newest: (Entry | null)[]): void {
    const { sids, cursors, latest } = this.options;
    sids.forEach((sid, i) => {
      const last = newest[i];
      const lastId = last ? last.id : ZERO_ID;
      const cursor = resolveCursor(cursors[i], lastId);
      const lane: Lane = {
        sid,
        cursor,
        queue: [],
        head: 0,
        behind: false,
        fetching: false,
        pendingLive: null,
        slot: null,
      };
      if (latest) {
        if (last && compareIds(last.id, cursor) > 0) {
          lane.slot = last;
          lane.cursor = last.id;
        }
      } else {
        lane.behind = compareIds(cursor, lastId) < 0;
      }
      this.lanes.set(sid, lane);
      this.order.push(lane);
      this.hub.attach(sid, lastId, this);
    });
    this.started = true;
    this.pump();
  }

  /** The cursor of a stream: the id of the newest entry delivered, queued or skipped. */
  cursor(sid: string): string | undefined {
    return this.lanes.get(sid)?.cursor;
  }

  /** Sends what the sink can take now, and starts catch-up reads that have room. */
  pump(): void {
    if (this.closed || !this.started || this.pumping) return;
    this.pumping = true;
    try {
      while (this.sink.canSend()) {
        const batch = this.options.latest ? this.takeLatest() : this.takeQueued();
        if (batch.length === 0) break;
        this.sink.send(batch);
        if (this.closed) return;
      }
      if (!this.options.latest) {
        for (const lane of this.order) {
          if (lane.behind && !lane.fetching && this.queuedBytes < QUEUE_BYTES) this.fetch(lane);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Stops the session and releases its hub subscriptions. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const lane of this.order) {
      this.hub.detach(lane.sid, this);
      lane.queue = [];
      lane.slot = null;
    }
    this.queuedBytes = 0;
  }

  onEntries(sid: string, prevId: string, entries: Entry[]): void {
    const lane = this.lanes.get(sid);
    if (!lane || this.closed) return;
    if (this.options.latest) {
      const newest = entries[entries.length - 1];
      if (compareIds(newest.id, lane.cursor) <= 0) return;
      let skipped = 0;
      for (const e of entries) if (compareIds(e.id, lane.cursor) > 0) skipped++;
      if (lane.slot) skipped++;
      skipped--; // the newest one is kept
      if (skipped > 0) this.options.onDropped?.(skipped);
      lane.slot = newest;
      lane.cursor = newest.id;
      this.pump();
      return;
    }
    if (lane.fetching) {
      if (lane.pendingLive && lane.pendingLive.length < MAX_PENDING_LIVE) {
        lane.pendingLive.push({ prevId, entries });
      } else {
        lane.pendingLive = null;
      }
      return;
    }
    if (this.takeLive(lane, prevId, entries)) this.pump();
  }

  onHubError(error: StreamerError): void {
    this.fail(error);
  }

  /** Queues live entries that follow the lane's cursor; marks a gap or a full queue as `behind`. */
  private takeLive(lane: Lane, prevId: string, entries: Entry[]): boolean {
    if (lane.behind) return false;
    if (compareIds(prevId, lane.cursor) > 0 || this.queuedBytes >= QUEUE_BYTES) {
      lane.behind = true;
      return true;
    }
    this.enqueue(lane, entries);
    return true;
  }

  private enqueue(lane: Lane, entries: Entry[]): void {
    for (const entry of entries) {
      if (compareIds(entry.id, lane.cursor) <= 0) continue;
      lane.queue.push(entry);
      lane.cursor = entry.id;
      this.queuedBytes += entry.data.length;
    }
  }

  private fetch(lane: Lane): void {
    lane.fetching = true;
    lane.pendingLive = [];
    const want = Math.max(
      this.options.count,
      Math.min(MAX_FETCH, Math.floor(FETCH_BYTES / Math.max(1, this.avgEntryBytes))),
    );
    this.repository.rangeAfter(lane.sid, lane.cursor, want).then(
      (entries) => {
        lane.fetching = false;
        if (this.closed) return;
        try {
          this.caughtUp(lane, entries, entries.length >= want);
        } catch (err) {
          this.fail(err);
        }
      },
      (err: unknown) => {
        lane.fetching = false;
        this.fail(err);
      },
    );
  }

  /** Queues what a catch-up read returned, then the live batches that arrived meanwhile. */
  private caughtUp(lane: Lane, entries: Entry[], full: boolean): void {
    const pending = lane.pendingLive;
    lane.pendingLive = null;
    if (entries.length > 0) {
      let bytes = 0;
      for (const e of entries) bytes += e.data.length;
      this.avgEntryBytes = this.avgEntryBytes * 0.5 + (bytes / entries.length) * 0.5;
    }
    this.enqueue(lane, entries);
    lane.behind = full || pending === null;
    if (!lane.behind) {
      for (const live of pending ?? []) this.takeLive(lane, live.prevId, live.entries);
    }
    this.pump();
  }

  private takeQueued(): BatchEntry[] {
    const batch: BatchEntry[] = [];
    const { count } = this.options;
    for (const lane of this.order) {
      const end = Math.min(lane.queue.length, lane.head + count);
      for (let i = lane.head; i < end; i++) {
        const entry = lane.queue[i];
        batch.push({ sid: lane.sid, id: entry.id, data: entry.data });
        this.queuedBytes -= entry.data.length;
      }
      lane.head = end;
      if (lane.head === lane.queue.length) {
        lane.queue = [];
        lane.head = 0;
      } else if (lane.head > 1024) {
        lane.queue = lane.queue.slice(lane.head);
        lane.head = 0;
      }
    }
    return batch;
  }

  private takeLatest(): BatchEntry[] {
    const batch: BatchEntry[] = [];
    for (const lane of this.order) {
      if (lane.slot) {
        batch.push({ sid: lane.sid, id: lane.slot.id, data: lane.slot.data });
        lane.slot = null;
      }
    }
    return batch;
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    const error =
      err instanceof StreamerError
        ? err
        : new StreamerError(ErrorCode.Internal, err instanceof Error ? err.message : String(err));
    this.sink.fail(error);
  }
}

/** `$` = the stream's newest id now; `0`/`-` = the beginning; otherwise an explicit id. */
export function resolveCursor(cursor: string, lastId: string): string {
  if (cursor === '$') return lastId;
  if (cursor === '0' || cursor === '-') return ZERO_ID;
  return normalizeId(cursor) ?? ZERO_ID;
}
