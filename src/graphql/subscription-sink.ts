import { StreamerError } from '../common/errors.js';
import { keptPayload } from '../streams/sessions/kept-payload.js';
import { BatchEntry, PullSession, PullSink } from '../streams/sessions/pull-session.js';

/**
 * A pull session's sink that is also the async iterator a GraphQL subscription returns.
 *
 * It buffers at most `capacity` entries and `capacityBytes` of payload (plus the batch that filled
 * it, which the session bounds in bytes too: give it `capacityBytes` as its `batchBytes` and the
 * buffer never holds more than twice that): while the buffer is full
 * `canSend()` is false, so the session stops taking entries (without `latest` it later catches up
 * from Redis at its own cursor; with `latest` it keeps only the newest one). Taking items from
 * the iterator wakes the session again. `return()` (client unsubscribed or disconnected) closes
 * the session at once, which detaches it from the shared hub.
 *
 * A failing session ends the iteration with one last item: the `StreamerError`, which the
 * subscription's resolve function turns into a GraphQL error for the client.
 */
export class SubscriptionSink<T> implements PullSink, AsyncIterableIterator<T | StreamerError> {
  private buffer: BatchEntry[] = [];
  private head = 0;
  private bufferedBytes = 0;
  private readonly waiters: ((result: IteratorResult<T | StreamerError>) => void)[] = [];
  private failure: StreamerError | null = null;
  private finished = false;
  private stalled = false;
  private session: PullSession | null = null;

  constructor(
    private readonly capacity: number,
    private readonly toItem: (entry: BatchEntry) => T,
    private readonly capacityBytes = Number.POSITIVE_INFINITY,
  ) {}

  attach(session: PullSession): void {
    this.session = session;
    if (this.finished) session.close();
  }

  /** Entries waiting for the consumer. */
  get buffered(): number {
    return this.buffer.length - this.head;
  }

  canSend(): boolean {
    if (this.finished || this.failure) return false;
    if (this.buffered >= this.capacity || this.bufferedBytes >= this.capacityBytes) {
      this.stalled = true;
      return false;
    }
    return true;
  }

  send(batch: BatchEntry[]): void {
    if (this.finished) return;
    for (const entry of batch) {
      const waiter = this.waiters.shift();
      if (waiter) {
        waiter({ value: this.toItem(entry), done: false });
      } else {
        this.buffer.push({ ...entry, data: keptPayload(entry.data) });
        this.bufferedBytes += entry.data.length;
      }
    }
  }

  fail(error: StreamerError): void {
    if (this.finished || this.failure) return;
    this.failure = error;
    if (this.buffered === 0) this.flushFailure();
  }

  next(): Promise<IteratorResult<T | StreamerError>> {
    if (this.buffered > 0) {
      const entry = this.buffer[this.head++];
      this.bufferedBytes -= entry.data.length;
      if (this.head === this.buffer.length) {
        this.buffer = [];
        this.head = 0;
      }
      this.resumeIfDrained();
      return Promise.resolve({ value: this.toItem(entry), done: false });
    }
    if (this.failure && !this.finished) {
      const failure = this.failure;
      this.finish();
      return Promise.resolve({ value: failure, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<T | StreamerError>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<T | StreamerError>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Wakes the session once the consumer has taken half of a full buffer. */
  private resumeIfDrained(): void {
    if (
      this.stalled &&
      this.buffered <= this.capacity >> 1 &&
      this.bufferedBytes <= this.capacityBytes / 2
    ) {
      this.stalled = false;
      this.session?.pump();
    }
  }

  /** A consumer is already waiting: hand it the failure now. */
  private flushFailure(): void {
    const waiter = this.waiters.shift();
    if (!waiter || !this.failure) return;
    const failure = this.failure;
    this.finish();
    waiter({ value: failure, done: false });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.session?.close();
    this.buffer = [];
    this.head = 0;
    this.bufferedBytes = 0;
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
  }
}
