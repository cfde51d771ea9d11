import { SyncPuller } from '../packages/client/src/index.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { bearer, mint, SECRET, wsOpen, wsRefusal } from './support/auth.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { parseMcap } from './support/mcap.js';
import { RedisServer } from './support/redis-server.js';
import { expectEventually, TestSocket } from './support/ws.js';

type Members = Record<string, [string, number] | null>;
interface TupleJson {
  ref: string;
  id: string;
  members: Members;
}
interface GapJson {
  sid: string;
  missed: number;
  from: string;
  to: string;
  exact: boolean;
}

/** A batch as received: the frames before its header, then its entries. */
interface Received {
  gaps: GapJson[];
  tuples: TupleJson[] | null;
  entries: { sid: string; id: string; data: string }[];
}

async function nextBatch(ws: TestSocket): Promise<Received> {
  const got: Received = { gaps: [], tuples: null, entries: [] };
  for (;;) {
    const parsed = await ws.nextJson<unknown>();
    if (Array.isArray(parsed)) {
      const header = parsed as [string, string, number][];
      const body = await ws.nextBinary();
      got.entries = header.map(([sid, id, start], i) => ({
        sid,
        id,
        data: body
          .subarray(start, i + 1 < header.length ? header[i + 1][2] : body.length)
          .toString(),
      }));
      return got;
    }
    const frame = parsed as { gap?: GapJson; tuples?: TupleJson[] };
    if (frame.gap) got.gaps.push(frame.gap);
    else if (frame.tuples) got.tuples = frame.tuples;
    else throw new Error(`unexpected frame ${JSON.stringify(parsed)}`);
  }
}

/** Synchronized pulls (`sync`) and decimation (`rate`): docs/sync.md. */
describe('synchronized pulls and decimation', () => {
  let server: TestServer;
  let redis: TestRedis;
  const sockets: TestSocket[] = [];
  const keys: string[] = [];

  beforeAll(async () => {
    server = await startServer({ STREAM_MAXLEN: 0 });
    redis = await connectRedis();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await expectEventually(() => server.app.get(ReadHub).stats().listeners === 0);
    for (const key of keys.splice(0)) await redis.del(key);
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
  });

  function key(label: string): string {
    const k = uniqueKey(label);
    keys.push(k);
    return k;
  }

  async function add(sid: string, id: string, data = id): Promise<string> {
    return String(await redis.xAdd(sid, id, { d: data }));
  }

  async function open(sids: string[], query: string): Promise<TestSocket> {
    const path = sids.map(encodeURIComponent).join('+');
    const socket = await TestSocket.open(`${server.ws}/data/${path}/pull?${query}`);
    sockets.push(socket);
    return socket;
  }

  it('pairs each reference entry with the nearest partner entries, ties to the earlier, far ones missing', async () => {
    const [cam, imu, depth] = [key('cam'), key('imu'), key('depth')];
    for (const id of ['1000-0', '2000-0', '3000-0']) await add(cam, id);
    for (const id of ['990-0', '1004-0', '1990-0', '2010-0', '2500-0', '3100-0'])
      await add(imu, id);
    for (const id of ['1000-0', '1000-1', '2015-0', '2980-0', '9000-0']) await add(depth, id);

    const ws = await open(
      [cam, imu, depth],
      `sync=${encodeURIComponent(cam)}&tolerance_ms=20&last_entry_id=0&tuples=1`,
    );
    const got = [await nextBatch(ws), await nextBatch(ws), await nextBatch(ws)];

    expect(got.map((b) => b.tuples)).toEqual([
      [{ ref: cam, id: '1000-0', members: { [imu]: ['1004-0', 4], [depth]: ['1000-0', 0] } }],
      // 1990 and 2010 are both 10 ms away: the earlier one
      [{ ref: cam, id: '2000-0', members: { [imu]: ['1990-0', -10], [depth]: ['2015-0', 15] } }],
      // imu's nearest (3100) is 100 ms away: missing
      [{ ref: cam, id: '3000-0', members: { [imu]: null, [depth]: ['2980-0', -20] } }],
    ]);
    // The batches are plain pull batches: reference first, then the partners found.
    expect(got[2].entries).toEqual([
      { sid: cam, id: '3000-0', data: '3000-0' },
      { sid: depth, id: '2980-0', data: '2980-0' },
    ]);
  });

  it('sends a live tuple once its partner arrives, and marks a partner missing when the wait bound passes', async () => {
    const [cam, imu] = [key('cam'), key('imu')];
    const t = Date.now() + 60_000;
    await add(imu, `${t - 100000}-0`);
    const ws = await open(
      [cam, imu],
      `sync=${encodeURIComponent(cam)}&tolerance_ms=50&max_wait_ms=2000&tuples=1`,
    );
    await expectEventually(() => server.app.get(ReadHub).stats().listeners >= 2);

    await add(cam, `${t}-0`);
    await add(imu, `${t + 7}-0`);
    const paired = await nextBatch(ws);
    expect(paired.tuples).toEqual([
      { ref: cam, id: `${t}-0`, members: { [imu]: [`${t + 7}-0`, 7] } },
    ]);

    // No imu entry at or after this time: the tuple goes out at the wait bound, imu missing.
    await add(cam, `${t + 1000}-0`);
    const late = await nextBatch(ws);
    expect(late.tuples).toEqual([{ ref: cam, id: `${t + 1000}-0`, members: { [imu]: null } }]);
    expect(late.entries.map((e) => e.sid)).toEqual([cam]);
  });

  it('with latest, sends the newest complete tuple and tells what it skipped', async () => {
    const [cam, imu] = [key('cam'), key('imu')];
    for (let i = 1; i <= 5; i++) {
      await add(cam, `${i * 1000}-0`);
      await add(imu, `${i * 1000 + 3}-0`);
    }
    const ws = await open(
      [cam, imu],
      `sync=${encodeURIComponent(cam)}&latest=1&gaps=1&last_entry_id=0&tuples=1`,
    );
    const got = await nextBatch(ws);
    expect(got.tuples).toEqual([{ ref: cam, id: '5000-0', members: { [imu]: ['5003-0', 3] } }]);
    expect(got.gaps).toEqual([{ sid: cam, missed: 4, from: '0-0', to: '5000-0', exact: true }]);
  });

  it('decimates history to the newest entry of each window, reporting skipped windows with gaps=1', async () => {
    const [cam, imu] = [key('cam'), key('imu')];
    for (let ms = 1000; ms < 3000; ms += 100) await add(cam, `${ms}-0`);
    for (const id of ['1500-0', '1600-0']) await add(imu, id);
    const ws = await open(
      [cam, imu],
      `rate=${encodeURIComponent(cam)}:1,${encodeURIComponent(imu)}:0&gaps=1&last_entry_id=0&count=10`,
    );
    const received: Received[] = [];
    const ids = () =>
      received.flatMap((b) => b.entries.map((e) => `${e.sid === cam ? 'cam' : 'imu'}:${e.id}`));
    while (ids().length < 4) received.push(await nextBatch(ws));
    expect(ids().filter((i) => i.startsWith('cam'))).toEqual(['cam:1900-0', 'cam:2900-0']);
    expect(ids().filter((i) => i.startsWith('imu'))).toEqual(['imu:1500-0', 'imu:1600-0']);
    const gaps = received.flatMap((b) => b.gaps);
    expect(gaps).toEqual([
      { sid: cam, missed: 1, from: '0-0', to: '1900-0', exact: false },
      { sid: cam, missed: 1, from: '1900-0', to: '2900-0', exact: false },
    ]);
  });

  it('decimates live entries, counting what each window skipped', async () => {
    const cam = key('cam');
    // Ids an hour ahead, 5 s windows: a window closes when the next window's entry arrives.
    const base = Math.ceil((Date.now() + 3_600_000) / 5000) * 5000;
    await add(cam, `${base - 5000}-0`);
    const ws = await open([cam], `rate=0.2&gaps=1`);
    await expectEventually(() => server.app.get(ReadHub).stats().listeners >= 1);
    const ids = [...Array.from({ length: 10 }, (_, i) => base + i * 400), base + 5000];
    await Promise.all(ids.map((ms) => add(cam, `${ms}-0`)));
    const got = await nextBatch(ws);
    expect(got.entries.map((e) => e.id)).toEqual([`${base + 3600}-0`]);
    expect(got.gaps).toEqual([
      { sid: cam, missed: 9, from: `${base - 5000}-0`, to: `${base + 3600}-0`, exact: true },
    ]);
  });

  it('answers a page of tuples on HTTP GET, with x-sync-tuples and a cursor to go on from', async () => {
    const [cam, imu] = [key('cam'), key('imu')];
    for (const id of ['1000-0', '2000-0', '3000-0']) await add(cam, id);
    for (const id of ['1002-0', '2050-0', '2999-0', '4000-0']) await add(imu, id);
    const path = `${encodeURIComponent(cam)}+${encodeURIComponent(imu)}`;
    const res = await fetch(
      `${server.http}/data/${path}?sync=${encodeURIComponent(cam)}&last_entry_id=0&count=2`,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.headers.get('x-sync-tuples') ?? 'null')).toEqual([
      { ref: cam, id: '1000-0', members: { [imu]: ['1002-0', 2] } },
      { ref: cam, id: '2000-0', members: { [imu]: null } },
    ]);
    expect(JSON.parse(res.headers.get('entry-offset') ?? 'null')).toEqual([
      [cam, '1000-0', 0],
      [imu, '1002-0', 6],
      [cam, '2000-0', 12],
    ]);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('1000-01002-02000-0');
    const next = res.headers.get('x-last-entry-id');
    expect(next).toBe('2000-0+0-0');
    const more = await fetch(
      `${server.http}/data/${path}?sync=${encodeURIComponent(cam)}&last_entry_id=${next}&count=2`,
    );
    expect(JSON.parse(more.headers.get('x-sync-tuples') ?? 'null')).toEqual([
      { ref: cam, id: '3000-0', members: { [imu]: ['2999-0', -1] } },
    ]);
  });

  it.each([
    ['sync=nope', 'sync names "nope", which is not in the URL'],
    ['sync=A&tolerance_ms=0', 'tolerance_ms must be an integer from 1 to 60000'],
    ['sync=A&tolerance_ms=99999999', 'tolerance_ms must be an integer from 1 to 60000'],
    ['sync=A&tolerance_ms=-5', 'tolerance_ms must be an integer from 1 to 60000'],
    ['rate=A:fast', 'rate of "A" must be a number from 0 to 1000'],
    ['rate=C:2', 'rate names "C", which is not one of the request\'s streams'],
    ['sync=A&rate=B:2', 'rate thins the reference stream only'],
    ['sync=A&group=g&consumer=c', 'sync does not go with group'],
    ['rate=A:2&header=0', 'rate needs header=1'],
  ])('refuses %s with 400 at the handshake and on HTTP GET', async (query, message) => {
    const refusal = await wsRefusal(`${server.ws}/data/A+B/pull?${query}`);
    expect(refusal.status).toBe(400);
    expect(refusal.body.error?.code).toBe('BAD_REQUEST');
    expect(refusal.body.error?.message).toContain(message);
    if (query.includes('header=0')) return;
    const res = await fetch(`${server.http}/data/A+B?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toContain(message);
  });

  it('thins an MCAP export with rate: the newest entry of each window, other streams in full', async () => {
    const [cam, imu] = [key('cam'), key('imu')];
    for (let ms = 1000; ms < 4000; ms += 100) await add(cam, `${ms}-0`);
    for (const id of ['1500-0', '1600-0', '2500-0']) await add(imu, id);
    const path = `${encodeURIComponent(cam)}+${encodeURIComponent(imu)}`;
    const res = await fetch(
      `${server.http}/data/${path}/export?rate=${encodeURIComponent(cam)}:1&compression=none`,
    );
    expect(res.status).toBe(200);
    const mcap = parseMcap(new Uint8Array(await res.arrayBuffer()));
    const topics = new Map([...mcap.channels].map(([id, c]) => [id, c.topic]));
    const messages = mcap.messages.map(
      (m) => `${topics.get(m.channelId) === cam ? 'cam' : 'imu'}:${m.logTime / 1_000_000n}`,
    );
    expect(messages).toEqual([
      'imu:1500',
      'imu:1600',
      'cam:1900',
      'imu:2500',
      'cam:2900',
      'cam:3900',
    ]);
    const refused = await fetch(
      `${server.http}/data/${path}/export?rate=${encodeURIComponent(cam)}:x`,
    );
    expect(refused.status).toBe(400);
  });

  it("yields tuples from the TypeScript client's SyncPuller", async () => {
    const [cam, imu] = [key('cam'), key('imu')];
    for (const id of ['1000-0', '2000-0']) await add(cam, id);
    for (const id of ['1003-0', '2100-0']) await add(imu, id);
    const tuples = new SyncPuller([cam, imu], {
      url: server.http,
      lastEntryId: '0',
      sync: { reference: cam, toleranceMs: 20 },
    });
    const got: string[] = [];
    for await (const { reference, partners } of tuples) {
      const p = partners[imu];
      got.push(
        `${reference.id} ${p ? `${p.entry.id} ${p.dtMs} ${p.entry.data.toString()}` : 'missing'}`,
      );
      if (got.length === 2) break;
    }
    expect(got).toEqual(['1000-0 1003-0 3 1003-0', '2000-0 missing']);
  });

  it('leaves plain pulls of the same path alone', async () => {
    const cam = key('cam');
    await add(cam, '1000-0');
    const ws = await open([cam], 'last_entry_id=0');
    expect((await nextBatch(ws)).entries).toEqual([{ sid: cam, id: '1000-0', data: '1000-0' }]);
  });
});

describe('synchronized pulls under auth', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ AUTH_JWT_SECRET: SECRET });
  });

  afterAll(() => server.close());

  it('needs read permission on every stream of the tuple', async () => {
    const [cam, imu] = ['auth-cam', 'auth-imu'];
    const onlyCam = await mint({ read: [cam] });
    const both = await mint({ read: [cam, imu] });
    const url = `${server.ws}/data/${cam}+${imu}/pull?sync=${cam}`;
    expect((await wsRefusal(url)).status).toBe(401);
    const refused = await wsRefusal(url, bearer(onlyCam));
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toContain(imu);
    const http = await fetch(`${server.http}/data/${cam}+${imu}?sync=${cam}`, {
      headers: bearer(onlyCam),
    });
    expect(http.status).toBe(403);
    const ws = await wsOpen(url, bearer(both));
    ws.close();
  });
});

/**
 * History decimation reads about one entry per window: counted on a private Redis, where
 * `INFO commandstats` sees only this test's commands.
 */
describe('decimated history reads', () => {
  let redisServer: RedisServer;
  let server: TestServer;
  let redis: TestRedis;

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    server = await startServer({
      REDIS_URL: redisServer.url,
      REDIS_CLUSTER: false,
      STREAM_MAXLEN: 0,
    });
    await server.ready();
    redis = await connectRedis(redisServer.url);
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
    await redisServer.dispose();
  });

  async function rangeCalls(): Promise<number> {
    const info = String(await redis.sendCommand(['INFO', 'commandstats']));
    let calls = 0;
    for (const m of info.matchAll(/cmdstat_(?:xrange|xrevrange):calls=(\d+)/g))
      calls += Number(m[1]);
    return calls;
  }

  it('reads two single-entry ranges per window, not every entry', async () => {
    const cam = 'cam';
    const payload = Buffer.alloc(1024, 'x');
    // 60 s of 30 fps
    for (let f = 0; f < 1800; f++) {
      void redis.xAdd(cam, `${1_000_000 + Math.floor((f * 1000) / 30)}-0`, { d: payload });
    }
    await expectEventually(async () => (await redis.xLen(cam)) === 1800);
    const before = await rangeCalls();
    const res = await fetch(`${server.http}/data/cam?rate=1&last_entry_id=0&count=1000`);
    const offsets = JSON.parse(res.headers.get('entry-offset') ?? '[]') as unknown[];
    const calls = (await rangeCalls()) - before;
    expect(offsets).toHaveLength(60);
    // two per window, and one that finds the end
    expect(calls).toBe(2 * 60 + 1);
  });
});
