/**
 * Calls `beat` whenever `intervalMs` passed without `sent()` (pull connections send an empty
 * batch then, so that clients and proxies see the connection alive; `beat` calls `sent()` when
 * it did send). Stopped with `stop()`.
 */
export class IdleHeartbeat {
  private lastSent = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly beat: () => void,
  ) {
    if (intervalMs > 0) this.schedule(intervalMs);
  }

  /** Something was sent now: the next beat is due `intervalMs` later. */
  sent(now = Date.now()): void {
    this.lastSent = now;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      if (Date.now() - this.lastSent >= this.intervalMs) this.beat();
      if (this.stopped) return;
      this.schedule(Math.max(1, this.intervalMs - (Date.now() - this.lastSent)));
    }, delay);
  }
}
