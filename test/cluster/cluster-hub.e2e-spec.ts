import keySlot from 'cluster-key-slot';
import { RedisConnections } from '../../src/redis/redis-connections.js';
import { ReadHub } from '../../src/streams/hub/read-hub.js';
import { hubReadBlocked, spyOnInterrupts } from '../support/hub.js';
import { startServer } from '../support/app.js';
import {
  gatewayConnections,
  ownerPort,
  sidsOnDistinctMasters,
  useClusterGateway,
} from '../support/cluster.js';
import { GqlWs, gqlData } from '../support/graphql.js';
import { uniqueKey } from '../support/redis.js';
import { expectEventually, TestSocket } from '../support/ws.js';

describe('the read hub and several gateways on a Redis Cluster', () => {
  const gateway = useClusterGateway({}, { STREAM_MAXLEN: 0 });

  it('serves 50 pullers with connections bounded by masters and slots, not pullers', async () => {
    const { cluster, server, client } = gateway;
    // 6 devices (hash tags) spread over the 3 masters, 3 streams each: 18 streams in 6 slots.
    const devices: string[] = [];
    const perMaster = new Map<number, number>();
    for (let i = 0; devices.length < 6; i++) {
      const tag = `{${uniqueKey(`dev${i}`)}}`;
      const port = ownerPort(client, tag);
      if ((perMaster.get(port) ?? 0) >= 2) continue;
      perMaster.set(port, (perMaster.get(port) ?? 0) + 1);
      devices.push(tag);
    }
    const sids = devices.flatMap((tag) => ['rgb', 'depth', 'imu'].map((k) => `${tag}/${k}`));
    const slots = new Set(sids.map((sid) => keySlot(sid)));
    expect(slots.size).toBe(6);
    const masters = cluster.masters().length;
    const instance = server.app.get(RedisConnections).instance;
    const hub = server.app.get(ReadHub);

    const pullers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        TestSocket.open(
          `${server.ws}/data/${encodeURIComponent(sids[i % sids.length])}/pull?block=0`,
        ),
      ),
    );
    try {
      await expectEventually(() => hub.stats().listeners === 50 && hub.stats().streams === 18);
      const names = await expectEventually(() => {
        const list = gatewayConnections(cluster, instance);
        return list.filter((n) => n.includes('hub-slot')).length === slots.size ? list : false;
      });
      const fixed = names.filter((n) => !n.includes('hub-slot')).length;
      console.log(
        `hub on a cluster: ${pullers.length} pullers, ${sids.length} streams, ${slots.size} slots, ` +
          `${masters} masters -> ${names.length} gateway connections (${fixed} command/write + ` +
          `${names.length - fixed} slot readers)`,
      );
      expect(fixed).toBe(masters * 2);
      expect(names.length).toBe(masters * 2 + slots.size);
      expect(hub.stats().readers).toBe(slots.size);

      // every puller gets its stream's entry
      const ids = await Promise.all(sids.map((sid, i) => client.xAdd(sid, '*', { d: `v${i}` })));
      const batches = await Promise.all(pullers.map((p) => p.nextBatch()));
      batches.forEach((batch, i) => {
        const s = i % sids.length;
        expect(batch).toEqual([{ sid: sids[s], id: String(ids[s]), data: Buffer.from(`v${s}`) }]);
      });
    } finally {
      pullers.forEach((p) => p.close());
    }
    // the slot readers go with their last puller
    await expectEventually(() => hub.stats().readers === 0);
    await expectEventually(
      () =>
        gatewayConnections(cluster, instance).filter((n) => n.includes('hub-slot')).length === 0,
    );
  });

  it('interrupts the blocked read of a slot, on its node, to add a stream of that slot', async () => {
    const { server, client } = gateway;
    const hub = server.app.get(ReadHub);
    const tag = `{${uniqueKey('unblock')}}`;
    const first = await TestSocket.open(`${server.ws}/data/${encodeURIComponent(`${tag}/a`)}/pull`);
    await expectEventually(() => hub.stats().listeners === 1);
    const instance = server.app.get(RedisConnections).instance;
    await expectEventually(() =>
      gateway.cluster
        .masters()
        .some((node) => hubReadBlocked(node.command('CLIENT', 'LIST'), instance)),
    );
    // observe the real repository's CLIENT UNBLOCK calls
    const { unblocked, restore } = spyOnInterrupts(server.app);
    const sid = `${tag}/b`;
    const second = await TestSocket.open(`${server.ws}/data/${encodeURIComponent(sid)}/pull`);
    try {
      await expectEventually(() => hub.stats().listeners === 2);
      expect(hub.stats().readers).toBe(1);
      await expectEventually(() => unblocked.includes(true));
      const id = String(await client.xAdd(sid, '*', { d: 'quick' }));
      expect(await second.nextBatch(4000)).toEqual([{ sid, id, data: Buffer.from('quick') }]);
    } finally {
      restore();
      first.close();
      second.close();
    }
  });

  it('merges concurrent streamMeta updates from two gateways without losing a key', async () => {
    const { cluster, server } = gateway;
    const other = await startServer({ REDIS_URL: cluster.url, REDIS_CLUSTER: true });
    try {
      await other.ready();
      const sid = uniqueKey('meta-race');
      const update = `mutation($sid: String!, $meta: JSON!) {
        streamMeta(sid: $sid, meta: $meta, update: true) }`;
      await Promise.all(
        [server, other].flatMap((gateway, g) =>
          Array.from({ length: 50 }, (_, i) =>
            gqlData(gateway.http, update, { sid, meta: { [`g${g}-${i}`]: i } }),
          ),
        ),
      );
      const { stream } = await gqlData<{ stream: { meta: Record<string, number> } }>(
        server.http,
        `query($sid: String!) { stream(sid: $sid) { meta } }`,
        { sid },
      );
      expect(Object.keys(stream.meta)).toHaveLength(100);
      expect(stream.meta['g1-49']).toBe(49);
    } finally {
      await other.close();
    }
  });

  it('pulls and subscribes through one gateway what is pushed through another', async () => {
    const { cluster, server, client } = gateway;
    const [a, b] = sidsOnDistinctMasters(client, 'two-gw', 2);
    const other = await startServer({ REDIS_URL: cluster.url, REDIS_CLUSTER: true });
    await other.ready();
    const puller = await TestSocket.open(`${other.ws}/data/${a}+${b}/pull?count=10`);
    const graphql = await GqlWs.open(other.ws);
    try {
      const sub = graphql.subscribe<{ data: { sid: string; time: string; utf8: string } }>(
        `subscription($sids: [String!]!) { data(sids: $sids) { sid time utf8 } }`,
        { sids: [a, b] },
      );
      const hub = other.app.get(ReadHub);
      await expectEventually(() => hub.stats().listeners === 4);
      const pusher = await TestSocket.open(`${server.ws}/data/${a}+${b}/push?ack=1`);
      await pusher.send(JSON.stringify([2, 4]));
      await pusher.send(Buffer.from('a1b1'));
      const [idA, idB] = await pusher.nextJson<string[]>();
      pusher.close();
      const pulled: string[] = [];
      while (pulled.length < 2) {
        for (const e of await puller.nextBatch())
          pulled.push(`${e.sid}=${e.id}=${e.data.toString()}`);
      }
      expect(pulled.sort()).toEqual([`${a}=${idA}=a1`, `${b}=${idB}=b1`].sort());
      const events = [(await sub.nextData()).data, (await sub.nextData()).data];
      expect(events.map((e) => `${e.sid}=${e.time}=${e.utf8}`).sort()).toEqual(pulled);
    } finally {
      puller.close();
      await graphql.close();
      await other.close();
    }
  });
});
