import type { RedisClusterType } from 'redis';
import { RedisConnections } from '../src/redis/redis-connections.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { bearer, mint, SECRET, wsOpen, wsRefusal } from './support/auth.js';
import { errorCodes, gql, gqlData } from './support/graphql.js';
import { connectRedis, ON_CLUSTER, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/** A group consumer's socket that records the ids it receives (batch after batch). */
class Consumer {
  readonly ids: string[] = [];
  private readonly reading: Promise<void>;

  private constructor(readonly socket: TestSocket) {
    this.reading = this.read();
  }

  static async open(url: string): Promise<Consumer> {
    return new Consumer(await TestSocket.open(url));
  }

  private async read(): Promise<void> {
    for (;;) {
      try {
        for (const entry of await this.socket.nextBatch(60_000)) this.ids.push(entry.id);
      } catch {
        return; // closed
      }
    }
  }

  async ack(ids: readonly string[]): Promise<void> {
    await this.socket.send(JSON.stringify({ ack: ids }));
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.socket.closed;
    await this.reading;
  }
}

/** Consumer groups over WebSocket and HTTP, against a real Redis (and the cluster target). */
describe('consumer groups', () => {
  let server: TestServer;
  let redis: TestRedis;
  const open: Consumer[] = [];

  beforeAll(async () => {
    server = await startServer({ STREAM_MAXLEN: 0, GROUP_CLAIM_IDLE_MS: 300 });
    redis = await connectRedis();
  });

  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    await expectEventually(() => server.app.get(ReadHub).stats().listeners === 0);
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
  });

  async function consumer(sid: string, query: string, at = server): Promise<Consumer> {
    const c = await Consumer.open(`${at.ws}/data/${encodeURIComponent(sid)}/pull?${query}`);
    open.push(c);
    return c;
  }

  async function add(sid: string, n: number, label = 'e'): Promise<string[]> {
    return Promise.all(
      Array.from({ length: n }, async (_, i) =>
        String(await redis.xAdd(sid, '*', { d: `${label}${i}` })),
      ),
    );
  }

  async function pendingCount(sid: string, group: string): Promise<number> {
    const reply = (await redis.sendCommand(['XPENDING', sid, group])) as unknown[];
    return Number(reply[0]);
  }

  async function listeners(n: number): Promise<void> {
    await expectEventually(() => server.app.get(ReadHub).stats().listeners === n);
  }

  it('shares the entries of a stream out between four consumers, each to one', async () => {
    const sid = uniqueKey('grp-share');
    const workers = await Promise.all(
      [1, 2, 3, 4].map((i) => consumer(sid, `group=g&consumer=w${i}&count=5`)),
    );
    await listeners(4);
    const ids = await add(sid, 200);
    await expectEventually(() => workers.reduce((n, w) => n + w.ids.length, 0) >= 200, 10_000);
    const all = workers.flatMap((w) => w.ids);
    // disjoint, and together every entry
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual([...ids].sort());
    console.log(
      `4 consumers of one group, 200 entries: ${workers.map((w) => w.ids.length).join(' + ')}`,
    );
    // ack=auto: acknowledged once written
    await expectEventually(async () => (await pendingCount(sid, 'g')) === 0);
  });

  it('takes turns: entries that come one at a time go round the consumers', async () => {
    const sid = uniqueKey('grp-turns');
    const workers = await Promise.all(
      [1, 2, 3, 4].map((i) => consumer(sid, `group=g&consumer=w${i}&count=16`)),
    );
    await listeners(4);
    for (let i = 0; i < 8; i++) {
      await add(sid, 1, `t${i}-`);
      await expectEventually(() => workers.reduce((n, w) => n + w.ids.length, 0) === i + 1);
    }
    const shares = workers.map((w) => w.ids.length);
    console.log(`4 consumers, 8 entries one at a time: ${shares.join(' + ')}`);
    // every consumer that is ready gets its turn, not the first one to be woken each time
    for (const share of shares) expect(share).toBeGreaterThan(0);
  });

  it('creates the group from last_entry_id, and an existing group keeps its position', async () => {
    const sid = uniqueKey('grp-start');
    const old = await add(sid, 3, 'old');
    const first = await consumer(sid, 'group=g&consumer=a&last_entry_id=0&count=10');
    await expectEventually(() => first.ids.length === 3);
    expect(first.ids).toEqual(old);
    await first.close();
    // the group exists now: last_entry_id=0 does not replay what it delivered
    const again = await consumer(sid, 'group=g&consumer=b&last_entry_id=0&count=10');
    await listeners(1);
    const [fresh] = await add(sid, 1, 'new');
    await expectEventually(() => again.ids.length === 1);
    expect(again.ids).toEqual([fresh]);
  });

  it('redelivers unacknowledged entries to a consumer that comes back (ack=client)', async () => {
    const sid = uniqueKey('grp-redeliver');
    const a = await consumer(sid, 'group=g&consumer=a&ack=client&count=10');
    await listeners(1);
    const ids = await add(sid, 5);
    await expectEventually(() => a.ids.length === 5);
    await a.ack(ids.slice(0, 2));
    await expectEventually(async () => (await pendingCount(sid, 'g')) === 3);
    await a.close();
    const back = await consumer(sid, 'group=g&consumer=a&ack=client&count=10');
    await expectEventually(() => back.ids.length === 3);
    expect(back.ids).toEqual(ids.slice(2));
    await back.ack(back.ids);
    await expectEventually(async () => (await pendingCount(sid, 'g')) === 0);
  });

  it('with ack=client, count is what a worker holds unacknowledged, the rest goes to others', async () => {
    const sid = uniqueKey('grp-prefetch');
    const a = await consumer(sid, 'group=g&consumer=a&ack=client&count=1');
    const b = await consumer(sid, 'group=g&consumer=b&ack=client&count=1');
    await listeners(2);
    const ids = await add(sid, 4);
    await expectEventually(() => a.ids.length === 1 && b.ids.length === 1);
    expect(await pendingCount(sid, 'g')).toBe(2);
    // each acknowledgement lets one more entry go to that worker
    await a.ack(a.ids);
    await b.ack(b.ids);
    await expectEventually(() => a.ids.length === 2 && b.ids.length === 2);
    expect([...a.ids, ...b.ids].sort()).toEqual([...ids].sort());
  });

  it("hands a disconnected consumer's unacknowledged entries to another at once", async () => {
    // a server whose idle claim would take far longer than this test waits
    const slow = await startServer({ STREAM_MAXLEN: 0, GROUP_CLAIM_IDLE_MS: 600_000 });
    try {
      const sid = uniqueKey('grp-release');
      const a = await consumer(sid, 'group=g&consumer=a&ack=client&count=10', slow);
      await expectEventually(() => slow.app.get(ReadHub).stats().listeners === 1);
      const ids = await add(sid, 4);
      await expectEventually(() => a.ids.length === 4);
      const b = await consumer(sid, 'group=g&consumer=b&ack=client&count=10', slow);
      await expectEventually(() => slow.app.get(ReadHub).stats().listeners === 2);
      a.socket.ws.terminate();
      await expectEventually(() => b.ids.length === 4);
      expect([...b.ids].sort()).toEqual([...ids].sort());
    } finally {
      for (const c of open.splice(0)) await c.close();
      await slow.close();
    }
  });

  it('claims entries pending longer than GROUP_CLAIM_IDLE_MS with a consumer that went silent', async () => {
    const sid = uniqueKey('grp-idle');
    const stuck = await consumer(sid, 'group=g&consumer=stuck&ack=client&count=10');
    await listeners(1);
    const ids = await add(sid, 3);
    await expectEventually(() => stuck.ids.length === 3);
    // stuck stays connected and never acks; a second consumer claims them after the idle time
    const other = await consumer(sid, 'group=g&consumer=other&ack=client&count=10');
    await expectEventually(() => other.ids.length === 3);
    expect(other.ids).toEqual(ids);
    await other.ack(other.ids);
    await expectEventually(async () => (await pendingCount(sid, 'g')) === 0);
  });

  it('serves 100 group consumers on 10 streams with no more Redis connections than pullers', async () => {
    const sids = Array.from({ length: 10 }, (_, i) => uniqueKey(`grp-conn${i}`));
    const instance = server.app.get(RedisConnections).instance;
    const pullers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        TestSocket.open(`${server.ws}/data/${sids[i % 10]}/pull`),
      ),
    );
    await listeners(100);
    const withPullers = await serverConnections(redis, instance);
    pullers.forEach((p) => p.close());
    await listeners(0);
    const consumers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        consumer(sids[i % 10], `group=g&consumer=c${i}&count=5`),
      ),
    );
    await listeners(100);
    const withConsumers = await serverConnections(redis, instance);
    console.log(
      `Redis connections of the server: 100 plain pullers on 10 streams ${withPullers}, ` +
        `100 group consumers on 10 streams ${withConsumers} (${ON_CLUSTER ? 'cluster' : 'one Redis'})`,
    );
    expect(withConsumers).toBeLessThanOrEqual(withPullers);
    // and they work: 100 entries over the 10 streams, each delivered once
    const ids = (await Promise.all(sids.map((sid) => add(sid, 10)))).flat();
    await expectEventually(() => consumers.reduce((n, c) => n + c.ids.length, 0) >= 100, 10_000);
    expect(consumers.flatMap((c) => c.ids).sort()).toEqual(ids.sort());
  });

  it('reads as a group consumer over HTTP GET (ack=auto)', async () => {
    const sid = uniqueKey('grp-http');
    const ids = await add(sid, 4);
    const get = async (consumerName: string) => {
      const res = await fetch(
        `${server.http}/data/${sid}?group=g&consumer=${consumerName}&last_entry_id=0&count=2`,
      );
      const offsets = JSON.parse(res.headers.get('entry-offset') ?? '[]') as [string, string][];
      await res.arrayBuffer();
      return offsets.map(([, id]) => id);
    };
    const first = await get('h1');
    const second = await get('h2');
    expect([...first, ...second]).toEqual(ids);
    expect(await get('h1')).toEqual([]);
    await expectEventually(async () => (await pendingCount(sid, 'g')) === 0);
    // with block, a GET waits (on the shared hub) for the next entry
    const waiting = fetch(`${server.http}/data/${sid}?group=g&consumer=h3&block=10000`);
    await listeners(1);
    const [later] = await add(sid, 1, 'later');
    const res = await waiting;
    await res.arrayBuffer();
    expect(JSON.parse(res.headers.get('entry-offset') ?? '[]')).toEqual([[sid, later, 0]]);
  });

  it('lists groups in GraphQL and deletes one', async () => {
    const sid = uniqueKey('grp-gql');
    const a = await consumer(sid, 'group=workers&consumer=a&ack=client&count=10');
    await listeners(1);
    await add(sid, 3);
    await expectEventually(() => a.ids.length === 3);
    const query = `query($sid: String!) { stream(sid: $sid) { groups consumerGroups {
      name pending lastDeliveredId entriesRead lag consumers { name pending idleMs } } } }`;
    const { stream } = await gqlData<{
      stream: {
        groups: number;
        consumerGroups: {
          name: string;
          pending: number;
          lastDeliveredId: string;
          entriesRead: number | null;
          lag: number | null;
          consumers: { name: string; pending: number; idleMs: number }[];
        }[];
      };
    }>(server.http, query, { sid });
    expect(stream.groups).toBe(1);
    expect(stream.consumerGroups).toEqual([
      {
        name: 'workers',
        pending: 3,
        lastDeliveredId: a.ids[2],
        entriesRead: 3,
        lag: 0,
        consumers: [{ name: 'a', pending: 3, idleMs: expect.any(Number) as number }],
      },
    ]);
    const remove = `mutation($sid: String!, $group: String!) { deleteConsumerGroup(sid: $sid, group: $group) }`;
    expect(await gqlData(server.http, remove, { sid, group: 'workers' })).toEqual({
      deleteConsumerGroup: true,
    });
    expect(await gqlData(server.http, remove, { sid, group: 'workers' })).toEqual({
      deleteConsumerGroup: false,
    });
  });

  it.each([
    'group=g',
    'consumer=c',
    'ack=client',
    'group=g&consumer=c&latest=1',
    'group=g&consumer=c&gaps=1',
    'group=g&consumer=c&ack=1',
    'group=&consumer=c',
  ])('refuses %s at the handshake (400)', async (query) => {
    const socket = new TestSocket(`${server.ws}/data/x/pull?${query}`);
    await expect(socket.opened).rejects.toThrow(/HTTP 400/);
  });

  it('closes the consumers of a deleted group with 1011 at their next read', async () => {
    const sid = uniqueKey('grp-deleted');
    const a = await consumer(sid, 'group=g&consumer=a');
    await listeners(1);
    const remove = `mutation($sid: String!) { deleteConsumerGroup(sid: $sid, group: "g") }`;
    expect(await gqlData(server.http, remove, { sid })).toEqual({ deleteConsumerGroup: true });
    await add(sid, 1);
    const { code, reason } = await a.socket.closed;
    expect(code).toBe(1011);
    expect(reason).toMatch(/NOGROUP/);
  });

  it('needs read on the stream to consume, and write to delete a group', async () => {
    const secured = await startServer({ AUTH_JWT_SECRET: SECRET, STREAM_MAXLEN: 0 });
    try {
      const sid = uniqueKey('grp-auth');
      const reader = await mint({ read: [sid] });
      const other = await mint({ read: ['elsewhere/*'] });
      const url = `${secured.ws}/data/${sid}/pull?group=g&consumer=a`;
      expect((await wsRefusal(url, bearer(other))).status).toBe(403);
      const ws = await wsOpen(url, bearer(reader));
      // reading with the group created it
      await expectEventually(
        async () => ((await redis.sendCommand(['XINFO', 'GROUPS', sid])) as unknown[]).length === 1,
      );
      ws.close();
      const remove = `mutation($sid: String!) { deleteConsumerGroup(sid: $sid, group: "g") }`;
      const call = async (token: string) => {
        const res = await fetch(`${secured.http}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(token) },
          body: JSON.stringify({ query: remove, variables: { sid } }),
        });
        return (await res.json()) as {
          data?: unknown;
          errors?: Parameters<typeof errorCodes>[0];
        };
      };
      expect(errorCodes((await call(reader)).errors)).toEqual(['FORBIDDEN']);
      const writer = await mint({ read: [sid], write: [sid] });
      expect((await call(writer)).data).toEqual({ deleteConsumerGroup: true });
    } finally {
      await secured.close();
    }
  });

  it('refuses malformed acknowledgements with 1007', async () => {
    const sid = uniqueKey('grp-bad-ack');
    const a = await consumer(sid, 'group=g&consumer=a&ack=client');
    await a.socket.send('{"ack": 5}');
    const { code } = await a.socket.closed;
    expect(code).toBe(1007);
  });

  it('answers GraphQL errors for a bad group name', async () => {
    const res = await gql(server.http, `mutation { deleteConsumerGroup(sid: "x", group: "") }`);
    expect(errorCodes(res.errors)).toEqual(['BAD_USER_INPUT']);
  });
});

/** The server's connections (CLIENT LIST names tagged with its instance) on every master. */
async function serverConnections(redis: TestRedis, instance: string): Promise<number> {
  const lists: string[] = [];
  if (ON_CLUSTER) {
    const cluster = redis as unknown as RedisClusterType;
    for (const master of cluster.masters) {
      const client = await cluster.nodeClient(master);
      lists.push(String(await client.sendCommand(['CLIENT', 'LIST'])));
    }
  } else {
    lists.push(String(await redis.sendCommand(['CLIENT', 'LIST'])));
  }
  return lists
    .flatMap((list) => list.split('\n'))
    .filter((line) => /name=redis-streamer:\S*/.test(line) && line.includes(`:${instance} `))
    .length;
}
