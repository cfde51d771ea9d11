import { asStreamerError, StreamerError } from '../common/errors.js';
import { compareIds } from '../streams/ids/entry-id.js';
import { keptEntry } from '../streams/sessions/kept-payload.js';
import type { Gap } from '../streams/sessions/gaps.js';
import {
  BatchEntry,
  PullSession,
  PullSink,
  resolveCursor,
} from '../streams/sessions/pull-session.js';
import type { SamplingRepository } from '../streams/repositories/sampling.repository.js';
import type { StreamRepository } from '../streams/repositories/stream.repository.js';
import type { Entry } from '../streams/repositories/stream.types.js';
import { Kept, LiveDecimator } from './windows.js';

/** What a sync or rate session is made of: a pull session or a decimated stream. */
export interface EntrySource {
  start(): Promise<void>;
  pump(): void;
  close(): void;
}

/** Windows one history read covers at most. */
const WINDOWS_PER_READ = 256;

export interface DecimatedOptions {
  sid: string;
  /** `$`, `0`/`-` or an id (exclusive). */
  cursor: string;
  windowMs: number;
  /** Most entries per batch. */
  count: number;
  /** Tell skipped entries with `Gap`s. */
  gaps: boolean;
  /** Payload bytes one history read brings at most (one entry at least). */
  batchBytes: number;
  onMissed?: (n: number) => void;
}

/** How a decimated stream reaches Redis and the live hub. */
export interface DecimatedDeps {
  repository: StreamRepository;
  sampling: SamplingRepository;
  /** A pull session for the live part (after the history), delivering to `sink`. */
  live(sid: string, cursor: string, gaps: boolean, sink: PullSink): PullSession;
}

/**
 * One stream at most one entry per window (the newest). History (before the stream's newest
 * entry at start) is read one window per entry kept (`SamplingRepository.newestPerWindow`),
 * never reading what it skips; then a pull session from there feeds a `LiveDecimator`, which
 * lets each window's newest entry through when the window is over (an entry of a later window
 * arrived, or its time passed on the gateway's clock). A slow sink skips windows: at most one
 * entry waits for it.
 */
export class DecimatedSource implements EntrySource {
  private queue: Entry[] = [];
  /** History: per queued entry, whether its window held older entries (skipped, uncounted). */
  private queueSkipped: boolean[] = [];
  private history = true;
  private fetching = false;
  private more = true;
  private cursor = '';
  private end = '';
  private sentId = '';
  private ready: Kept<Entry> | null = null;
  private liveGaps: Gap[] = [];
  private session: PullSession | null = null;
  private readonly decimator: LiveDecimator<Entry>;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private started = false;

  constructor(
    private readonly deps: DecimatedDeps,
    private readonly options: DecimatedOptions,
    private readonly sink: PullSink,
  ) {
    this.decimator = new LiveDecimator(options.windowMs);
  }

  async start(): Promise<void> {
    try {
      const last = await this.deps.repository.lastId(this.options.sid);
      this.cursor = resolveCursor(this.options.cursor, last);
      this.sentId = this.cursor;
      this.end = last;
      this.more = compareIds(this.cursor, last) < 0;
      this.started = true;
      this.pump();
    } catch (err) {
      this.fail(err);
    }
  }

  pump(): void {
    if (this.closed || !this.started) return;
    if (this.history) {
      while (this.queue.length > 0 && this.sink.canSend()) this.sendHistory();
      if (this.closed || this.queue.length > 0 || this.fetching) return;
      if (this.more) return this.fetch();
      this.goLive();
      return;
    }
    this.session?.pump();
    if (this.ready && this.sink.canSend()) this.sendReady();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.session?.close();
    this.queue = [];
    this.ready = null;
  }

  private fetch(): void {
    this.fetching = true;
    const { sid, windowMs, batchBytes } = this.options;
    this.deps.sampling
      .newestPerWindow(sid, this.cursor, windowMs, this.end, WINDOWS_PER_READ, batchBytes)
      .then(
        (page) => {
          this.fetching = false;
          if (this.closed) return;
          this.queue = page.entries.map(keptEntry);
          this.queueSkipped = page.entries.map((e, i) => page.firstIds[i] !== e.id);
          this.cursor = page.cursor;
          this.more = page.more;
          this.pump();
        },
        (err: unknown) => {
          this.fetching = false;
          this.fail(err);
        },
      );
  }

  private sendHistory(): void {
    const n = Math.min(this.options.count, this.queue.length);
    const entries = this.queue.splice(0, n);
    const skipped = this.queueSkipped.splice(0, n);
    const gaps: Gap[] = [];
    const batch: BatchEntry[] = entries.map((entry, i) => {
      // Over history the skipped entries are not read, so not counted: at least one.
      if (this.options.gaps && skipped[i]) gaps.push(this.gap(entry.id, 1, false));
      this.sentId = entry.id;
      return { sid: this.options.sid, id: entry.id, data: entry.data };
    });
    this.deliver(batch, gaps);
  }

  /** The history is read: live entries from the cursor on go through the decimator. */
  private goLive(): void {
    this.history = false;
    const sink: PullSink = {
      canSend: () => !this.closed,
      send: (batch, gaps) => {
        if (gaps) this.liveGaps.push(...gaps);
        for (const entry of batch) this.take(this.decimator.push(keptEntry(entry)));
        this.schedule();
      },
      fail: (error) => this.fail(error),
    };
    this.session = this.deps.live(this.options.sid, this.cursor, this.options.gaps, sink);
    void this.session.start();
  }

  private take(kept: Kept<Entry> | null): void {
    if (!kept) return;
    if (this.ready) {
      // The sink did not take the previous window's entry in time: it is skipped too.
      kept.skipped += this.ready.skipped + 1;
    }
    this.ready = kept;
    if (this.sink.canSend()) this.sendReady();
  }

  private sendReady(): void {
    const { entry, skipped } = this.ready!;
    this.ready = null;
    const gaps = this.liveGaps;
    this.liveGaps = [];
    if (this.options.gaps && skipped > 0) gaps.push(this.gap(entry.id, skipped, true));
    this.sentId = entry.id;
    this.deliver([{ sid: this.options.sid, id: entry.id, data: entry.data }], gaps);
  }

  private deliver(batch: BatchEntry[], gaps: Gap[]): void {
    if (gaps.length > 0) {
      for (const gap of gaps) this.options.onMissed?.(gap.missed);
      this.sink.send(batch, gaps);
    } else {
      this.sink.send(batch);
    }
  }

  private gap(to: string, missed: number, exact: boolean): Gap {
    return { sid: this.options.sid, missed, from: this.sentId, to, exact };
  }

  /** A held window is let through when its time passed on the gateway's clock (one window at most). */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const due = this.decimator.due();
    if (due === null) return;
    const delay = Math.min(Math.max(0, due - Date.now()), this.options.windowMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.take(this.decimator.flush());
    }, delay);
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    this.sink.fail(asStreamerError(err) as StreamerError);
  }
}
