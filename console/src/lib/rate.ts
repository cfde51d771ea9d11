/**
 * Live entries per second per stream, from successive `entriesAdded` samples (XINFO's
 * entries-added counts every XADD, trimming or not). The rate is smoothed so a stream that
 * pushes in bursts shows a steady figure; a counter that goes backwards (the stream was deleted
 * and created again) restarts the estimate.
 */
export class RateTracker {
  private readonly samples = new Map<string, { added: number; at: number; rate: number | null }>();

  /** Weight of the newest interval in the smoothed rate. */
  constructor(private readonly weight = 0.5) {}

  /**
   * Records `added` for `sid` at `atMs` and answers the current rate (entries/s), or null until a
   * second sample exists.
   */
  update(sid: string, added: number, atMs: number): number | null {
    const last = this.samples.get(sid);
    if (!last || added < last.added || atMs <= last.at) {
      const rate = last && atMs <= last.at && added >= last.added ? last.rate : null;
      this.samples.set(sid, { added, at: atMs, rate });
      return rate;
    }
    const now = ((added - last.added) * 1000) / (atMs - last.at);
    const rate = last.rate === null ? now : last.rate + this.weight * (now - last.rate);
    this.samples.set(sid, { added, at: atMs, rate });
    return rate;
  }

  rate(sid: string): number | null {
    return this.samples.get(sid)?.rate ?? null;
  }

  /** Forgets streams that are gone. */
  retain(sids: Iterable<string>): void {
    const keep = new Set(sids);
    for (const sid of this.samples.keys()) if (!keep.has(sid)) this.samples.delete(sid);
  }
}

/** `0`, `0.5`, `12`, `1.2k` entries/s, or `–` before the first estimate. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '–';
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k`;
  if (rate >= 10 || Number.isInteger(rate)) return rate.toFixed(0);
  return rate.toFixed(1);
}
