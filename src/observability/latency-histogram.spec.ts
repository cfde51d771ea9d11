import { Registry } from 'prom-client';
import { corsOrigins } from '../http/http-protections.js';
import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('renders cumulative buckets, +Inf, sum and count in the Prometheus text format', async () => {
    const registry = new Registry();
    const histogram = new LatencyHistogram('t_seconds', 'test', [0.01, 0.1, 1], registry);
    for (const v of [0.005, 0.01, 0.05, 0.5, 2]) histogram.record(v);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE t_seconds histogram');
    expect(text).toContain('t_seconds_bucket{le="0.01"} 2');
    expect(text).toContain('t_seconds_bucket{le="0.1"} 3');
    expect(text).toContain('t_seconds_bucket{le="1"} 4');
    expect(text).toContain('t_seconds_bucket{le="+Inf"} 5');
    expect(text).toContain('t_seconds_sum 2.565');
    expect(text).toContain('t_seconds_count 5');
  });

  it('reports zeros before any observation', async () => {
    const registry = new Registry();
    new LatencyHistogram('z_seconds', 'test', [1], registry);
    const json = await registry.getMetricsAsJSON();
    expect(json[0].values.map((v) => v.value)).toEqual([0, 0, 0, 0]);
  });
});

describe('corsOrigins', () => {
  it('reads * as any origin and a comma separated list as exact origins', () => {
    expect(corsOrigins('*')).toBe('*');
    expect(corsOrigins(' https://a.example , https://b.example,')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(corsOrigins('https://a.example,*')).toBe('*');
  });
});
