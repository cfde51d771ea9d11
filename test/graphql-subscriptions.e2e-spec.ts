import { ReadHub } from '../src/streams/hub/read-hub.js';
import { UpgradeRouter } from '../src/ws/upgrade-router.js';
import { startServer, TestServer } from './support/app.js';
import { errorCodes, GqlWs, gqlData, Json } from './support/graphql.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/** The `data` subscription over a real graphql-ws client, fed by the WebSocket data path. */

interface DataEvent {
  sid: string;
  time: string;
  data: string;
  utf8: string | null;
  json: unknown;
}

const SUBSCRIPTION = `
  subscription Data($sids: [String!]!, $lastEntryId: String, $latest: Boolean) {
    data(sids: $sids, lastEntryId: $lastEntryId, latest: $latest) { sid time data utf8 json }
  }`;

describe('GraphQL data subscription', () => {
  let server: TestServer;
  let redis: TestRedis;
  let hub: ReadHub;
  const keys: string[] = [];
  const open: GqlWs[] = [];

  const key = (label: string) => {
    const k = uniqueKey(label);
    keys.push(k);
    return k;
  };
  const connect = async () => {
    const client = await GqlWs.open(server.ws);
    open.push(client);
    return client;
  };
  /** Pushes payloads over `/data/{sid}/push?ack=1` and resolves to their entry ids. */
  const push = async (sid: string, ...payloads: Buffer[]): Promise<string[]> => {
    const socket = await TestSocket.open(`${server.ws}/data/${encodeURIComponent(sid)}/push?ack=1`);
    const ids: string[] = [];
    try {
      for (const payload of payloads) {
        await socket.send(JSON.stringify([payload.length]));
        await socket.send(payload);
        ids.push(...(await socket.nextJson<string[]>()));
      }
    } finally {
      socket.close();
      await socket.closed;
    }
    return ids;
  };
  /** Waits until the hub has `n` listeners (a `$` subscription has fixed its cursor). */
  const listeners = (n: number) => expectEventually(() => hub.stats().listeners === n);

  beforeAll(async () => {
    server = await startServer({ MAX_SIDS_PER_REQUEST: 4 });
    redis = await connectRedis();
    hub = server.app.get(ReadHub);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await listeners(0);
  });

  afterAll(async () => {
    if (keys.length) await redis.del(keys);
    await redis.quit();
    await server.close();
  });

  it('delivers entries pushed over the WebSocket data path after it subscribed', async () => {
    const sid = key('sub-live');
    const client = await connect();
    const sub = client.subscribe<{ data: DataEvent }>(SUBSCRIPTION, { sids: [sid] });
    await listeners(1);
    expect(server.app.get(UpgradeRouter).connectionCounts().graphql).toBe(1);

    const text = Buffer.from('hello, wörld');
    const json = Buffer.from('{"n": 1, "tags": ["a"]}');
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    const empty = Buffer.alloc(0);
    const ids = await push(sid, text, json, binary, empty);

    const events = [];
    for (let i = 0; i < 4; i++) events.push((await sub.nextData()).data);
    expect(events).toEqual([
      { sid, time: ids[0], data: text.toString('base64'), utf8: 'hello, wörld', json: null },
      {
        sid,
        time: ids[1],
        data: json.toString('base64'),
        utf8: json.toString(),
        json: { n: 1, tags: ['a'] },
      },
      { sid, time: ids[2], data: binary.toString('base64'), utf8: null, json: null },
      { sid, time: ids[3], data: '', utf8: '', json: null },
    ]);
    expect(sub.pending()).toBe(0);
  });

  it('feeds a WebSocket pull and a GraphQL subscription on one server at the same time', async () => {
    const sid = key('sub-both');
    const pull = await TestSocket.open(`${server.ws}/data/${sid}/pull?count=10`);
    const client = await connect();
    const sub = client.subscribe<{ data: DataEvent }>(SUBSCRIPTION, { sids: [sid] });
    await listeners(2);
    expect(server.app.get(UpgradeRouter).connectionCounts()).toMatchObject({ pull: 1, graphql: 1 });

    const payloads = ['one', 'two', 'three'].map((s) => Buffer.from(s));
    const ids = await push(sid, ...payloads);

    const pulled: { id: string; data: string }[] = [];
    while (pulled.length < 3) {
      for (const e of await pull.nextBatch()) pulled.push({ id: e.id, data: e.data.toString() });
    }
    const subscribed: { id: string; data: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const { data } = await sub.nextData();
      subscribed.push({ id: data.time, data: data.utf8 ?? '' });
    }
    const expected = ids.map((id, i) => ({ id, data: payloads[i].toString() }));
    expect(pulled).toEqual(expected);
    expect(subscribed).toEqual(expected);
    pull.close();
    await pull.closed;
  });

  it('replays from lastEntryId, per stream, in order', async () => {
    const a = key('sub-replay-a');
    const b = key('sub-replay-b');
    const [a1, a2] = await push(a, Buffer.from('a1'), Buffer.from('a2'));
    const [b1, b2] = await push(b, Buffer.from('b1'), Buffer.from('b2'));
    const client = await connect();

    const all = client.subscribe<{ data: DataEvent }>(SUBSCRIPTION, {
      sids: [a, b],
      lastEntryId: '0',
    });
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push((await all.nextData()).data.time);
    expect(got.filter((id) => id === a1 || id === a2)).toEqual([a1, a2]);
    expect(got.filter((id) => id === b1 || id === b2)).toEqual([b1, b2]);

    // One cursor per stream, joined by "+": after a1 in a, after b2 (nothing yet) in b.
    const partial = client.subscribe<{ data: DataEvent }>(SUBSCRIPTION, {
      sids: [a, b],
      lastEntryId: `${a1}+${b2}`,
    });
    expect((await partial.nextData()).data).toMatchObject({ sid: a, time: a2, utf8: 'a2' });
    await listeners(4);
    const [b3] = await push(b, Buffer.from('b3'));
    expect((await partial.nextData()).data).toMatchObject({ sid: b, time: b3, utf8: 'b3' });
    expect((await all.nextData()).data).toMatchObject({ sid: b, time: b3 });
  });

  it('replays a long history through its bounded buffer without gaps, then goes live', async () => {
    const sid = key('sub-long');
    const total = 3000;
    const written = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        redis.sendCommand(['XADD', sid, '*', 'd', `entry ${i}`]),
      ),
    );
    const client = await connect();
    const sub = client.subscribe<{ data: { time: string; utf8: string } }>(
      `subscription { data(sids: ["${sid}"], lastEntryId: "0") { time utf8 } }`,
    );
    for (let i = 0; i < total; i++) {
      const { data } = await sub.nextData();
      expect(data).toEqual({ time: String(written[i]), utf8: `entry ${i}` });
    }
    await listeners(1);
    const [live] = await push(sid, Buffer.from('live'));
    expect((await sub.nextData()).data).toEqual({ time: live, utf8: 'live' });
  });

  it('with latest, starts at the newest entry and skips what it was too slow for', async () => {
    const sid = key('sub-latest');
    await push(sid, Buffer.from('old'), Buffer.from('newest'));
    const client = await connect();
    const sub = client.subscribe<{ data: DataEvent }>(SUBSCRIPTION, {
      sids: [sid],
      lastEntryId: '0',
      latest: true,
    });
    expect((await sub.nextData()).data.utf8).toBe('newest');
    await listeners(1);
    const ids = await push(sid, ...Array.from({ length: 50 }, (_, i) => Buffer.from(`n${i}`)));
    // Every event is newer than the last; the final entry always arrives.
    let last = '';
    const seen: string[] = [];
    while (last !== 'n49') {
      const { data } = await sub.nextData();
      seen.push(data.time);
      last = data.utf8 ?? '';
    }
    expect(seen).toEqual([...seen].sort((x, y) => ids.indexOf(x) - ids.indexOf(y)));
    expect(seen.every((id) => ids.includes(id))).toBe(true);
  });

  it('stops its hub listener when the client unsubscribes or disconnects', async () => {
    const sid = key('sub-stop');
    const client = await connect();
    const first = client.subscribe(SUBSCRIPTION, { sids: [sid] });
    const second = client.subscribe(SUBSCRIPTION, { sids: [sid, key('sub-stop-2')] });
    await listeners(3);

    first.unsubscribe();
    await listeners(2);
    expect(hub.stats().streams).toBe(2);

    // Disconnecting ends what is left.
    await client.close();
    await listeners(0);
    expect(hub.stats().streams).toBe(0);
    await expectEventually(() => server.app.get(UpgradeRouter).connectionCounts().graphql === 0);
    expect(second.pending()).toBe(0);
  });

  it('answers queries and mutations over the same WebSocket', async () => {
    const sid = key('sub-ws-query');
    await push(sid, Buffer.from('x'));
    const client = await connect();
    const mutation = client.subscribe(`mutation { streamMeta(sid: "${sid}", meta: {via: "ws"}) }`);
    expect(await mutation.nextData()).toEqual({ streamMeta: true });
    const query = client.subscribe<{ stream: Json }>(`{ stream(sid: "${sid}") { length meta } }`);
    expect(await query.nextData()).toEqual({ stream: { length: 1, meta: { via: 'ws' } } });
    await query.ended;
    expect(query.completed).toBe(true);
    keys.push(`XMETA:${sid}`);
  });

  describe('refuses bad input with a GraphQL error', () => {
    it.each([
      ['an invalid sid', { sids: ['a+b'] }, /must not contain "\+"/],
      ['an empty sid', { sids: [''] }, /must not be empty/],
      ['no sids', { sids: [] }, /at least one/],
      ['too many sids', { sids: ['a', 'b', 'c', 'd', 'e'] }, /at most 4/],
      ['a sid listed twice', { sids: ['a', 'a'] }, /listed twice/],
      ['a malformed lastEntryId', { sids: ['a'], lastEntryId: 'yesterday' }, /malformed/],
      ['a cursor count mismatch', { sids: ['a', 'b'], lastEntryId: '0+0+0' }, /3 ids for 2/],
    ])('%s', async (_label, variables, message) => {
      const client = await connect();
      const sub = client.subscribe(SUBSCRIPTION, variables);
      // graphql-transport-ws reports execution errors as a `next` result, then `complete`.
      const { data, errors } = await sub.next();
      await sub.ended;
      expect(sub.completed).toBe(true);
      expect(data ?? null).toBeNull();
      expect(errors).toHaveLength(1);
      expect(errors?.[0].message).toMatch(message);
      expect(errorCodes(errors)).toEqual(['BAD_USER_INPUT']);
      expect(hub.stats().listeners).toBe(0);
    });
  });

  it('still serves HTTP queries while subscriptions run', async () => {
    const sid = key('sub-http');
    const client = await connect();
    client.subscribe(SUBSCRIPTION, { sids: [sid] });
    await listeners(1);
    const { sids } = await gqlData<{ sids: string[] }>(server.http, '{ sids }');
    expect(Array.isArray(sids)).toBe(true);
  });
});
