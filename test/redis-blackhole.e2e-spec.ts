import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { AckedPusher } from './support/pusher.js';
import { connectRedis, readEntries, uniqueKey } from './support/redis.js';
import { RedisServer } from './support/redis-server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { expectEventually, TestSocket } from './support/ws.js';

/**
 * A Redis that stops answering without closing (SPEC "Bounds and isolation"): the service's own
 * redis-server behind a TCP proxy that black-holes every byte.
 */
describe('a black-holed Redis', () => {
  let redisServer: RedisServer;
  let proxy: TcpProxy;
  let server: TestServer;

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    proxy = await TcpProxy.start(redisServer.port);
    server = await startServer({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_COMMAND_TIMEOUT_MS: 1000,
      STREAM_MAXLEN: 0,
    });
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await redisServer?.dispose();
  });

  const ready = async () => (await fetch(`${server.http}/readyz`)).status;

  it('closes a waiting pusher with 1013, reports not ready, loses nothing acked and recovers', async () => {
    const sid = uniqueKey('blackhole');
    await expectEventually(async () => (await ready()) === 200, 10_000);
    const pusher = await AckedPusher.start(`${server.ws}/data/${sid}/push?ack=1`, 4, 10);
    await pusher.waitAcked(200);

    proxy.blackHole();
    const holed = Date.now();
    const closed = await Promise.race([
      pusher.closed,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000).unref()),
    ]);
    const seconds = (Date.now() - holed) / 1000;
    console.log(
      `black hole: pusher closed with ${closed?.code} after ${seconds.toFixed(2)} s (REDIS_COMMAND_TIMEOUT_MS=1000), ${pusher.acked.length} entries acked`,
    );
    expect(closed?.code).toBe(1013);
    expect(pusher.errorFrame?.code).toBe('UNAVAILABLE');
    await expectEventually(async () => (await ready()) === 503, 10_000);

    proxy.restore();
    await expectEventually(async () => (await ready()) === 200, 20_000);
    // the hub reads again: a puller gets what a new pusher stores
    const puller = await TestSocket.open(`${server.ws}/data/${sid}/pull?block=0`);
    await expectEventually(() => server.app.get(ReadHub).stats().activeReaders === 1);
    const again = await AckedPusher.start(`${server.ws}/data/${sid}/push?ack=1`, 1, 1);
    await again.waitAcked(1, 20_000);
    again.close();
    expect((await puller.nextBatch(20_000))[0].id).toBe(again.acked[0]);
    puller.close();

    const redis = await connectRedis(redisServer.url);
    try {
      const stored = new Set((await readEntries(redis, sid)).map((e) => e.id));
      expect(pusher.acked.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await redis.close();
    }
  }, 90_000);
});
