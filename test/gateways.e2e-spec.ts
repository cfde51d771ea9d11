import { GqlWs, gqlData } from './support/graphql.js';
import { AckedPusher } from './support/pusher.js';
import { RedisCluster } from './support/redis-cluster.js';
import { uniqueKey } from './support/redis.js';
import { ServiceProcess } from './support/service-process.js';
import { TestSocket } from './support/ws.js';

/**
 * Several gateway processes serve the same data: entries pushed through one are pulled and
 * subscribed to through the other, and metadata updates from both merge without losing a key.
 * Against the shared Redis and against a throwaway 3-master Redis Cluster.
 */

interface Target {
  env: Record<string, string>;
  stop(): Promise<void>;
}

const TARGETS: [string, () => Promise<Target>][] = [
  [
    'one Redis',
    async () => ({
      env: { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      stop: async () => undefined,
    }),
  ],
  [
    'a Redis Cluster',
    async () => {
      const cluster = await RedisCluster.start();
      return { env: { REDIS_URL: cluster.url, REDIS_CLUSTER: 'true' }, stop: () => cluster.stop() };
    },
  ],
];

const ENTRIES = 300;
const UPDATES = 50;

describe.each(TARGETS)('two gateway processes on %s', (_name, startTarget) => {
  let target: Target;
  let a: ServiceProcess;
  let b: ServiceProcess;

  beforeAll(async () => {
    await ServiceProcess.build();
    target = await startTarget();
    [a, b] = await Promise.all([
      ServiceProcess.start(target.env),
      ServiceProcess.start(target.env),
    ]);
  }, 150_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await target?.stop();
  });

  it('pushed through one, pulled and subscribed through the other, every entry once and in order', async () => {
    const sid = uniqueKey('two-gateways');
    const pull = await TestSocket.open(`${b.ws}/data/${sid}/pull?last_entry_id=0&count=100`);
    const gql = await GqlWs.open(b.ws);
    const sub = gql.subscribe<{ data: { time: string; utf8: string } }>(
      `subscription($sids: [String!]!) { data(sids: $sids, lastEntryId: "0") { time utf8 } }`,
      { sids: [sid] },
    );
    try {
      const pusher = await AckedPusher.start(`${a.ws}/data/${sid}/push?ack=1`, 4, 10);
      await pusher.waitAcked(ENTRIES);
      pusher.stop();
      // Every batch sent is acknowledged before the socket closes: acked = stored.
      await pusher.waitAcked(pusher.sent);
      pusher.close();
      await pusher.closed;
      const acked = pusher.acked;

      const pulled: string[] = [];
      while (pulled.length < acked.length) {
        for (const entry of await pull.nextBatch(10_000)) pulled.push(entry.id);
      }
      const subscribed: string[] = [];
      while (subscribed.length < acked.length) subscribed.push((await sub.nextData()).data.time);
      console.log(
        `${_name}: ${acked.length} acked via one gateway, ${pulled.length} pulled and ` +
          `${subscribed.length} subscribed via the other`,
      );
      expect(pulled).toEqual(acked);
      expect(subscribed).toEqual(acked);
    } finally {
      pull.close();
      await gql.close();
      await gqlData(a.http, `mutation($sid: String!) { deleteStream(sid: $sid) }`, { sid });
    }
  });

  it('merges concurrent metadata updates from both gateways without losing a key', async () => {
    const sid = uniqueKey('two-gateways-meta');
    const update = (gateway: ServiceProcess, key: string) =>
      gqlData(
        gateway.http,
        `mutation($sid: String!, $meta: JSON!) { streamMeta(sid: $sid, meta: $meta, update: true) }`,
        { sid, meta: { [key]: key } },
      );
    try {
      await Promise.all(
        Array.from({ length: UPDATES }, (_, i) => [update(a, `a${i}`), update(b, `b${i}`)]).flat(),
      );
      const { streams } = await gqlData<{ streams: { meta: Record<string, string> }[] }>(
        b.http,
        `query($sids: [String!]) { streams(sids: $sids) { meta } }`,
        { sids: [sid] },
      );
      const keys = Object.keys(streams[0].meta).sort();
      console.log(`${_name}: ${keys.length} metadata keys after ${2 * UPDATES} concurrent updates`);
      expect(keys).toHaveLength(2 * UPDATES);
      expect(keys).toEqual(
        [...Array.from({ length: UPDATES }, (_, i) => [`a${i}`, `b${i}`]).flat()].sort(),
      );
    } finally {
      await gqlData(a.http, `mutation($sid: String!) { deleteStream(sid: $sid) }`, { sid });
    }
  });
});
