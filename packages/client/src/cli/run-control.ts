import { sleep } from '../sleep.js';

/** How long a CLI run may go: `--limit` items, `--duration` seconds, or until Ctrl-C. */
export interface RunLimits {
  limit?: number;
  durationSeconds?: number;
}

/**
 * Ends a run when its limit, its duration or a Ctrl-C comes, whichever is first. `signal` aborts
 * then, so a pending read ends at once instead of at its next entry.
 */
export class RunControl {
  private readonly controller = new AbortController();
  private readonly deadline: number;
  private readonly timer: NodeJS.Timeout | null = null;
  private readonly onSigint = () => {
    // A second Ctrl-C while shutting down exits at once.
    process.once('SIGINT', () => process.exit(130));
    this.controller.abort();
  };
  private nextFrameAt = 0;

  constructor(private readonly limits: RunLimits) {
    const ms = limits.durationSeconds !== undefined ? limits.durationSeconds * 1000 : Infinity;
    this.deadline = Date.now() + ms;
    if (Number.isFinite(ms)) {
      this.timer = setTimeout(() => this.controller.abort(), ms);
    }
    process.once('SIGINT', this.onSigint);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the duration is over, Ctrl-C came, or `done` items reached `--limit`. */
  finished(done: number): boolean {
    return (
      this.controller.signal.aborted ||
      Date.now() >= this.deadline ||
      (this.limits.limit !== undefined && done >= this.limits.limit)
    );
  }

  /**
   * Waits until the next frame is due at `fps` (a fixed schedule, so the average rate holds even
   * when one send is slow). With no fps, only yields to the event loop now and then.
   */
  async pace(fps: number | undefined, done: number): Promise<void> {
    if (!fps) {
      if (done % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      return;
    }
    const now = Date.now();
    if (this.nextFrameAt === 0 || now - this.nextFrameAt > 1000) this.nextFrameAt = now;
    this.nextFrameAt += 1000 / fps;
    const wait = Math.min(this.nextFrameAt, this.deadline) - now;
    if (wait > 0) await sleep(wait, this.controller.signal);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    process.off('SIGINT', this.onSigint);
  }
}
