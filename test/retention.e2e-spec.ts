import { startServer, TestServer } from './support/app.js';
import { errorCodes, gql, gqlData } from './support/graphql.js';
import { connectRedis, readEntries, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/** Retention by time (STREAM_MAXAGE_MS, per-stream `retention` metadata) and with a count. */
describe('retention by time and count', () => {
  let redis: TestRedis;
  const servers: TestServer[] = [];
  const sockets: TestSocket[] = [];
  /** Entries older than any age used here. */
  const OLD_MS = Date.now() - 3_600_000;

  beforeAll(async () => {
    redis = await connectRedis();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const s of servers.splice(0)) await s.close();
  });

  afterAll(async () => {
    await redis.close();
  });

  async function server(overrides: Parameters<typeof startServer>[0]): Promise<TestServer> {
    const started = await startServer(overrides);
    servers.push(started);
    return started;
  }

  /** Entries an hour old, written straight to Redis (as an earlier producer would have). */
  async function addOld(sid: string, n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, (_, i) => `${OLD_MS + i}-0`);
    await Promise.all(ids.map((id) => redis.xAdd(sid, id, { d: 'old' })));
    return ids;
  }

  /** Pushes `n` entries through the gateway, `per` in each acked batch; resolves to their ids. */
  async function push(at: TestServer, sid: string, n: number, per = 1): Promise<string[]> {
    const ws = await TestSocket.open(`${at.ws}/data/${sid}/push?ack=1`);
    sockets.push(ws);
    const ids: string[] = [];
    for (let sent = 0; sent < n; sent += per) {
      const k = Math.min(per, n - sent);
      await ws.send(JSON.stringify(Array.from({ length: k }, (_, i) => (i + 1) * 3)));
      await ws.send(Buffer.from('new'.repeat(k)));
      ids.push(...(await ws.nextJson<string[]>()));
    }
    ws.close();
    return ids;
  }

  it('STREAM_MAXAGE_MS drops entries older than the age and keeps the newer ones', async () => {
    const at = await server({ STREAM_MAXLEN: 0, STREAM_MAXAGE_MS: 60_000 });
    const sid = uniqueKey('age');
    const old = await addOld(sid, 300);
    const fresh = await push(at, sid, 20);
    const kept = (await readEntries(redis, sid)).map((e) => e.id);
    // every entry younger than the age stays
    expect(kept.filter((id) => fresh.includes(id))).toEqual(fresh);
    // trimming is approximate (whole radix-tree nodes of up to 100 entries), so at most one
    // partly old node may stay: at least 200 of the 300 old entries are gone
    const oldKept = kept.filter((id) => old.includes(id));
    expect(oldKept.length).toBeLessThan(100);
    expect(oldKept).toEqual(old.slice(old.length - oldKept.length));
  });

  it("a stream's retention metadata sets its own age over the default (none)", async () => {
    const at = await server({ STREAM_MAXLEN: 0 });
    const own = uniqueKey('own-age');
    const other = uniqueKey('default-age');
    await gqlData(
      at.http,
      `mutation($sid: String!) { streamMeta(sid: $sid, meta: {retention: {maxAgeMs: 60000}}) }`,
      { sid: own },
    );
    const oldOwn = await addOld(own, 300);
    const oldOther = await addOld(other, 300);
    const oldKept = async (sid: string, old: string[]) =>
      (await readEntries(redis, sid)).filter((e) => old.includes(e.id)).length;
    // the first append of a stream loads its metadata in the background; later ones use it
    await expectEventually(async () => {
      await push(at, own, 5);
      return (await oldKept(own, oldOwn)) < 100;
    });
    await push(at, other, 20);
    expect(await oldKept(other, oldOther)).toBe(300);
  });

  it('with an age and a count, the count still bounds a fast stream', async () => {
    const at = await server({ STREAM_MAXLEN: 50, STREAM_MAXAGE_MS: 3_600_000 });
    const sid = uniqueKey('age-and-count');
    const ids = await push(at, sid, 600, 20);
    const kept = (await readEntries(redis, sid)).map((e) => e.id);
    // XTRIM MAXLEN ~ 50 every 5 appends: about 50, plus up to one node and 5 appends
    expect(kept.length).toBeGreaterThanOrEqual(50);
    expect(kept.length).toBeLessThan(50 + 100 + 5);
    expect(kept).toEqual(ids.slice(ids.length - kept.length));
  });

  it('refuses malformed retention metadata as bad input', async () => {
    const at = await server({});
    const sid = uniqueKey('bad-retention');
    for (const meta of [
      '{retention: 5}',
      '{retention: {maxAgeMs: -1}}',
      '{retention: {maxAgeMs: 1.5}}',
      '{retention: {maxAge: 100}}',
    ]) {
      const res = await gql(
        at.http,
        `mutation($sid: String!) { streamMeta(sid: $sid, meta: ${meta}) }`,
        { sid },
      );
      expect(errorCodes(res.errors)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors?.[0].message).toMatch(/^retention/);
    }
    expect(await redis.exists(`XMETA:${sid}`)).toBe(0);
  });
});
