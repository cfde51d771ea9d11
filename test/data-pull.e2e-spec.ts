import { randomBytes } from 'node:crypto';
import { DataCounters } from '../src/observability/data-counters.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

describe('WebSocket pull /data/{sid}/pull', () => {
  let server: TestServer;
  let redis: TestRedis;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startServer({ STREAM_MAXLEN: 0 });
    redis = await connectRedis();
  });

  afterEach(async () => {
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

  /** Adds entries straight to Redis (as another producer would). */
  async function add(sid: string, ...payloads: (string | Buffer)[]): Promise<string[]> {
    const ids: string[] = [];
    for (const p of payloads) ids.push(String(await redis.xAdd(sid, '*', { d: p })));
    return ids;
  }

  /** Resolves once the hub delivers live entries of `sid` to `listeners` listeners. */
  async function hubListening(listeners = 1): Promise<void> {
    const hub = server.app.get(ReadHub);
    await expectEventually(() => hub.stats().listeners >= listeners);
  }

  it('delivers a batch the seed README receive snippet unpacks', async () => {
    const sid = uniqueKey('pull-seed');
    const ws = await open(`/data/${sid}/pull`);
    await hubListening();
    const [id] = await add(sid, 'frame-1');
    const header = await ws.nextJson<[string, string, number][]>();
    const entries = await ws.nextBinary();
    // sids, ts, offsets = tuple(zip(*header)); entries[start:end]
    expect(header).toEqual([[sid, id, 0]]);
    expect(entries.toString()).toBe('frame-1');
  });

  it('with last_entry_id=$ sends only entries added after it connected', async () => {
    const sid = uniqueKey('pull-new');
    await add(sid, 'old');
    const ws = await open(`/data/${sid}/pull?count=10`);
    await hubListening();
    const [id] = await add(sid, 'new');
    expect(await ws.nextBatch()).toEqual([{ sid, id, data: Buffer.from('new') }]);
  });

  it.each(['0', '-'])(
    'with last_entry_id=%s reads from the beginning, then live',
    async (start) => {
      const sid = uniqueKey('pull-begin');
      const old = await add(sid, 'a', 'b', 'c');
      const ws = await open(`/data/${sid}/pull?last_entry_id=${start}&count=2`);
      const first = await ws.nextBatch();
      const second = await ws.nextBatch();
      expect(first.map((e) => e.id)).toEqual(old.slice(0, 2));
      expect(second.map((e) => e.id)).toEqual(old.slice(2));
      const [live] = await add(sid, 'd');
      expect((await ws.nextBatch()).map((e) => [e.id, e.data.toString()])).toEqual([[live, 'd']]);
    },
  );

  it('resumes after an explicit last_entry_id with no gap and no duplicate', async () => {
    const sid = uniqueKey('pull-resume');
    const ids = await add(sid, ...Array.from({ length: 20 }, (_, i) => `m${i}`));
    const ws = await open(`/data/${sid}/pull?last_entry_id=${ids[9]}&count=100`);
    const got: string[] = [];
    while (got.length < 10) got.push(...(await ws.nextBatch()).map((e) => e.data.toString()));
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 10}`));
    ws.close();
    // a reconnect with the last id it saw continues exactly there, while entries keep coming
    const more = await add(sid, 'm20', 'm21');
    const again = await open(`/data/${sid}/pull?last_entry_id=${ids[19]}&count=100`);
    const next = await again.nextBatch();
    expect(next.map((e) => e.id)).toEqual(more);
  });

  it('takes one last_entry_id per sid with several sids ($+0)', async () => {
    const a = uniqueKey('pull-a');
    const b = uniqueKey('pull-b');
    await add(a, 'a-old');
    const [bOld] = await add(b, 'b-old');
    const ws = await open(
      `/data/${a}+${b}/pull?last_entry_id=${encodeURIComponent('$+0')}&count=5`,
    );
    expect(await ws.nextBatch()).toEqual([{ sid: b, id: bOld, data: Buffer.from('b-old') }]);
    await hubListening(2);
    const [aNew] = await add(a, 'a-new');
    expect(await ws.nextBatch()).toEqual([{ sid: a, id: aNew, data: Buffer.from('a-new') }]);
  });

  it('batches at most count entries per stream, covering every stream', async () => {
    const a = uniqueKey('count-a');
    const b = uniqueKey('count-b');
    await add(a, '1', '2', '3');
    await add(b, 'x', 'y');
    const ws = await open(`/data/${a}+${b}/pull?last_entry_id=0&count=2`);
    const got: string[] = [];
    while (got.length < 5) {
      const batch = await ws.nextBatch();
      const names = batch.map((e) => `${e.sid === a ? 'a' : 'b'}${e.data}`);
      expect(names.filter((n) => n[0] === 'a').length).toBeLessThanOrEqual(2);
      expect(names.filter((n) => n[0] === 'b').length).toBeLessThanOrEqual(2);
      got.push(...names);
    }
    expect(got.filter((n) => n[0] === 'a')).toEqual(['a1', 'a2', 'a3']);
    expect(got.filter((n) => n[0] === 'b')).toEqual(['bx', 'by']);
  });

  it('sends an empty batch after block ms without data (heartbeat)', async () => {
    const sid = uniqueKey('pull-heartbeat');
    const ws = await open(`/data/${sid}/pull?block=100`);
    // heartbeats repeat while nothing comes, and data still flows between them
    for (let i = 0; i < 2; i++) {
      expect(await ws.nextJson()).toEqual([]);
      expect((await ws.nextBinary()).length).toBe(0);
    }
    const [id] = await add(sid, 'after heartbeats');
    let batch = await ws.nextBatch();
    while (batch.length === 0) batch = await ws.nextBatch();
    expect(batch).toEqual([{ sid, id, data: Buffer.from('after heartbeats') }]);
  });

  it('with latest sends only the newest entry when the client falls behind', async () => {
    const sid = uniqueKey('pull-latest');
    const ws = await open(`/data/${sid}/pull?latest=1&ack=1`);
    await hubListening();
    await add(sid, 'f1');
    expect((await ws.nextBatch()).map((e) => e.data.toString())).toEqual(['f1']);
    // while the client has not acked, five more frames arrive; only the newest is sent next
    const metrics = server.app.get(DataCounters);
    const droppedBefore = metrics.entriesDropped;
    const ids = await add(sid, 'f2', 'f3', 'f4', 'f5', 'f6');
    // the session took all five while waiting for the ack, keeping only the newest
    await expectEventually(() => metrics.entriesDropped - droppedBefore === 4);
    await ws.send('ok');
    expect(await ws.nextBatch()).toEqual([{ sid, id: ids[4], data: Buffer.from('f6') }]);
  });

  it('with latest and last_entry_id=0 starts with the newest existing entry', async () => {
    const sid = uniqueKey('pull-latest-0');
    const ids = await add(sid, 'a', 'b', 'c');
    const ws = await open(`/data/${sid}/pull?latest=True&last_entry_id=0`);
    expect(await ws.nextBatch()).toEqual([{ sid, id: ids[2], data: Buffer.from('c') }]);
  });

  it('with ack waits for a text frame before each next batch', async () => {
    const sid = uniqueKey('pull-ack');
    await add(sid, '1', '2', '3');
    const ws = await open(`/data/${sid}/pull?last_entry_id=0&ack=1`);
    expect((await ws.nextBatch()).map((e) => e.data.toString())).toEqual(['1']);
    // without ack the next batches would already be on the wire before this ping's pong
    await new Promise<void>((resolve) => {
      ws.ws.once('pong', () => resolve());
      ws.ws.ping();
    });
    expect(ws.pending()).toBe(0);
    await ws.send('next');
    expect((await ws.nextBatch()).map((e) => e.data.toString())).toEqual(['2']);
    await ws.send('next');
    expect((await ws.nextBatch()).map((e) => e.data.toString())).toEqual(['3']);
  });

  it('with max_fps sends at most that many batches a second', async () => {
    const sid = uniqueKey('pull-fps');
    await add(sid, ...Array.from({ length: 6 }, (_, i) => String(i)));
    const ws = await open(`/data/${sid}/pull?last_entry_id=0&max_fps=20`);
    const started = Date.now();
    for (let i = 0; i < 6; i++) expect((await ws.nextBatch())[0].data.toString()).toBe(String(i));
    // 6 batches at 20/s: at least 5 intervals of 50 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('with header=0 sends bare binary frames, one entry each', async () => {
    const sid = uniqueKey('pull-raw');
    await add(sid, 'r1', 'r2');
    const ws = await open(`/data/${sid}/pull?last_entry_id=0&header=0&count=5`);
    expect((await ws.nextBinary()).toString()).toBe('r1');
    expect((await ws.nextBinary()).toString()).toBe('r2');
  });

  it('frames batches of every WebSocket length form (0, 125, 126, 65535, 65536 B), with and without header', async () => {
    const sid = uniqueKey('pull-frames-é');
    const payloads = [0, 125, 126, 65535, 65536, 3].map((n) => randomBytes(n));
    const ids = await add(sid, ...payloads);
    const batched = await open(`/data/${encodeURIComponent(sid)}/pull?last_entry_id=0&count=10`);
    const got: { id: string; data: Buffer }[] = [];
    while (got.length < payloads.length) {
      for (const e of await batched.nextBatch()) {
        expect(e.sid).toBe(sid);
        got.push({ id: e.id, data: e.data });
      }
    }
    expect(got.map((e) => e.id)).toEqual(ids);
    got.forEach((e, i) => expect(e.data.equals(payloads[i])).toBe(true));
    const bare = await open(
      `/data/${encodeURIComponent(sid)}/pull?last_entry_id=0&count=10&header=0`,
    );
    for (const p of payloads) expect((await bare.nextBinary()).equals(p)).toBe(true);
  });

  it('round-trips random payloads of 0 B, 1 B, 1 MiB and 8 MiB from push to pull', async () => {
    const sid = uniqueKey('roundtrip');
    const pull = await open(`/data/${sid}/pull`);
    await hubListening();
    const push = await open(`/data/${sid}/push`);
    const payloads = [0, 1, 1024 * 1024, 8 * 1024 * 1024].map((n) => randomBytes(n));
    for (const p of payloads) {
      await push.send(JSON.stringify([p.length]));
      await push.send(p);
    }
    for (const p of payloads) {
      const [entry] = await pull.nextBatch(15000);
      expect(entry.data.length).toBe(p.length);
      expect(entry.data.equals(p)).toBe(true);
    }
  });

  it('delivers 10,000 pushed entries in order with no gap or duplicate', async () => {
    const sid = uniqueKey('pull-order');
    const pull = await open(`/data/${sid}/pull?count=50`);
    await hubListening();
    const push = await open(`/data/${sid}/push`);
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const data = Buffer.from(String(i));
      push.ws.send(`[${data.length}]`);
      push.ws.send(data);
    }
    const got: string[] = [];
    const ids: string[] = [];
    while (got.length < n) {
      for (const e of await pull.nextBatch()) {
        got.push(e.data.toString());
        ids.push(e.id);
      }
    }
    expect(got).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    expect(new Set(ids).size).toBe(n);
  });
});
