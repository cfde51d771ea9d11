import { register as globalRegistry } from 'prom-client';
import { APPEND_SAMPLE_EVERY } from '../src/common/data-observer.js';
import { startServer, TestServer } from './support/app.js';
import { GqlWs } from './support/graphql.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/** `/metrics`: Prometheus text with the data path's counters, connection gauges and Node's own. */

type Samples = Map<string, number>;

function parse(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('metrics endpoint', () => {
  let server: TestServer;
  let redis: TestRedis;
  const keys: string[] = [];
  const key = (label: string) => {
    const k = uniqueKey(label);
    keys.push(k);
    return k;
  };

  const scrape = async (): Promise<Samples> => {
    const res = await fetch(`${server.http}/metrics`);
    expect(res.status).toBe(200);
    return parse(await res.text());
  };
  const value = (samples: Samples, name: string): number => {
    const v = samples.get(name);
    if (v === undefined) throw new Error(`no sample ${name}`);
    return v;
  };

  /** Pushes payloads (one batch each) with ack=1 and waits for the acks. */
  const push = async (sid: string, payloads: Buffer[]): Promise<void> => {
    const socket = await TestSocket.open(`${server.ws}/data/${sid}/push?ack=1`);
    try {
      for (const payload of payloads) {
        await socket.send(JSON.stringify([payload.length]));
        await socket.send(payload);
        await socket.nextJson();
      }
    } finally {
      socket.close();
      await socket.closed;
    }
  };

  beforeAll(async () => {
    server = await startServer();
    redis = await connectRedis();
  });

  afterAll(async () => {
    if (keys.length > 0) await redis?.del(keys);
    await redis?.close();
    await server?.close();
  });

  it('serves the Prometheus text format with Node default metrics, from its own registry', async () => {
    const res = await fetch(`${server.http}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE redis_streamer_xadd_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE redis_streamer_entries_pushed_total counter$/m);
    const samples = parse(text);
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(value(samples, 'redis_streamer_redis_up')).toBe(1);
    expect(value(samples, 'redis_streamer_hub_readers')).toBe(1);
    expect(globalRegistry.getSingleMetric('redis_streamer_entries_pushed_total')).toBeUndefined();
  });

  it('counts pushed entries and bytes and times a sample of the XADDs', async () => {
    const before = await scrape();
    await push(key('metrics-push'), [Buffer.alloc(10), Buffer.alloc(0), Buffer.alloc(1000)]);
    // Any APPEND_SAMPLE_EVERY consecutive XADDs hold exactly one timed one.
    const more = 3 * APPEND_SAMPLE_EVERY - 3;
    await push(
      key('metrics-push'),
      Array.from({ length: more }, () => Buffer.alloc(1)),
    );
    const after = await scrape();
    const delta = (name: string) => value(after, name) - value(before, name);
    expect(delta('redis_streamer_entries_pushed_total')).toBe(3 + more);
    expect(delta('redis_streamer_bytes_pushed_total')).toBe(1010 + more);
    expect(delta('redis_streamer_xadd_duration_seconds_count')).toBe(3);
    expect(delta('redis_streamer_xadd_duration_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(delta('redis_streamer_xadd_duration_seconds_sum')).toBeGreaterThan(0);
    // cumulative buckets never decrease with le
    const buckets = [...after.entries()]
      .filter(([name]) => name.startsWith('redis_streamer_xadd_duration_seconds_bucket'))
      .map(([, v]) => v);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });

  it('reports open connections by kind and active hub readers, and pulled entries', async () => {
    const sid = key('metrics-pull');
    const idle = await scrape();
    expect(value(idle, 'redis_streamer_websocket_connections{kind="pull"}')).toBe(0);
    expect(value(idle, 'redis_streamer_hub_readers_active')).toBe(0);

    const puller = await TestSocket.open(`${server.ws}/data/${sid}/pull`);
    const pusher = await TestSocket.open(`${server.ws}/data/${sid}/push`);
    const graphql = await GqlWs.open(server.ws);
    try {
      const open = await expectEventually(async () => {
        const s = await scrape();
        return value(s, 'redis_streamer_hub_readers_active') === 1 ? s : false;
      });
      expect(value(open, 'redis_streamer_websocket_connections{kind="pull"}')).toBe(1);
      expect(value(open, 'redis_streamer_websocket_connections{kind="push"}')).toBe(1);
      expect(value(open, 'redis_streamer_websocket_connections{kind="graphql"}')).toBe(1);
      expect(value(open, 'redis_streamer_hub_listeners')).toBe(1);

      await pusher.send('[2, 5]');
      await pusher.send(Buffer.from('abcde'));
      const received = [...(await puller.nextBatch())];
      while (received.length < 2) received.push(...(await puller.nextBatch()));
      const after = await scrape();
      expect(
        value(after, 'redis_streamer_entries_pulled_total') -
          value(open, 'redis_streamer_entries_pulled_total'),
      ).toBe(2);
      expect(
        value(after, 'redis_streamer_bytes_pulled_total') -
          value(open, 'redis_streamer_bytes_pulled_total'),
      ).toBe(5);
    } finally {
      puller.close();
      pusher.close();
      await graphql.close();
      await puller.closed;
      await pusher.closed;
    }
    const closed = await expectEventually(async () => {
      const s = await scrape();
      return value(s, 'redis_streamer_hub_readers_active') === 0 ? s : false;
    });
    expect(value(closed, 'redis_streamer_websocket_connections{kind="pull"}')).toBe(0);
    expect(value(closed, 'redis_streamer_websocket_connections{kind="graphql"}')).toBe(0);
  });

  it('counts entries dropped for pullers with latest=1', async () => {
    const sid = key('metrics-latest');
    const before = await scrape();
    // With ack=1 the puller gets nothing new until it answers: entries pile up and only the
    // newest is sent.
    const puller = await TestSocket.open(`${server.ws}/data/${sid}/pull?latest=1&ack=1`);
    try {
      await expectEventually(async () => {
        const s = await scrape();
        return value(s, 'redis_streamer_hub_listeners') === 1;
      });
      await push(sid, [Buffer.from('first')]);
      expect((await puller.nextBatch()).map((e) => e.data.toString())).toEqual(['first']);
      await push(
        sid,
        ['a', 'b', 'c', 'd'].map((s) => Buffer.from(s)),
      );
      // a, b and c are dropped as soon as the live reader hands over d
      const dropped = async () =>
        value(await scrape(), 'redis_streamer_entries_dropped_total') -
        value(before, 'redis_streamer_entries_dropped_total');
      await expectEventually(async () => (await dropped()) === 3);
      await puller.send('ack');
      const batch = await puller.nextBatch();
      expect(batch.map((e) => e.data.toString())).toEqual(['d']);
      expect(await dropped()).toBe(3);
    } finally {
      puller.close();
      await puller.closed;
    }
  });
});
