import { asStreamerError, StreamerError } from '../../common/errors.js';
import { compareIds, normalizeId, ZERO_ID } from '../ids/entry-id.js';
import { MAX_RANGE_COUNT, rangeWithin } from '../repositories/bounded-range.js';
import { keptEntry } from './kept-payload.js';
import type { HubListener } from '../hub/hub.types.js';
import { ReadHub } from '../hub/read-hub.js';
import { StreamRepository } from '../repositories/stream.repository.js';
import { Gap, GapCount, skippedBeforeNewest, trimmedAfter } from './gaps.js';
import { Entry, StreamPosition } from '../repositories/stream.types.js';

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
  /**
   * Delivers one batch: at most `count` entries per stream (one with `latest`), in stream order.
   * `gaps` (only with the `gaps` option) tell what was missed before entries of this batch.
   */
  send(batch: BatchEntry[], gaps?: readonly Gap[], written?: Written): void;
  /** The session stopped for good (Redis unreachable or failing). */
  fail(error: StreamerError): void;
  /** A group session read everything there was for now (see `GroupSession`). */
  idle?(): void;
}

/**
 * Called once a batch reached the client (a group session acknowledges it then): all of it, or
 * its first `entries` when the sink could pass on only those.
 */
export type Written = (entries?: number) => void;

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
  /**
   * Tell the sink what was missed (`Gap`): entries trimmed before they were read, or skipped by
   * `latest`. Costs one script call where history is read; nothing on the live path.
   */
  gaps?: boolean;
  /** Entries reported missed in gaps (for metrics). */
  onMissed?: (n: number) => void;
  /**
   * Payload bytes one batch carries at most (a single larger entry travels alone); also what the
   * session queues and reads ahead from Redis at most. Default: `DEFAULT_BATCH_BYTES`.
   */
  batchBytes?: number;
  /**
   * Payload bytes a session that fell behind reads from Redis ahead of its sink (what is queued
   * counts too); at most `batchBytes`, which is the default. Catch-up reads are each puller's own
   * copies, unlike live entries, which all pullers of a stream share: a socket that takes a few
   * frames at a time needs no more than a few frames read ahead.
   */
  readAheadBytes?: number;
}

const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;

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
  /** Payload bytes in `pendingLive` (counted in the session's `queuedBytes`). */
  pendingBytes: number;
  /** Bytes per entry to size this stream's catch-up reads with (0: unknown yet). */
  estimate: number;
  /** With `latest`: the newest entry not sent yet. */
  slot: Entry | null;
  /** With `gaps`: entries added to the stream up to `cursor` (null: not known). */
  ordinal: number | null;
  /** With `gaps`: gaps found, told with the next entry after their `from`. */
  gaps: Gap[] | null;
  /** With `gaps` and `latest`: entries skipped since the last one sent, and that one's id. */
  skipped: GapCount;
  sentId: string;
}

/**
 * Delivers the entries of several streams to one sink, in order, with no gap and no duplicate:
 * history from the cursor is read with XRANGE, then live entries come from the shared `ReadHub`.
 *
 * Memory is bounded in bytes (`batchBytes`): a batch carries at most that much payload (one
 * bigger entry alone); without `latest`, the queue plus the catch-up reads in flight stay within
 * it too: when the sink is slow the session stops taking live entries and later catches up from
 * Redis at its own cursor. With `latest`, each stream holds at most one pending entry, the newest.
 */
export class PullSession implements HubListener {
  private readonly lanes = new Map<string, Lane>();
  private readonly order: Lane[] = [];
  /** Payload bytes queued in lanes (pending live batches included). */
  private queuedBytes = 0;
  /** Byte budgets handed to catch-up reads in flight. */
  private fetchingBytes = 0;
  private readonly batchBytes: number;
  private readonly readAheadBytes: number;
  /** Lane the next batch starts with (moves on when the byte budget cut a batch short). */
  private firstLane = 0;
  /** Gaps to tell with the batch being taken. */
  private batchGaps: Gap[] | null = null;
  private closed = false;
  private started = false;
  private pumping = false;

  constructor(
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    private readonly options: PullOptions,
    private readonly sink: PullSink,
  ) {
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.readAheadBytes = Math.min(this.batchBytes, options.readAheadBytes ?? this.batchBytes);
  }

  /** Resolves the start cursors against Redis and joins the live hub. Never rejects: failures go to the sink. */
  async start(): Promise<void> {
    try {
      if (this.options.gaps) {
        const { sids, latest } = this.options;
        const [probed, newest] = await Promise.all([
          Promise.all(sids.map((sid) => this.repository.position(sid, null, 0, latest))),
          latest ? Promise.all(sids.map((sid) => this.repository.latest(sid))) : null,
        ]);
        const positions = probed.map((p) => p.position);
        const ids = positions.map((p) =>
          p.lastId === ZERO_ID ? null : { id: p.lastId, data: EMPTY },
        );
        if (!this.closed) this.join(newest ?? ids, positions);
        return;
      }
      // Without `latest` only ids are needed: no payloads fetched to resolve `$`.
      const newest = this.options.latest
        ? await Promise.all(this.options.sids.map((sid) => this.repository.latest(sid)))
        : (await Promise.all(this.options.sids.map((sid) => this.repository.lastId(sid)))).map(
            (id) => (id === ZERO_ID ? null : { id, data: EMPTY }),
          );
      if (!this.closed) this.join(newest);
    } catch (err) {
      this.fail(err);
    }
  }

  private join(newest: (Entry | null)[], positions: StreamPosition[] | null = null): void {
    const { sids, cursors, latest } = this.options;
    sids.forEach((sid, i) => {
      const last = newest[i];
      const lastId = last ? last.id : ZERO_ID;
      const cursor = resolveCursor(cursors[i], lastId);
      const position = positions?.[i];
      const lane: Lane = {
        sid,
        cursor,
        queue: [],
        head: 0,
        behind: false,
        fetching: false,
        pendingLive: null,
        pendingBytes: 0,
        estimate: 0,
        slot: null,
        ordinal: position ? startOrdinal(cursors[i], position) : null,
        gaps: null,
        skipped: { missed: 0, exact: true },
        sentId: cursor,
      };
      if (latest) {
        if (last && compareIds(last.id, cursor) > 0) {
          lane.slot = keptEntry(last);
          lane.cursor = last.id;
          if (position) {
            // The newest entry read may be newer than the probe's: then the count is not exact.
            const ordinal = position.lastId === last.id ? lane.ordinal : null;
            lane.skipped = skippedBeforeNewest(cursor, ordinal, position) ?? lane.skipped;
          }
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
        const gaps = this.batchGaps;
        if (gaps === null) {
          this.sink.send(batch);
        } else {
          this.batchGaps = null;
          this.sink.send(batch, gaps);
        }
        if (this.closed) return;
      }
      if (!this.options.latest) {
        // While the sink is blocked, a read must fit the room left (by the lane's entry size):
        // the first entry of a read comes whatever its size, and large entries read for a sink
        // that cannot take them would sit in memory over the budget.
        const blocked = !this.sink.canSend();
        for (const lane of this.order) {
          if (!lane.behind || lane.fetching) continue;
          const room = this.roomToRead();
          if (room > 0 && (!blocked || (lane.estimate > 0 && lane.estimate <= room))) {
            this.fetch(lane);
          }
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
      lane.pendingLive = null;
      lane.slot = null;
    }
    this.queuedBytes = 0;
  }

  onEntries(sid: string, prevId: string, entries: Entry[], caughtUp = true): void {
    const lane = this.lanes.get(sid);
    if (!lane || this.closed) return;
    if (!caughtUp && this.options.gaps && !this.options.latest && !lane.fetching) {
      // Trimming may have removed entries before these: read them from Redis, which tells.
      lane.behind = true;
      this.pump();
      return;
    }
    if (this.options.latest) {
      const newest = entries[entries.length - 1];
      if (compareIds(newest.id, lane.cursor) <= 0) return;
      let skipped = 0;
      for (const e of entries) if (compareIds(e.id, lane.cursor) > 0) skipped++;
      if (lane.slot) skipped++;
      skipped--; // the newest one is kept
      if (skipped > 0) {
        this.options.onDropped?.(skipped);
        if (this.options.gaps) {
          lane.skipped.missed += skipped;
          // Entries trimmed before the hub read these would have been skipped too, uncounted.
          if (!caughtUp) lane.skipped.exact = false;
        }
      }
      lane.slot = keptEntry(newest);
      lane.cursor = newest.id;
      this.pump();
      return;
    }
    if (lane.fetching) {
      if (lane.pendingLive && this.queuedBytes < this.batchBytes) {
        lane.pendingLive.push({ prevId, entries });
        const bytes = payloadBytes(entries);
        lane.pendingBytes += bytes;
        this.queuedBytes += bytes;
      } else {
        this.dropPendingLive(lane);
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
    if (compareIds(prevId, lane.cursor) > 0 || this.queuedBytes >= this.batchBytes) {
      lane.behind = true;
      return true;
    }
    if (!this.enqueue(lane, entries)) lane.behind = true;
    return true;
  }

  /**
   * Queues the entries after the lane's cursor while the queue is under `batchBytes` (one entry
   * at least); false when some were left out (they are read from Redis later).
   */
  private enqueue(lane: Lane, entries: Entry[]): boolean {
    for (const entry of entries) {
      if (compareIds(entry.id, lane.cursor) <= 0) continue;
      if (this.queuedBytes >= this.batchBytes && this.queuedBytes > 0) return false;
      lane.queue.push(keptEntry(entry));
      lane.cursor = entry.id;
      if (lane.ordinal !== null) lane.ordinal++;
      this.queuedBytes += entry.data.length;
    }
    return true;
  }

  /** Bytes a new catch-up read may bring: the read-ahead budget minus what is queued or being read. */
  private roomToRead(): number {
    return this.readAheadBytes - this.queuedBytes - this.fetchingBytes;
  }

  private fetch(lane: Lane): void {
    const budget = this.roomToRead();
    lane.fetching = true;
    lane.pendingLive = [];
    this.fetchingBytes += budget;
    const count = Math.max(this.options.count, MAX_RANGE_COUNT);
    const onPosition = this.options.gaps
      ? (position: StreamPosition) => this.checkTrimmed(lane, position)
      : undefined;
    const { sid, cursor, estimate } = lane;
    rangeWithin(this.repository, sid, cursor, count, budget, estimate, { onPosition }).then(
      ({ entries, estimate, more }) => {
        lane.fetching = false;
        this.fetchingBytes -= budget;
        if (this.closed) return;
        lane.estimate = estimate;
        try {
          this.caughtUp(lane, entries, more);
        } catch (err) {
          this.fail(err);
        }
      },
      (err: unknown) => {
        lane.fetching = false;
        this.fetchingBytes -= budget;
        this.fail(err);
      },
    );
  }

  /** A catch-up read is about to start after the lane's cursor: were entries trimmed there? */
  private checkTrimmed(lane: Lane, position: StreamPosition): void {
    const found = trimmedAfter(lane.cursor, lane.ordinal, position);
    if (!found) return;
    const { missed, exact } = found;
    (lane.gaps ??= []).push({ sid: lane.sid, missed, from: lane.cursor, to: '', exact });
    lane.ordinal = found.ordinal;
  }

  /** Moves the lane's gaps that end before entry `id` into the batch being taken. */
  private tellGaps(lane: Lane, id: string): void {
    const gaps = lane.gaps!;
    while (endsGap(gaps, id)) {
      const gap = gaps.shift()!;
      gap.to = id;
      (this.batchGaps ??= []).push(gap);
      this.options.onMissed?.(gap.missed);
    }
    if (gaps.length === 0) lane.gaps = null;
  }

  /** Forgets the live batches remembered during a catch-up read: the lane reads them later. */
  private dropPendingLive(lane: Lane): void {
    this.queuedBytes -= lane.pendingBytes;
    lane.pendingBytes = 0;
    lane.pendingLive = null;
  }

  /** Queues what a catch-up read returned, then the live batches that arrived meanwhile. */
  private caughtUp(lane: Lane, entries: Entry[], more: boolean): void {
    const pending = lane.pendingLive;
    this.dropPendingLive(lane);
    const complete = this.enqueue(lane, entries);
    lane.behind = more || !complete || pending === null;
    if (!lane.behind) {
      for (const live of pending ?? []) this.takeLive(lane, live.prevId, live.entries);
    }
    this.pump();
  }

  /** At most `count` entries per stream and `batchBytes` in all (one entry at least). */
  private takeQueued(): BatchEntry[] {
    const batch: BatchEntry[] = [];
    const { count } = this.options;
    let bytes = 0;
    const lanes = this.order.length;
    for (let k = 0; k < lanes; k++) {
      const lane = this.order[(this.firstLane + k) % lanes];
      const start = lane.head;
      const end = Math.min(lane.queue.length, start + count);
      let i = start;
      for (; i < end; i++) {
        const entry = lane.queue[i];
        if (batch.length > 0 && bytes + entry.data.length > this.batchBytes) break;
        if (lane.gaps !== null) {
          // A gap is told before the batch it goes with: that batch must start this stream at
          // the gap's `to`, so the entries queued before it leave first.
          if (i > start && endsGap(lane.gaps, entry.id)) break;
          this.tellGaps(lane, entry.id);
        }
        batch.push({ sid: lane.sid, id: entry.id, data: entry.data });
        bytes += entry.data.length;
        this.queuedBytes -= entry.data.length;
      }
      lane.head = i;
      if (lane.head === lane.queue.length) {
        lane.queue = [];
        lane.head = 0;
      } else if (lane.head > 1024) {
        lane.queue = lane.queue.slice(lane.head);
        lane.head = 0;
      }
      if (i < end) {
        // Budget spent: the next batch starts after the streams served, so none starves.
        this.firstLane = (this.firstLane + k + (i > start ? 1 : 0)) % lanes;
        break;
      }
    }
    return batch;
  }

  /** The newest entry of each stream, within `batchBytes` (one entry at least). */
  private takeLatest(): BatchEntry[] {
    const batch: BatchEntry[] = [];
    let bytes = 0;
    const lanes = this.order.length;
    for (let k = 0; k < lanes; k++) {
      const lane = this.order[(this.firstLane + k) % lanes];
      if (!lane.slot) continue;
      if (batch.length > 0 && bytes + lane.slot.data.length > this.batchBytes) {
        this.firstLane = (this.firstLane + k) % lanes;
        break;
      }
      batch.push({ sid: lane.sid, id: lane.slot.id, data: lane.slot.data });
      bytes += lane.slot.data.length;
      if (this.options.gaps) this.tellSkipped(lane, lane.slot.id);
      lane.slot = null;
    }
    return batch;
  }

  /** With `latest`: tells the entries skipped before `id`, the one being sent. */
  private tellSkipped(lane: Lane, id: string): void {
    const { missed, exact } = lane.skipped;
    if (missed > 0 || !exact) {
      (this.batchGaps ??= []).push({ sid: lane.sid, missed, from: lane.sentId, to: id, exact });
      this.options.onMissed?.(missed);
      lane.skipped = { missed: 0, exact: true };
    }
    lane.sentId = id;
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    this.sink.fail(asStreamerError(err));
  }
}

function payloadBytes(entries: readonly Entry[]): number {
  let bytes = 0;
  for (const e of entries) bytes += e.data.length;
  return bytes;
}

const EMPTY = Buffer.alloc(0);

/** Whether entry `id` is the first one after the lane's oldest untold gap. */
function endsGap(gaps: readonly Gap[], id: string): boolean {
  return gaps.length > 0 && compareIds(id, gaps[0].from) > 0;
}

/** The ordinal of a start cursor (see `gaps.ts`): known for `$` and the beginning only. */
function startOrdinal(cursor: string, position: StreamPosition): number | null {
  if (cursor === '$') return position.added;
  if (cursor === '0' || cursor === '-') return 0;
  return null;
}

/** `$` = the stream's newest id now; `0`/`-` = the beginning; otherwise an explicit id. */
export function resolveCursor(cursor: string, lastId: string): string {
  if (cursor === '$') return lastId;
  if (cursor === '0' || cursor === '-') return ZERO_ID;
  return normalizeId(cursor) ?? ZERO_ID;
}
