import { startServer, TestServer } from './support/app.js';
import { connectRedis, readEntries, TestRedis, uniqueKey } from './support/redis.js';
import { TestSocket } from './support/ws.js';

describe('REDIS_WAIT_REPLICAS on a Redis without replicas', () => {
  let server: TestServer;
  let redis: TestRedis;

  beforeAll(async () => {
    server = await startServer({ REDIS_WAIT_REPLICAS: 1, REDIS_COMMAND_TIMEOUT_MS: 300 });
    redis = await connectRedis();
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
  });

  it('does not acknowledge an entry no replica confirmed: the pusher gets UNAVAILABLE and 1013', async () => {
    const replicas = String(await redis.sendCommand(['INFO', 'replication']));
    expect(replicas).toMatch(/connected_slaves:0/);
    const sid = uniqueKey('wait');
    const pusher = await TestSocket.open(`${server.ws}/data/${sid}/push?ack=1`);
    await server.quietly(async () => {
      await pusher.send(JSON.stringify([5]));
      await pusher.send(Buffer.from('hello'));
      const reply = await pusher.nextJson<{ error: { code: string; message: string } }>();
      expect(reply.error.code).toBe('UNAVAILABLE');
      expect(reply.error.message).toMatch(/0 of 1 replicas/);
      expect((await pusher.closed).code).toBe(1013);
    });
    // stored on the master all the same: only the durability promise failed
    expect((await readEntries(redis, sid)).map((e) => e.data.toString())).toEqual(['hello']);
    await redis.del(sid);
  });
});
