/** Memory pressure as the push budget sees it (`MemoryPressure`). */
export interface PushPressure {
  readonly high: boolean;
  onRelieved(listener: () => void): void;
}

/**
 * The push connections' shared budget of large-batch bytes in flight to Redis (`limit`: the memory
 * plan's `pushInFlightBytes`, 16 MiB with no memory limit: enough to keep Redis busy on loopback,
 * and memory stays flat however many cameras push at once). A connection that finds it full pauses
 * its socket and waits; once the bytes in flight fall to half the limit, every waiting connection
 * is called back to resume. Under memory `pressure` the budget counts as full whatever it holds.
 */
export class PushBudget {
  private bytes = 0;
  private readonly waiting = new Set<() => void>();

  constructor(
    readonly limit: number,
    private readonly pressure: PushPressure | null = null,
  ) {
    pressure?.onRelieved(() => this.wakeWaiting());
  }

  /** Bytes of large batches in flight now. */
  get inFlight(): number {
    return this.bytes;
  }

  get full(): boolean {
    return this.bytes >= this.limit || (this.pressure?.high ?? false);
  }

  /** Whether the bytes in flight are low enough for paused connections to read again. */
  get low(): boolean {
    return this.bytes <= this.limit >> 1 && !(this.pressure?.high ?? false);
  }

  take(bytes: number): void {
    this.bytes += bytes;
  }

  give(bytes: number): void {
    this.bytes -= bytes;
    this.wakeWaiting();
  }

  private wakeWaiting(): void {
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
