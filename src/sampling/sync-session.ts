import { asStreamerError, StreamerError } from '../common/errors.js';
import { idMillis } from '../streams/ids/entry-id.js';
import type { HubListener } from '../streams/hub/hub.types.js';
import type { ReadHub } from '../streams/hub/read-hub.js';
import { keptEntry } from '../streams/sessions/kept-payload.js';
import type { Gap } from '../streams/sessions/gaps.js';
import type { BatchEntry, PullSink } from '../streams/sessions/pull-session.js';
import type { SamplingRepository } from '../streams/repositories/sampling.repository.js';
import type { StreamRepository } from '../streams/repositories/stream.repository.js';
import type { Entry } from '../streams/repositories/stream.types.js';
import type { EntrySource } from './decimated-source.js';
import type { SyncSpec } from './sync-options.js';
import { nearer, Tuple } from './tuple.js';

/** Where synchronized tuples go: a pull sink whose batches may come with their tuples. */
export interface SyncSink extends PullSink {
  /** One or more whole tuples (reference entry first, then the partners found, URL order). */
  send(batch: BatchEntry[], gaps?: readonly Gap[], written?: undefined, tuples?: Tuple[]): void;
}

/** Live partner entries remembered while tuples wait for them, per partner at most. */
const RING_ENTRIES = 4096;

interface Pending {
  ref: Entry;
  ms: number;
  gaps: readonly Gap[] | undefined;
  /** Per partner: the best entry so far (final once settled). */
  best: (Entry | null)[];
  settled: boolean[];
  /** Per partner: Redis answered (before that, live entries wait in the ring). */
  asked: boolean[];
  /** Gateway clock (ms) after which unsettled partners are given up (missing or best so far). */
  deadline: number;
}

export interface SyncSessionOptions {
  spec: SyncSpec;
  /** Most tuples per batch. */
  count: number;
  /** Tuples waiting for partners at most (1 with `latest`). */
  maxPending: number;
}

/**
 * A synchronized pull: each entry of the reference stream (from `refSource`: a pull session,
 * or a decimated stream) with, for every partner, the entry nearest in time within the
 * tolerance. Partners are looked up in Redis (one script per partner and reference batch,
 * returning one entry per tuple: `SamplingRepository.nearest`), so history costs what is
 * sent, not what the partners hold. A partner with nothing at or after the reference time yet
 * is waited for on the shared live hub until the wait bound (`waitMs` after the reference entry
 * reached the gateway): a tuple is sent as soon as every partner is settled, in reference order.
 */
export class SyncSession implements HubListener, EntrySource {
  private readonly pending: Pending[] = [];
  private readonly rings: Entry[][];
  private refSource: EntrySource | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private closed = false;
  private emitting = false;
  private readonly partners: readonly string[];

  constructor(
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    private readonly sampling: SamplingRepository,
    private readonly options: SyncSessionOptions,
    private readonly sink: SyncSink,
    refSourceFor: (sink: PullSink) => EntrySource,
  ) {
    this.partners = options.spec.partners;
    this.rings = this.partners.map(() => []);
    this.refSource = refSourceFor({
      canSend: () => !this.closed && this.pending.length < this.options.maxPending,
      send: (batch, gaps) => this.onReferences(batch, gaps),
      fail: (error) => this.fail(error),
    });
  }

  async start(): Promise<void> {
    try {
      const lastIds = await Promise.all(this.partners.map((sid) => this.repository.lastId(sid)));
      if (this.closed) return;
      this.partners.forEach((sid, k) => this.hub.attach(sid, lastIds[k], this));
      await this.refSource!.start();
    } catch (err) {
      this.fail(err);
    }
  }

  pump(): void {
    if (this.closed) return;
    this.emit();
    this.refSource?.pump();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const sid of this.partners) this.hub.detach(sid, this);
    this.refSource?.close();
    this.pending.length = 0;
  }

  onEntries(sid: string, _prevId: string, entries: Entry[]): void {
    if (this.closed || this.pending.length === 0) return;
    const k = this.partners.indexOf(sid);
    if (k < 0) return;
    const ring = this.rings[k];
    for (const entry of entries) ring.push(entry);
    if (ring.length > RING_ENTRIES) ring.splice(0, ring.length - RING_ENTRIES);
    for (const p of this.pending) {
      if (!p.asked[k] || p.settled[k]) continue;
      for (const entry of entries) this.consider(p, k, entry);
    }
    this.emit();
  }

  onHubError(error: StreamerError): void {
    this.fail(error);
  }

  /** A batch of reference entries: each becomes a pending tuple, its partners asked to Redis. */
  private onReferences(batch: BatchEntry[], gaps?: readonly Gap[]): void {
    if (this.closed) return;
    const now = Date.now();
    const fresh: Pending[] = batch.map((e, i) => ({
      ref: keptEntry({ id: e.id, data: e.data }),
      ms: idMillis(e.id),
      gaps: i === 0 ? gaps : undefined,
      best: this.partners.map(() => null),
      settled: this.partners.map(() => false),
      asked: this.partners.map(() => false),
      deadline: now + this.options.spec.waitMs,
    }));
    this.pending.push(...fresh);
    const times = fresh.map((p) => p.ms);
    this.partners.forEach((sid, k) => {
      this.sampling.nearest(sid, times, this.options.spec.toleranceMs).then(
        (found) => {
          if (this.closed) return;
          fresh.forEach((p, i) => {
            p.asked[k] = true;
            p.best[k] = found[i].entry ? keptEntry(found[i].entry) : null;
            p.settled[k] = found[i].settled;
            // Live entries that came while Redis was asked.
            if (!p.settled[k]) for (const entry of this.rings[k]) this.consider(p, k, entry);
          });
          this.emit();
        },
        (err: unknown) => this.fail(err),
      );
    });
  }

  /** A partner entry seen live: settles the tuple when at or after its time, else may be nearer. */
  private consider(p: Pending, k: number, entry: Entry): void {
    const { toleranceMs } = this.options.spec;
    if (idMillis(entry.id) >= p.ms) p.settled[k] = true;
    p.best[k] = nearer(p.ms, p.best[k], keptEntry(entry), toleranceMs);
  }

  /** Sends the complete tuples at the front, in reference order; arms the wait bound. */
  private emit(): void {
    if (this.emitting || this.closed) return;
    this.emitting = true;
    try {
      const now = Date.now();
      while (this.pending.length > 0 && this.sink.canSend()) {
        const ready: Pending[] = [];
        while (ready.length < this.options.count && ready.length < this.pending.length) {
          const p = this.pending[ready.length];
          if (!this.complete(p, now)) break;
          ready.push(p);
        }
        if (ready.length === 0) break;
        this.pending.splice(0, ready.length);
        this.send(ready);
      }
      if (this.pending.length === 0) for (const ring of this.rings) ring.length = 0;
      this.arm();
    } finally {
      this.emitting = false;
    }
    this.refSource?.pump();
  }

  /** Every partner settled, or (Redis answered and) the wait bound passed. */
  private complete(p: Pending, now: number): boolean {
    for (let k = 0; k < this.partners.length; k++) {
      if (p.settled[k]) continue;
      if (!p.asked[k] || now < p.deadline) return false;
    }
    return true;
  }

  private send(ready: Pending[]): void {
    const batch: BatchEntry[] = [];
    const tuples: Tuple[] = [];
    let gaps: Gap[] | undefined;
    const { ref } = this.options.spec;
    for (const p of ready) {
      if (p.gaps) (gaps ??= []).push(...p.gaps);
      batch.push({ sid: ref, id: p.ref.id, data: p.ref.data });
      const members = this.partners.map((sid, k) => {
        const entry = p.best[k];
        if (!entry) return { sid, id: null, dtMs: null };
        batch.push({ sid, id: entry.id, data: entry.data });
        return { sid, id: entry.id, dtMs: idMillis(entry.id) - p.ms };
      });
      tuples.push({ ref, id: p.ref.id, members });
    }
    this.sink.send(batch, gaps, undefined, tuples);
  }

  /** A timer for the first pending tuple's wait bound (the others' come later). */
  private arm(): void {
    // A tuple past its bound waits only for Redis's answer or for the sink, both of which emit.
    const first = this.pending[0];
    const waiting = first && first.asked.every(Boolean) && first.deadline > Date.now();
    const at = waiting ? first.deadline : Infinity;
    if (at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Infinity;
        this.emit();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    this.sink.fail(asStreamerError(err));
  }
}

/** Several sources delivering to one sink (a rate pull: full streams and decimated ones). */
export class SourceGroup implements EntrySource {
  constructor(private readonly sources: EntrySource[]) {}

  async start(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.start()));
  }

  pump(): void {
    for (const s of this.sources) s.pump();
  }

  close(): void {
    for (const s of this.sources) s.close();
  }
}
