import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** Shown first on every line: the command and stream. */
  label: string;
  /** What is counted (`entries`, `frames`). */
  unit: string;
  /** Known end (shows a bar on a terminal). */
  total?: number;
  /** Live bar (cli-progress) when true; a plain line every `intervalMs` otherwise. */
  tty: boolean;
  intervalMs?: number;
}

/**
 * The live progress/rate line of long CLI runs: a cli-progress bar on a terminal, a plain line
 * every second otherwise (logs, CI, child processes). Both on stderr, so stdout stays data.
 */
export class Progress {
  count = 0;
  bytes = 0;
  detail = '';
  private readonly started = Date.now();
  private windowStart = Date.now();
  private windowCount = 0;
  private recentRate = 0;
  private readonly bars: cliProgress.MultiBar | null = null;
  private readonly bar: cliProgress.SingleBar | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: ProgressOptions) {
    if (options.tty) {
      const bounded = options.total !== undefined;
      this.bars = new cliProgress.MultiBar(
        {
          stream: process.stderr,
          format: `${options.label} ${bounded ? '|{bar}| {value}/{total}' : '{value}'} ${options.unit} | {rate}/s | {mb} MB | {detail}`,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 24,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.bars.create(options.total ?? 0, 0, this.payload());
    }
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Counts `n` more items of `bytes` bytes in total; `detail` replaces the line's last field. */
  add(n: number, bytes: number, detail?: string): void {
    this.count += n;
    this.bytes += bytes;
    this.windowCount += n;
    if (detail !== undefined) this.detail = detail;
    this.bar?.update(this.count, this.payload());
  }

  /** Prints a line of output (stdout) without breaking the live bar. */
  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }

  /** Prints a notice (stderr), above the bar on a terminal. */
  notice(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  }

  /** Stops the live line and returns the run's summary. */
  stop(): string {
    clearInterval(this.timer);
    this.bar?.update(this.count, this.payload());
    this.bars?.stop();
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.count / seconds : 0;
    return `${this.options.label}: ${this.count} ${this.options.unit} in ${seconds.toFixed(1)} s (${rate.toFixed(1)} ${this.options.unit}/s, ${mb(this.bytes / Math.max(seconds, 1e-3))} MB/s)${this.detail ? `, ${this.detail}` : ''}`;
  }

  private tick(): void {
    const now = Date.now();
    this.recentRate = (this.windowCount * 1000) / Math.max(1, now - this.windowStart);
    this.windowStart = now;
    this.windowCount = 0;
    if (this.bar) {
      this.bar.update(this.count, this.payload());
      return;
    }
    const elapsed = ((now - this.started) / 1000).toFixed(1);
    process.stderr.write(
      `${this.options.label} ${elapsed}s ${this.count}${this.options.total !== undefined ? `/${this.options.total}` : ''} ${this.options.unit} | ${this.recentRate.toFixed(1)}/s | ${mb(this.bytes)} MB${this.detail ? ` | ${this.detail}` : ''}\n`,
    );
  }

  private payload(): Record<string, string> {
    return { rate: this.recentRate.toFixed(1), mb: mb(this.bytes), detail: this.detail };
  }
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(bytes >= 100 * 1024 * 1024 ? 0 : 2);
}
