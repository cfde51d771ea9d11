import { randomBytes } from 'node:crypto';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, readEntries, TestRedis, uniqueKey, xinfoNumber } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

describe('WebSocket push /data/{sid}/push', () => {
  let server: TestServer;
  let redis: TestRedis;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startServer({ STREAM_MAXLEN: 0 });
    redis = await connectRedis();
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
  });

  async function open(path: string): Promise<TestSocket> {
    const socket = await TestSocket.open(`${server.ws}${path}`);
    sockets.push(socket);
    return socket;
  }

  const entries = (sid: string) => readEntries(redis, sid);

  it('stores the seed README form ([len] + binary) under field d and acks the id', async () => {
    const sid = uniqueKey('push-seed');
    const ws = await open(`/data/${sid}/push?ack=1`);
    const data = Buffer.from('hello redis-streamer');
    await ws.send(JSON.stringify([data.length]));
    await ws.send(data);
    const ids = await ws.nextJson<string[]>();
    const stored = await entries(sid);
    expect(stored).toEqual([{ id: ids[0], fields: ['d'], data }]);
  });

  it('splits one binary frame at cumulative end offsets', async () => {
    const sid = uniqueKey('push-offsets');
    const ws = await open(`/data/${sid}/push?ack=1`);
    await ws.send('[3, 3, 8]');
    await ws.send(Buffer.from('abcdefgh'));
    const ids = await ws.nextJson<string[]>();
    const stored = await entries(sid);
    expect(stored.map((e) => e.id)).toEqual(ids);
    expect(stored.map((e) => e.data.toString())).toEqual(['abc', '', 'defgh']);
  });

  it('sends entry i to sid i with several sids in the URL', async () => {
    const cam = uniqueKey('cam');
    const depth = uniqueKey('depth');
    const ws = await open(`/data/${cam}+${depth}/push?ack=1`);
    await ws.send('[2, 5]');
    await ws.send(Buffer.from('ccddd'));
    const [camId, depthId] = await ws.nextJson<string[]>();
    expect(await entries(cam)).toEqual([{ id: camId, fields: ['d'], data: Buffer.from('cc') }]);
    expect(await entries(depth)).toEqual([
      { id: depthId, fields: ['d'], data: Buffer.from('ddd') },
    ]);
  });

  it('takes [sid, end] and [sid, id, end] headers with explicit ids', async () => {
    const a = uniqueKey('explicit-a');
    const b = uniqueKey('explicit-b');
    const ws = await open(`/data/${a}+${b}/push?ack=1`);
    await ws.send(
      JSON.stringify([
        [b, 1],
        [a, '5-1', 3],
        [a, null, 4],
        [a, '*', 4],
      ]),
    );
    await ws.send(Buffer.from('BAAA'));
    const ids = await ws.nextJson<string[]>();
    expect(ids[1]).toBe('5-1');
    expect(await entries(a)).toEqual([
      { id: '5-1', fields: ['d'], data: Buffer.from('AA') },
      { id: ids[2], fields: ['d'], data: Buffer.from('A') },
      { id: ids[3], fields: ['d'], data: Buffer.from('') },
    ]);
    expect(await entries(b)).toEqual([{ id: ids[0], fields: ['d'], data: Buffer.from('B') }]);
  });

  it('with header=0 stores every binary frame as one entry', async () => {
    const sid = uniqueKey('push-raw');
    const ws = await open(`/data/${sid}/push?header=0&ack=true`);
    await ws.send(Buffer.from('one'));
    await ws.send(Buffer.from('two'));
    const first = await ws.nextJson<string[]>();
    const second = await ws.nextJson<string[]>();
    expect((await entries(sid)).map((e) => [e.id, e.data.toString()])).toEqual([
      [first[0], 'one'],
      [second[0], 'two'],
    ]);
  });

  it('without ack stores everything and sends nothing back', async () => {
    const sid = uniqueKey('push-noack');
    const ws = await open(`/data/${sid}/push`);
    for (let i = 0; i < 100; i++) {
      ws.ws.send(JSON.stringify([String(i).length]));
      ws.ws.send(Buffer.from(String(i)));
    }
    await expectEventually(async () => (await redis.xLen(sid)) === 100);
    // a ping round trip: anything the server had sent would arrive before the pong
    await new Promise<void>((resolve) => {
      ws.ws.once('pong', () => resolve());
      ws.ws.ping();
    });
    expect(ws.pending()).toBe(0);
    expect((await entries(sid)).map((e) => e.data.toString())).toEqual(
      Array.from({ length: 100 }, (_, i) => String(i)),
    );
  });

  it('keeps the order of 10,000 entries pushed back to back, and acks each batch in order', async () => {
    const sid = uniqueKey('push-order');
    const ws = await open(`/data/${sid}/push?ack=1`);
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const data = Buffer.from(String(i));
      ws.ws.send(`[${data.length}]`);
      ws.ws.send(data);
    }
    const acked: string[] = [];
    while (acked.length < n) acked.push(...(await ws.nextJson<string[]>()));
    const stored = await entries(sid);
    expect(stored.map((e) => e.id)).toEqual(acked);
    expect(stored.map((e) => e.data.toString())).toEqual(
      Array.from({ length: n }, (_, i) => String(i)),
    );
  });

  it('addresses percent-decoded sids (dev%2Fcam is the stream dev/cam)', async () => {
    const base = uniqueKey('dev');
    const ws = await open(`/data/${encodeURIComponent(`${base}/cam`)}/push?ack=1`);
    await ws.send('[1]');
    await ws.send(Buffer.from('x'));
    await ws.nextJson();
    expect(await redis.xLen(`${base}/cam`)).toBe(1);
  });

  it('stores random binary payloads of 0 B, 1 B, 1 MiB and 8 MiB byte for byte', async () => {
    const sid = uniqueKey('push-binary');
    const ws = await open(`/data/${sid}/push?ack=1`);
    const payloads = [0, 1, 1024 * 1024, 8 * 1024 * 1024].map((n) => randomBytes(n));
    for (const p of payloads) {
      await ws.send(JSON.stringify([p.length]));
      await ws.send(p);
      await ws.nextJson(15000);
    }
    const stored = await entries(sid);
    expect(stored.length).toBe(4);
    stored.forEach((e, i) => expect(e.data.equals(payloads[i])).toBe(true));
  });
});

describe('WebSocket push with STREAM_MAXLEN', () => {
  it('trims streams approximately to STREAM_MAXLEN', async () => {
    const server = await startServer({ STREAM_MAXLEN: 10 });
    const redis = await connectRedis();
    const sid = uniqueKey('push-trim');
    const ws = await TestSocket.open(`${server.ws}/data/${sid}/push?ack=1`);
    try {
      for (let i = 0; i < 500; i++) {
        ws.ws.send('[1]');
        ws.ws.send(Buffer.from('x'));
      }
      let acked = 0;
      while (acked < 500) acked += (await ws.nextJson<string[]>()).length;
      expect(await xinfoNumber(redis, sid, 'entries-added')).toBe(500);
      // MAXLEN ~ trims whole radix-tree nodes (stream-node-max-entries, 100 by default), so the
      // stream keeps at most 10 entries plus one node's worth
      expect(await redis.xLen(sid)).toBeLessThanOrEqual(10 + 100);
      expect(await redis.xLen(sid)).toBeGreaterThanOrEqual(10);
    } finally {
      ws.close();
      await server.close();
      await redis.close();
    }
  });
});
