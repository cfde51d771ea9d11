/**
 * `max_fps` for one client: after each batch the next one may go `1000 / maxFps` ms later. While
 * it may not, `ready()` arms one timer that calls `wake` when it may (0 = unlimited, no timer).
 */
export class FramePacer {
  private readonly interval: number;
  private nextAllowed = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    maxFps: number,
    private readonly wake: () => void,
  ) {
    this.interval = maxFps > 0 ? 1000 / maxFps : 0;
  }

  /** Whether a batch may go now; when not, `wake` is called once it may. */
  ready(): boolean {
    if (this.interval === 0) return true;
    const wait = this.nextAllowed - Date.now();
    if (wait <= 0) return true;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.wake();
    }, wait);
    return false;
  }

  /** A batch went out at `now`. */
  sent(now = Date.now()): void {
    if (this.interval > 0) this.nextAllowed = now + this.interval;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
