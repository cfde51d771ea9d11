import { startServer } from '../support/app.js';
import { clusterEntries, sidsOnDistinctMasters, useClusterGateway } from '../support/cluster.js';
import { errorCodes, gql, gqlData } from '../support/graphql.js';
import { freePort } from '../support/redis-server.js';
import { TestSocket } from '../support/ws.js';

describe('the data path and GraphQL on a 3-master Redis Cluster', () => {
  const gateway = useClusterGateway({}, {});

  it('pushes and pulls a+b where a and b live on different masters', async () => {
    const { cluster, server, client } = gateway;
    const [a, b] = sidsOnDistinctMasters(client, 'ab', 2);
    expect(cluster.ownerOf(cluster.keySlot(a)).port).not.toBe(
      cluster.ownerOf(cluster.keySlot(b)).port,
    );
    const puller = await TestSocket.open(`${server.ws}/data/${a}+${b}/pull?count=10`);
    const pusher = await TestSocket.open(`${server.ws}/data/${a}+${b}/push?ack=1`);
    try {
      const acked: string[][] = [];
      for (let i = 0; i < 3; i++) {
        await pusher.send(JSON.stringify([3, 6]));
        await pusher.send(Buffer.from(`a-${i}b-${i}`));
        acked.push(await pusher.nextJson<string[]>());
      }
      const got: { sid: string; id: string; data: string }[] = [];
      while (got.length < 6) {
        for (const e of await puller.nextBatch())
          got.push({ sid: e.sid, id: e.id, data: e.data.toString() });
      }
      const ofSid = (sid: string) => got.filter((e) => e.sid === sid);
      expect(ofSid(a).map((e) => [e.id, e.data])).toEqual(
        acked.map((ids, i) => [ids[0], `a-${i}`]),
      );
      expect(ofSid(b).map((e) => [e.id, e.data])).toEqual(
        acked.map((ids, i) => [ids[1], `b-${i}`]),
      );
      expect((await clusterEntries(client, a)).map((e) => e.data)).toEqual(['a-0', 'a-1', 'a-2']);
      expect((await clusterEntries(client, b)).map((e) => e.data)).toEqual(['b-0', 'b-1', 'b-2']);

      const res = await fetch(`${server.http}/data/${a}+${b}?last_entry_id=0+0&count=10`);
      expect(res.status).toBe(200);
      const offsets = JSON.parse(res.headers.get('entry-offset')!) as [string, string, number][];
      expect(offsets.map(([sid, id]) => [sid, id])).toEqual([
        ...acked.map((ids) => [a, ids[0]]),
        ...acked.map((ids) => [b, ids[1]]),
      ]);
      expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('a-0a-1a-2b-0b-1b-2');
    } finally {
      puller.close();
      pusher.close();
    }
  });

  it('lists the streams of every master in sids', async () => {
    const { cluster, server, client } = gateway;
    const sids = sidsOnDistinctMasters(client, 'listed', 3);
    await Promise.all(sids.map((sid) => client.xAdd(sid, '*', { d: 'x' })));
    const owners = new Set(sids.map((sid) => cluster.ownerOf(cluster.keySlot(sid)).port));
    expect(owners.size).toBe(3);
    const { sids: listed } = await gqlData<{ sids: string[] }>(server.http, '{ sids }');
    expect(listed).toEqual(expect.arrayContaining(sids));
    expect(listed).toEqual([...listed].sort());
  });

  it('merges metadata and deletes a stream whose metadata lives in another slot', async () => {
    const { cluster, server, client } = gateway;
    const [sid] = sidsOnDistinctMasters(client, 'meta', 1);
    await client.xAdd(sid, '*', { d: 'x' });
    expect(cluster.keySlot(`XMETA:${sid}`)).not.toBe(cluster.keySlot(sid));
    const set = `mutation($sid: String!, $meta: JSON!, $update: Boolean) {
      streamMeta(sid: $sid, meta: $meta, update: $update) }`;
    await gqlData(server.http, set, { sid, meta: { a: 1, n: [1.5, []] } });
    await gqlData(server.http, set, { sid, meta: { b: 'two' }, update: true });
    const { stream } = await gqlData<{ stream: { meta: unknown; length: number } }>(
      server.http,
      `query($sid: String!) { stream(sid: $sid) { meta length } }`,
      { sid },
    );
    expect(stream).toEqual({ meta: { a: 1, n: [1.5, []], b: 'two' }, length: 1 });
    const { sids: withMeta } = await gqlData<{ sids: string[] }>(
      server.http,
      '{ sids(searchMeta: true) }',
    );
    expect(withMeta).toContain(sid);

    const deleted = await gqlData<{ deleteStream: boolean }>(
      server.http,
      `mutation($sid: String!) { deleteStream(sid: $sid) }`,
      { sid },
    );
    expect(deleted.deleteStream).toBe(true);
    expect(await client.exists(sid)).toBe(0);
    expect(await client.exists(`XMETA:${sid}`)).toBe(0);
  });

  it('runs without any seed node answering, not ready, and refuses data with UNAVAILABLE', async () => {
    const nowhere = await freePort();
    const lonely = await startServer({
      REDIS_URL: `redis://127.0.0.1:${nowhere}`,
      REDIS_CLUSTER: true,
      LOG_LEVEL: 'silent',
    });
    try {
      const ready = await fetch(`${lonely.http}/readyz`);
      expect(ready.status).toBe(503);
      await ready.arrayBuffer();
      const res = await gql(lonely.http, '{ sids }');
      expect(errorCodes(res.errors)).toEqual(['SERVICE_UNAVAILABLE']);
      const pusher = new TestSocket(`${lonely.ws}/data/x/push?ack=1`);
      await pusher.opened.catch(() => undefined);
      if (pusher.refusedStatus === null) {
        await pusher.send(JSON.stringify([1]));
        await pusher.send(Buffer.from('x'));
        expect((await pusher.closed).code).toBe(1013);
      } else {
        expect(pusher.refusedStatus).toBe(503);
      }
    } finally {
      await lonely.close();
    }
  });
});
