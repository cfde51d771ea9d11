import {
  getEntries,
  GraphQLClient,
  GraphQLRequestError,
  postEntries,
  PulledEntry,
  Puller,
  Pusher,
  StreamerClientError,
} from '../packages/client/src/index.js';
import { DataCounters } from '../src/observability/data-counters.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, readEntries, TestRedis, uniqueKey } from './support/redis.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { expectEventually } from './support/ws.js';

let server: TestServer;
let redis: TestRedis;
let proxy: TcpProxy;

beforeAll(async () => {
  server = await startServer();
  redis = await connectRedis();
  proxy = await TcpProxy.start(Number(new URL(server.http).port));
});

afterAll(async () => {
  await proxy?.close();
  await redis?.quit();
  await server?.close();
});

/** Takes `n` entries from a puller (with a deadline, so a missing entry fails instead of hanging). */
async function take(puller: Puller, n: number, timeoutMs = 10000): Promise<PulledEntry[]> {
  const out: PulledEntry[] = [];
  const deadline = setTimeout(() => puller.close(), timeoutMs);
  try {
    while (out.length < n) {
      const next = await puller.next();
      if (next.done) break;
      out.push(next.value);
    }
  } finally {
    clearTimeout(deadline);
  }
  return out;
}

function hubListeners(): number {
  return server.app.get(ReadHub).stats().listeners;
}

/** Waits until the pull sessions of earlier tests are gone (they detach when their socket closes). */
async function quietHub(): Promise<number> {
  await expectEventually(() => hubListeners() === 0);
  return 0;
}

describe('Pusher', () => {
  it('with ack resolves every send to the ids Redis stored, in order', async () => {
    const sid = uniqueKey('lib-push-ack');
    const pusher = await Pusher.connect(sid, { url: server.http, ack: true });
    const id1 = await pusher.send('one');
    const ids = await pusher.sendBatch([{ data: Buffer.from([0, 1, 2]) }, { data: '' }]);
    await pusher.close();
    const stored = await readEntries(redis, sid);
    expect([id1, ...ids]).toEqual(stored.map((e) => e.id));
    expect(stored.map((e) => e.data)).toEqual([
      Buffer.from('one'),
      Buffer.from([0, 1, 2]),
      Buffer.alloc(0),
    ]);
  });

  it('sends a batch across the streams of its URL', async () => {
    const a = uniqueKey('lib-push-a');
    const b = uniqueKey('lib-push-b');
    const pusher = await Pusher.connect([a, b], { url: server.http, ack: true });
    const ids = await pusher.sendBatch([
      { sid: b, data: 'to b' },
      { sid: a, data: 'to a' },
      { data: 'default a' },
    ]);
    await pusher.close();
    expect(ids).toHaveLength(3);
    expect((await readEntries(redis, a)).map((e) => e.data.toString())).toEqual([
      'to a',
      'default a',
    ]);
    expect((await readEntries(redis, b)).map((e) => e.data.toString())).toEqual(['to b']);
  });

  it('without ack stores everything sent before close', async () => {
    const sid = uniqueKey('lib-push-fast');
    const pusher = await Pusher.connect(sid, { url: server.http });
    for (let i = 0; i < 500; i++) await pusher.send(String(i));
    await pusher.close();
    await expectEventually(async () => (await redis.xLen(sid)) === 500);
    const stored = await readEntries(redis, sid);
    expect(stored.map((e) => e.data.toString())).toEqual(
      Array.from({ length: 500 }, (_, i) => String(i)),
    );
  });

  it('reports a refused handshake and a server error frame as StreamerClientError', async () => {
    const refused = await Pusher.connect('bad\u0001sid', { url: server.http }).catch(
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(StreamerClientError);
    expect((refused as StreamerClientError).status).toBe(400);
    expect((refused as Error).message).toMatch(/control/);
    const sid = uniqueKey('lib-push-err');
    const pusher = await Pusher.connect(sid, { url: server.http, ack: true });
    await expect(pusher.sendBatch([{ sid: 'not-in-url', data: 'x' }])).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
      closeCode: 1008,
    });
    expect(pusher.open).toBe(false);
    await pusher.close();
  });
});

describe('Puller', () => {
  it('reads history in order from 0, then live entries', async () => {
    const sid = uniqueKey('lib-pull');
    for (const p of ['a', 'b', 'c']) await redis.xAdd(sid, '*', { d: p });
    const puller = new Puller(sid, { url: server.http, lastEntryId: '0', count: 2 });
    const history = await take(puller, 3);
    expect(history.map((e) => [e.sid, e.data.toString()])).toEqual([
      [sid, 'a'],
      [sid, 'b'],
      [sid, 'c'],
    ]);
    const liveId = String(await redis.xAdd(sid, '*', { d: 'live' }));
    const [live] = await take(puller, 1);
    expect([live.id, live.data.toString()]).toEqual([liveId, 'live']);
    expect(puller.position()).toBe(liveId);
    puller.close();
    expect((await puller.next()).done).toBe(true);
  });

  it('with $ starts at the newest entry and only delivers what comes after', async () => {
    const sid = uniqueKey('lib-pull-new');
    await redis.xAdd(sid, '*', { d: 'old' });
    const before = await quietHub();
    const puller = new Puller(sid, { url: server.http });
    const first = take(puller, 1);
    await expectEventually(() => hubListeners() === before + 1);
    await redis.xAdd(sid, '*', { d: 'new' });
    expect((await first).map((e) => e.data.toString())).toEqual(['new']);
    puller.close();
  });

  it('reconnects after the connection is cut and resumes with no gap and no duplicate', async () => {
    const sid = uniqueKey('lib-pull-resume');
    const pusher = await Pusher.connect(sid, { url: server.http, ack: true });
    const reasons: string[] = [];
    const puller = new Puller(sid, {
      url: proxy.url,
      lastEntryId: '0',
      count: 7,
      maxQueue: 16,
      reconnect: { minDelayMs: 20, maxDelayMs: 200 },
      onReconnect: (e) => reasons.push(e.reason),
    });
    const values = (entries: PulledEntry[]) => entries.map((e) => Number(e.data.toString()));

    await pusher.sendBatch(Array.from({ length: 200 }, (_, i) => ({ data: String(i) })));
    const part1 = await take(puller, 50);
    // Entries are in flight and queued when the connection drops.
    proxy.dropAll();
    await pusher.sendBatch(Array.from({ length: 200 }, (_, i) => ({ data: String(200 + i) })));
    const part2 = await take(puller, 350);
    await pusher.close();

    expect([...values(part1), ...values(part2)]).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(puller.reconnects).toBeGreaterThanOrEqual(1);
    expect(reasons[0]).toMatch(/1006/);
    puller.close();
  });

  it('keeps trying while the server cannot be reached, and misses nothing written meanwhile', async () => {
    const sid = uniqueKey('lib-pull-outage');
    const before = await quietHub();
    const puller = new Puller(sid, {
      url: proxy.url,
      reconnect: { minDelayMs: 20, maxDelayMs: 100 },
    });
    const first = take(puller, 1);
    await expectEventually(() => hubListeners() === before + 1);
    await redis.xAdd(sid, '*', { d: 'before outage' });
    expect((await first)[0].data.toString()).toBe('before outage');

    proxy.refusing = true;
    proxy.dropAll();
    const attempts = proxy.accepted;
    const during = ['w1', 'w2', 'w3'];
    for (const d of during) await redis.xAdd(sid, '*', { d });
    // Several reconnect attempts fail while the proxy refuses.
    await expectEventually(() => proxy.accepted >= attempts + 2);
    proxy.refusing = false;
    const rest = await take(puller, 3);
    expect(rest.map((e) => e.data.toString())).toEqual(during);
    expect(puller.reconnects).toBeGreaterThanOrEqual(2);
    puller.close();
  });

  it('fails the iteration without retrying when the server refuses the request', async () => {
    const puller = new Puller('bad+', { url: server.http, lastEntryId: '0' });
    const error = await puller.next().catch((e: Error) => e);
    expect(error).toBeInstanceOf(StreamerClientError);
    expect((error as StreamerClientError).status).toBe(400);
    expect((error as Error).message).toMatch(/must not contain "\+"/);
    expect(puller.reconnects).toBe(0);
  });

  it('with latest and ack a slow consumer gets the newest entry, not a backlog', async () => {
    const sid = uniqueKey('lib-pull-latest');
    await redis.xAdd(sid, '*', { d: 'seed' });
    const puller = new Puller(sid, { url: server.http, lastEntryId: '0', latest: true, ack: true });
    const [seed] = await take(puller, 1);
    expect(seed.data.toString()).toBe('seed');
    // While the consumer "works" (has not asked for more, so has not acked), 50 entries come:
    // the server keeps only the newest and skips the 49 others.
    const metrics = server.app.get(DataCounters);
    const droppedBefore = metrics.entriesDropped;
    for (let i = 0; i < 50; i++) await redis.xAdd(sid, '*', { d: String(i) });
    await expectEventually(() => metrics.entriesDropped - droppedBefore === 49);
    const [next] = await take(puller, 1);
    expect(next.data.toString()).toBe('49');
    puller.close();
  });
});

describe('HTTP helpers', () => {
  it('postEntries and getEntries round-trip, and getEntries resumes from its cursor', async () => {
    const a = uniqueKey('lib-http-a');
    const b = uniqueKey('lib-http-b');
    const [raw] = await postEntries(a, Buffer.from('raw'), { url: server.http });
    const ids = await postEntries(
      '*',
      [
        { sid: a, data: 'multi' },
        { sid: b, data: 'other' },
      ],
      { url: server.http },
    );
    const first = await getEntries([a, b], { url: server.http, lastEntryId: '0', count: 10 });
    expect(first.entries.map((e) => [e.sid, e.id, e.data.toString()])).toEqual([
      [a, raw, 'raw'],
      [a, ids[0], 'multi'],
      [b, ids[1], 'other'],
    ]);
    expect(first.lastEntryId).toBe(`${ids[0]}+${ids[1]}`);
    const next = await getEntries([a, b], { url: server.http, lastEntryId: first.lastEntryId });
    expect([next.entries, next.lastEntryId]).toEqual([[], first.lastEntryId]);
    await expect(getEntries(a, { url: server.http, count: 0 })).rejects.toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
    });
  });
});

describe('GraphQLClient', () => {
  it('runs queries with variables and reports GraphQL errors', async () => {
    const sid = uniqueKey('lib-gql');
    await redis.xAdd(sid, '*', { d: 'x' });
    const gql = new GraphQLClient(server.http);
    const data = await gql.query<{ streams: { sid: string; length: number }[] }>(
      'query($sids: [String!]) { streams(sids: $sids) { sid length } }',
      { sids: [sid] },
    );
    expect(data.streams).toEqual([{ sid, length: 1 }]);
    const error = await gql.query('{ noSuchField }').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error).toBeInstanceOf(StreamerClientError);
    expect((error as Error).message).toMatch(/noSuchField/);
  });
});
