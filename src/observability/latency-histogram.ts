import { Histogram, MetricType, Registry } from 'prom-client';

type HistogramData = Awaited<ReturnType<Histogram['get']>>;

/**
 * A Prometheus histogram for the hot path. prom-client's `observe` allocates a closure and label
 * objects per call; `record` here only bumps numbers in preallocated arrays, and the standard
 * histogram series (`_bucket{le}`, `_sum`, `_count`) are built when `/metrics` is scraped.
 */
export class LatencyHistogram extends Histogram {
  private readonly metricName: string;
  private readonly metricHelp: string;
  private readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  /** Without `registry`, register it later (`registry.registerMetric`). */
  constructor(name: string, help: string, buckets: readonly number[], registry?: Registry) {
    super({ name, help, buckets: [...buckets], registers: registry ? [registry] : [] });
    this.metricName = name;
    this.metricHelp = help;
    this.bounds = [...buckets].sort((a, b) => a - b);
    this.counts = new Float64Array(this.bounds.length + 1);
  }

  /** Counts one observation (same unit as the buckets). */
  record(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  override async get(): Promise<HistogramData> {
    const name = this.metricName;
    const values: HistogramData['values'] = [];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i];
      values.push({
        metricName: `${name}_bucket`,
        labels: { le: this.bounds[i] },
        value: cumulative,
      });
    }
    values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${name}_count`, labels: {}, value: this.count });
    return {
      name,
      help: this.metricHelp,
      // prom-client's runtime type names are strings; its typings declare a numeric enum.
      type: 'histogram' as unknown as MetricType,
      aggregator: 'sum',
      collect: () => undefined,
      values,
    };
  }

  /** The registry prefers this over `get` when rendering the text format. */
  getForPromString(): Promise<HistogramData> {
    return this.get();
  }
}
