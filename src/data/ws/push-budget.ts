/**
 * Bytes of large batches in flight to Redis across all push connections before each of them stops
 * reading its socket. A connection's own budget (4 MiB) bounds one pusher; this bounds many: 16
 * MiB keeps Redis busy on loopback, and memory stays flat however many cameras push at once.
 */
const MAX_TOTAL_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * The push connections' shared budget of large-batch bytes in flight to Redis. A connection that
 * finds it full pauses its socket and waits; once the bytes in flight fall to half the limit,
 * every waiting connection is called back to resume.
 */
export class PushBudget {
  private bytes = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly limit = MAX_TOTAL_PENDING_BYTES) {}

  get full(): boolean {
    return this.bytes >= this.limit;
  }

  /** Whether the bytes in flight are low enough for paused connections to read again. */
  get low(): boolean {
    return this.bytes <= this.limit >> 1;
  }

  take(bytes: number): void {
    this.bytes += bytes;
  }

  give(bytes: number): void {
    this.bytes -= bytes;
    if (this.waiting.size === 0 || !this.low) return;
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const resume of waiting) resume();
  }

  /** Calls `resume` once the budget is low again (once per registration). */
  wait(resume: () => void): void {
    this.waiting.add(resume);
  }
}
