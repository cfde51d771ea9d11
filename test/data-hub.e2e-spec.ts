import { RedisConnections } from '../src/redis/redis-connections.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { hubReadBlocked, spyOnInterrupts } from './support/hub.js';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/** Names of the connections one server instance holds to Redis (CLIENT LIST). */
async function serverConnections(redis: TestRedis, instance: string): Promise<string[]> {
  const list = String(await redis.sendCommand(['CLIENT', 'LIST']));
  return list
    .split('\n')
    .map((line) => /name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith('redis-streamer:') && name.endsWith(`:${instance}`));
}

describe('the shared read hub', () => {
  let server: TestServer;
  let redis: TestRedis;
  let hub: ReadHub;

  beforeAll(async () => {
    server = await startServer({ STREAM_MAXLEN: 0 });
    redis = await connectRedis();
    hub = server.app.get(ReadHub);
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
  });

  it('serves 50 pullers on 50 streams with a fixed number of Redis connections', async () => {
    const instance = server.app.get(RedisConnections).instance;
    // with one puller: the command and write connections and one hub reader
    const one = await TestSocket.open(`${server.ws}/data/${uniqueKey('one')}/pull`);
    await expectEventually(() => hub.stats().activeReaders === 1);
    const withOne = await expectEventually(async () => {
      const names = await serverConnections(redis, instance);
      return names.length === 3 ? names.sort() : false;
    });
    expect(withOne.map((n) => n.split(':')[1])).toEqual(['command', 'hub-reader-0', 'write']);
    one.close();
    await one.closed;
    const sids = Array.from({ length: 50 }, (_, i) => uniqueKey(`hub-${i}`));
    const pullers = await Promise.all(
      sids.map((sid) => TestSocket.open(`${server.ws}/data/${sid}/pull`)),
    );
    try {
      await expectEventually(() => hub.stats().streams === 50 && hub.stats().listeners === 50);
      // still the same three connections with 50 pullers
      expect((await serverConnections(redis, instance)).sort()).toEqual(withOne);
      // every puller gets its own stream's entries
      const ids = await Promise.all(sids.map((sid, i) => redis.xAdd(sid, '*', { d: `v${i}` })));
      const batches = await Promise.all(pullers.map((p) => p.nextBatch()));
      batches.forEach((batch, i) => {
        expect(batch).toEqual([{ sid: sids[i], id: String(ids[i]), data: Buffer.from(`v${i}`) }]);
      });
    } finally {
      pullers.forEach((p) => p.close());
    }
    // a puller that goes releases everything it held at once
    await expectEventually(() => hub.stats().streams === 0 && hub.stats().listeners === 0);
  });

  it('picks up a stream added while its XREAD is blocked, without waiting for the block to end', async () => {
    const first = await TestSocket.open(`${server.ws}/data/${uniqueKey('blocked-1')}/pull`);
    await expectEventually(() => hub.stats().listeners === 1);
    const instance = server.app.get(RedisConnections).instance;
    await expectEventually(async () =>
      hubReadBlocked(String(await redis.sendCommand(['CLIENT', 'LIST'])), instance),
    );
    // observe the real repository's CLIENT UNBLOCK calls
    const { unblocked, restore } = spyOnInterrupts(server.app);
    const sid = uniqueKey('blocked-2');
    const second = await TestSocket.open(`${server.ws}/data/${sid}/pull`);
    try {
      await expectEventually(() => hub.stats().listeners === 2);
      // the XREAD blocked on the first stream was cut short to add the second one
      await expectEventually(() => unblocked.includes(true));
      const id = String(await redis.xAdd(sid, '*', { d: 'quick' }));
      expect(await second.nextBatch(4000)).toEqual([{ sid, id, data: Buffer.from('quick') }]);
    } finally {
      restore();
      first.close();
      second.close();
    }
  });

  it('keeps serving other pullers while one puller stalls, and the stalled one catches up without gaps', async () => {
    const sid = uniqueKey('stall');
    const stalled = await TestSocket.open(`${server.ws}/data/${sid}/pull?count=10`);
    const healthy = await TestSocket.open(`${server.ws}/data/${sid}/pull?count=10`);
    try {
      await expectEventually(() => hub.stats().listeners === 2);
      // the stalled client stops reading its TCP socket
      const tcp = (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      tcp.pause();
      const push = await TestSocket.open(`${server.ws}/data/${sid}/push`);
      const payload = Buffer.alloc(256 * 1024, 7);
      const n = 120; // 30 MiB, more than the server lets a slow socket buffer
      for (let i = 0; i < n; i++) {
        payload.writeUInt32BE(i, 0);
        await push.send(`[${payload.length}]`);
        await push.send(payload);
      }
      push.close();
      const seen: number[] = [];
      while (seen.length < n) {
        for (const e of await healthy.nextBatch(10000)) seen.push(e.data.readUInt32BE(0));
      }
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
      // the stalled puller resumes and gets everything, in order, from Redis
      tcp.resume();
      const late: number[] = [];
      while (late.length < n) {
        for (const e of await stalled.nextBatch(10000)) late.push(e.data.readUInt32BE(0));
      }
      expect(late).toEqual(Array.from({ length: n }, (_, i) => i));
    } finally {
      stalled.close();
      healthy.close();
    }
  });
});
