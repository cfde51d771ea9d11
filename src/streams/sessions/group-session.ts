import { asStreamerError, StreamerError } from '../../common/errors.js';
import { compareIds, normalizeId, ZERO_ID } from '../ids/entry-id.js';
import type { HubListener } from '../hub/hub.types.js';
import { ReadHub } from '../hub/read-hub.js';
import type { BatchEntry, PullSink } from './pull-session.js';
import { GroupRepository } from '../repositories/group.repository.js';
import { StreamRepository } from '../repositories/stream.repository.js';
import { Entry } from '../repositories/stream.types.js';

/** When a group's entries count as done: once written to the client, or when it acks them. */
export type GroupAck = 'auto' | 'client';

export interface GroupOptions {
  sids: readonly string[];
  group: string;
  consumer: string;
  /** Where a group created now starts, per sid: `$`, `0`/`-` or an id (an existing group keeps its own). */
  starts: readonly string[];
  /** Most entries per stream per batch. */
  count: number;
  ack: GroupAck;
  /** Payload bytes one batch carries at most (a single larger entry travels alone). */
  batchBytes: number;
  /** Entries pending this long with any consumer of the group are claimed by this one. */
  claimIdleMs: number;
}

/** Most entries one XREADGROUP or XAUTOCLAIM asks for. */
const MAX_READ_COUNT = 1000;

/** Group sessions of one process by (stream, group), so a consumer leaving can wake the others. */
export interface GroupRegistry {
  add(session: GroupSession): void;
  remove(session: GroupSession): void;
  /** Entries of `group` on `sid` were released: the other local consumers sweep now. */
  released(sid: string, group: string, by: GroupSession): void;
  /** The hub saw new entries of `sid`: the registry wakes its consumers in turn (`wake`). */
  woken(session: GroupSession, sid: string): void;
}

interface Lane {
  sid: string;
  /** Cursor in this consumer's own pending entries, read first (null: done). */
  history: string | null;
  /** Entries never delivered may be there: bumped by every hub wake. */
  wakes: number;
  /** `wakes` when the last `>` read found the stream drained. */
  drainedAt: number;
  /** A claim sweep is due, and where it goes on. */
  claimDue: boolean;
  claimFrom: string;
  /** `ack=client`: ids sent and not acknowledged yet. */
  unacked: Set<string>;
  /** Largest entry seen, to size reads in bytes (0: unknown: read one entry first). */
  largest: number;
}

interface LaneRead {
  lane: Lane;
  entries: Entry[];
}

/**
 * One consumer of a consumer group, over WebSocket or HTTP: the entries of its streams are
 * shared out between the group's consumers, each to one of them (XREADGROUP), with
 * at-least-once delivery.
 *
 * No Redis connection of its own: the session listens to the shared `ReadHub` only to learn that
 * new entries arrived, and then reads with a non-blocking XREADGROUP on the command channel (one
 * stream per command, so each goes to its slot's master on a cluster). A consumer first gets its
 * own pending entries (a reconnecting `ack=client` consumer resumes with what it had not acked),
 * then new ones; every `claimIdleMs / 2` it also claims entries that stayed pending longer than
 * `claimIdleMs` with any consumer (XAUTOCLAIM). A consumer that goes away with unacknowledged
 * entries releases them at once to the other consumers of this process (and, after the idle time,
 * of every process).
 */
export class GroupSession implements HubListener {
  private readonly lanes: Lane[];
  private readonly byId = new Map<string, Lane>();
  private started = false;
  private closed = false;
  private reading = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: ReadHub,
    private readonly streams: StreamRepository,
    private readonly groups: GroupRepository,
    private readonly registry: GroupRegistry,
    readonly options: GroupOptions,
    private readonly sink: PullSink,
  ) {
    this.lanes = options.sids.map((sid) => ({
      sid,
      history: ZERO_ID,
      wakes: 1,
      drainedAt: 0,
      claimDue: false,
      claimFrom: ZERO_ID,
      unacked: new Set(),
      largest: 0,
    }));
    for (const lane of this.lanes) this.byId.set(lane.sid, lane);
  }

  /** Creates the group where missing and starts delivering. Never rejects: failures go to the sink. */
  async start(): Promise<void> {
    const { sids, group, starts } = this.options;
    try {
      await Promise.all(
        sids.map((sid, i) => this.groups.createGroup(sid, group, groupStart(starts[i]))),
      );
      const lastIds = await Promise.all(sids.map((sid) => this.streams.lastId(sid)));
      if (this.closed) return;
      sids.forEach((sid, i) => this.hub.attach(sid, lastIds[i], this));
      this.registry.add(this);
      const every = Math.max(50, Math.floor(this.options.claimIdleMs / 2));
      this.timer = setInterval(() => this.sweepNow(), every);
      this.started = true;
      this.pump();
    } catch (err) {
      this.fail(err);
    }
  }

  onEntries(sid: string): void {
    if (this.byId.has(sid) && !this.closed) this.registry.woken(this, sid);
  }

  /** New entries of `sid` may be there: read them if the sink can take them. */
  wake(sid: string): void {
    const lane = this.byId.get(sid);
    if (!lane || this.closed) return;
    lane.wakes++;
    this.pump();
  }

  onHubError(error: StreamerError): void {
    this.fail(error);
  }

  /** Claims entries that stayed pending too long (or were released), on the next read. */
  sweepNow(): void {
    for (const lane of this.lanes) lane.claimDue = true;
    this.pump();
  }

  /**
   * `ack=client`: the client is done with these entries (ids, or `[sid, id]` pairs); ids this
   * consumer does not hold unacknowledged are ignored.
   */
  acknowledge(items: readonly (string | readonly [string, string])[]): void {
    const done = new Map<Lane, string[]>();
    for (const item of items) {
      const [sid, raw] = typeof item === 'string' ? [null, item] : item;
      const id = normalizeId(raw) ?? raw;
      for (const lane of this.lanes) {
        if ((sid === null || lane.sid === sid) && lane.unacked.delete(id)) {
          const ids = done.get(lane);
          if (ids) ids.push(id);
          else done.set(lane, [id]);
        }
      }
    }
    for (const [lane, ids] of done) this.ackAll(lane.sid, ids);
    this.pump();
  }

  /** Reads what the sink can take now: own pending entries, then claims, then new entries. */
  pump(): void {
    if (this.closed || !this.started || this.reading || !this.sink.canSend()) return;
    const reads: Promise<LaneRead>[] = [];
    for (const lane of this.lanes) {
      let count = Math.min(this.options.count, MAX_READ_COUNT);
      if (lane.largest > 0)
        count = Math.min(count, Math.floor(this.options.batchBytes / lane.largest));
      // ack=client: `count` is also what a connection holds unacknowledged per stream at most
      // (a prefetch): a busy worker leaves new entries to the others.
      if (this.options.ack === 'client') {
        const room = this.options.count - lane.unacked.size;
        if (room <= 0) continue;
        count = Math.min(count, room);
      }
      count = Math.max(1, count);
      const read = this.readLane(lane, count);
      if (read) reads.push(read);
    }
    if (reads.length === 0) {
      this.sink.idle?.();
      return;
    }
    this.reading = true;
    Promise.all(reads).then(
      (results) => {
        this.reading = false;
        if (this.closed) return;
        this.deliver(results);
      },
      (err: unknown) => {
        this.reading = false;
        this.fail(err);
      },
    );
  }

  /** The next read of `lane`, or null when it has nothing to read. */
  private readLane(lane: Lane, count: number): Promise<LaneRead> | null {
    const { group, consumer, claimIdleMs } = this.options;
    if (lane.history !== null) {
      return this.groups
        .readGroup(lane.sid, group, consumer, lane.history, count)
        .then(({ entries, deleted }) => {
          // Pending entries trimmed meanwhile are gone for good: they leave the group.
          if (deleted.length > 0) this.ackAll(lane.sid, deleted);
          if (entries.length + deleted.length < count) lane.history = null;
          else lane.history = newest(entries.at(-1)?.id, deleted.at(-1)) ?? lane.history;
          return { lane, entries };
        });
    }
    if (lane.claimDue) {
      const from = lane.claimFrom;
      return this.groups
        .claimIdle(lane.sid, group, consumer, claimIdleMs, from, count)
        .then(({ next, entries }) => {
          lane.claimFrom = next;
          if (next === ZERO_ID) lane.claimDue = false;
          // Its own entries that this connection still holds unacknowledged are not sent again.
          return { lane, entries: entries.filter((e) => !lane.unacked.has(e.id)) };
        });
    }
    if (lane.drainedAt === lane.wakes) return null;
    const wakes = lane.wakes;
    return this.groups.readGroup(lane.sid, group, consumer, '>', count).then(({ entries }) => {
      if (entries.length < count) lane.drainedAt = wakes;
      return { lane, entries };
    });
  }

  private deliver(results: LaneRead[]): void {
    const batch: BatchEntry[] = [];
    for (const { lane, entries } of results) {
      for (const entry of entries) {
        if (entry.data.length > lane.largest) lane.largest = entry.data.length;
        batch.push({ sid: lane.sid, id: entry.id, data: entry.data });
        if (this.options.ack === 'client') lane.unacked.add(entry.id);
      }
    }
    if (batch.length > 0) {
      if (this.options.ack === 'auto') {
        // Entries the sink could not pass on stay pending: this consumer reads them again first.
        this.sink.send(batch, undefined, (entries = batch.length) => this.ackBatch(batch, entries));
      } else {
        this.sink.send(batch);
      }
    }
    this.pump();
  }

  /** XACKs the first `entries` of `batch`, one command per stream. */
  private ackBatch(batch: readonly BatchEntry[], entries: number): void {
    const bySid = new Map<string, string[]>();
    for (let i = 0; i < entries; i++) {
      const { sid, id } = batch[i];
      const ids = bySid.get(sid);
      if (ids) ids.push(id);
      else bySid.set(sid, [id]);
    }
    for (const [sid, ids] of bySid) this.ackAll(sid, ids);
  }

  private ackAll(sid: string, ids: readonly string[]): void {
    // A failed XACK leaves the entries pending: they are delivered again (at least once).
    this.groups.ack(sid, this.options.group, ids).catch(() => undefined);
  }

  /**
   * Stops the session. `ack=client` entries it still holds become claimable at once by the
   * group's other consumers (marked idle for `claimIdleMs`). Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (!this.started) return;
    for (const lane of this.lanes) this.hub.detach(lane.sid, this);
    this.registry.remove(this);
    const { group, consumer, claimIdleMs } = this.options;
    for (const lane of this.lanes) {
      if (lane.unacked.size === 0) continue;
      const ids = [...lane.unacked];
      lane.unacked.clear();
      this.groups
        .releasePending(lane.sid, group, consumer, ids, claimIdleMs)
        .then(() => this.registry.released(lane.sid, group, this))
        .catch(() => undefined); // they are claimed after the idle time instead
    }
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    this.sink.fail(asStreamerError(err));
  }
}

function newest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return compareIds(a, b) >= 0 ? a : b;
}

/** XGROUP CREATE's start id for a `last_entry_id`: `$`, `0` for the beginning, or the id. */
function groupStart(cursor: string): string {
  if (cursor === '$') return '$';
  if (cursor === '0' || cursor === '-') return '0';
  return normalizeId(cursor) ?? '$';
}
