import { startServer, TestServer } from './support/app.js';
import { gql } from './support/graphql.js';
import { AckedPusher } from './support/pusher.js';
import { connectRedis, readEntries, TestRedis, uniqueKey } from './support/redis.js';
import { RedisServer } from './support/redis-server.js';
import { expectEventually, TestSocket } from './support/ws.js';

/**
 * Redis outages against a private redis-server (never the shared one on 6379): the service starts
 * without Redis, reports not-ready, closes data connections with 1013, answers GraphQL with errors,
 * and recovers by itself when Redis comes back. Acknowledged entries are always in Redis.
 */

async function status(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  await res.arrayBuffer();
  return res.status;
}

async function readyStatus(server: TestServer): Promise<number> {
  return status(`${server.http}/readyz`);
}

/** One push of one entry with ack=1: the acknowledged id, or null if refused or closed. */
async function tryPush(server: TestServer, sid: string, payload: string): Promise<string | null> {
  const socket = new TestSocket(`${server.ws}/data/${encodeURIComponent(sid)}/push?ack=1`);
  try {
    await socket.opened;
    await socket.send(JSON.stringify([Buffer.byteLength(payload)]));
    await socket.send(Buffer.from(payload));
    const reply = await socket.nextJson<unknown>(3000);
    return Array.isArray(reply) ? String(reply[0]) : null;
  } catch {
    return null;
  } finally {
    socket.close();
    await socket.closed;
  }
}

async function expectClosedUnavailable(socket: TestSocket): Promise<void> {
  const error = await socket.nextJson<{ error: { code: string; message: string } }>();
  expect(error.error.code).toBe('UNAVAILABLE');
  const { code, reason } = await socket.closed;
  expect(code).toBe(1013);
  expect(reason).toMatch(/Redis/i);
}

/** A GraphQL query must answer (with errors) quickly, never hang, while Redis is down. */
async function expectGraphqlErrors(server: TestServer): Promise<void> {
  const started = Date.now();
  const res = await gql<{ sids: string[] }>(server.http, '{ sids }');
  expect(Date.now() - started).toBeLessThan(5000);
  expect(res.errors?.length).toBeGreaterThan(0);
  expect(res.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
}

describe('Redis outages', () => {
  describe('the service starts while Redis is down', () => {
    let redisServer: RedisServer;
    let server: TestServer;

    beforeAll(async () => {
      redisServer = await RedisServer.create();
      server = await startServer({ REDIS_URL: redisServer.url });
    });

    afterAll(async () => {
      await server?.close();
      await redisServer?.dispose();
    });

    it('is live but not ready, refuses data with 1013 and GraphQL with errors, then recovers by itself', async () => {
      expect(await status(`${server.http}/healthz`)).toBe(200);
      const ready = await fetch(`${server.http}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'error',
        error: { redis: { status: 'down' } },
      });

      const sid = uniqueKey('outage-start');
      // A puller is accepted, then closed with 1013: it cannot resolve its cursor.
      await expectClosedUnavailable(await TestSocket.open(`${server.ws}/data/${sid}/pull`));
      // A pusher is accepted and closed with 1013 at its first entry, which is not acknowledged.
      const pusher = await TestSocket.open(`${server.ws}/data/${sid}/push?ack=1`);
      await pusher.send('[1]');
      await pusher.send(Buffer.from('x'));
      await expectClosedUnavailable(pusher);
      await expectGraphqlErrors(server);

      await redisServer.start();
      const back = Date.now();
      await expectEventually(async () => (await readyStatus(server)) === 200, 10_000);
      const readyAfter = Date.now() - back;
      const id = await expectEventually(() => tryPush(server, sid, 'after start'), 10_000);
      const pushAfter = Date.now() - back;
      console.log(
        `outage figures (start without Redis): /readyz 200 ${readyAfter} ms and first acked push ${pushAfter} ms after Redis answered`,
      );
      const redis = await connectRedis(redisServer.url);
      try {
        expect((await readEntries(redis, sid)).map((e) => e.id)).toEqual([id]);
      } finally {
        await redis.close();
      }
    });
  });

  describe('Redis is killed mid-stream and restarted', () => {
    let redisServer: RedisServer;
    let server: TestServer;
    let redis: TestRedis | null = null;

    beforeAll(async () => {
      // Append-only file fsynced on every write: what Redis acknowledged survives the SIGKILL.
      redisServer = await RedisServer.start({ persistent: true });
      server = await startServer({ REDIS_URL: redisServer.url });
      await expectEventually(async () => (await readyStatus(server)) === 200, 10_000);
    });

    afterAll(async () => {
      await redis?.close();
      await server?.close();
      await redisServer?.dispose();
    });

    it('closes pushers and pullers with 1013, never acks a lost entry, and resumes without a restart', async () => {
      const sid = uniqueKey('outage-kill');
      const puller = await TestSocket.open(`${server.ws}/data/${sid}/pull?count=100&block=60000`);
      const pusher = await AckedPusher.start(`${server.ws}/data/${sid}/push?ack=1`, 16, 10);
      await pusher.waitAcked(500);
      // The puller is live: it has received entries.
      expect((await puller.nextBatch()).length).toBeGreaterThan(0);

      await redisServer.kill();
      const pushClosed = await pusher.closed;
      expect(pushClosed.code).toBe(1013);
      expect(pusher.errorFrame?.code).toBe('UNAVAILABLE');
      await expectEventually(() => puller.closeCode !== null);
      expect(puller.closeCode).toBe(1013);
      expect(puller.closeReason).toMatch(/Redis/i);

      // During the outage: live, not ready, new data connections closed with 1013, GraphQL errors.
      expect(await status(`${server.http}/healthz`)).toBe(200);
      expect(await readyStatus(server)).toBe(503);
      await expectClosedUnavailable(await TestSocket.open(`${server.ws}/data/${sid}/pull`));
      expect(await tryPush(server, sid, 'during the outage')).toBeNull();
      await expectGraphqlErrors(server);
      // The HTTP data endpoints answer 503 with a JSON error (logged at error level: expected).
      const answer = async (pending: Promise<Response>) => {
        const res = await pending;
        return { status: res.status, body: (await res.json()) as unknown };
      };
      const [post, get] = await server.quietly(() =>
        Promise.all([
          answer(
            fetch(`${server.http}/data/${sid}`, {
              method: 'POST',
              headers: { 'content-type': 'application/octet-stream' },
              body: Buffer.from('during the outage'),
              signal: AbortSignal.timeout(5000),
            }),
          ),
          answer(
            fetch(`${server.http}/data/${sid}?last_entry_id=0`, {
              signal: AbortSignal.timeout(5000),
            }),
          ),
        ]),
      );
      expect(post).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } });
      expect(get).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } });
      const metrics = await (await fetch(`${server.http}/metrics`)).text();
      expect(metrics).toMatch(/^redis_streamer_redis_up 0$/m);
      expect(
        Number(/^redis_streamer_redis_errors_total (\d+)$/m.exec(metrics)?.[1]),
      ).toBeGreaterThan(0);

      await redisServer.start();
      const back = Date.now();
      await expectEventually(async () => (await readyStatus(server)) === 200, 10_000);
      const readyAfter = Date.now() - back;
      const afterId = await expectEventually(() => tryPush(server, sid, 'after restart'), 10_000);
      const pushAfter = Date.now() - back;

      // Every acknowledged id is in Redis (the AOF kept everything Redis had acknowledged).
      redis = await connectRedis(redisServer.url);
      const stored = (await readEntries(redis, sid)).map((e) => e.id);
      const storedSet = new Set(stored);
      const missing = pusher.acked.filter((id) => !storedSet.has(id));
      console.log(
        `outage figures (SIGKILL mid-stream): sent ${pusher.sent}, acked ${pusher.acked.length}, ` +
          `found in Redis after restart ${stored.length - 1} (+1 pushed after), acked but missing ${missing.length}; ` +
          `/readyz 200 ${readyAfter} ms and first acked push ${pushAfter} ms after Redis answered again`,
      );
      expect(missing).toEqual([]);
      expect(stored[stored.length - 1]).toBe(afterId);
      expect(stored.length - 1).toBeGreaterThanOrEqual(pusher.acked.length);

      // Pulling works again, from history and live.
      const again = await TestSocket.open(
        `${server.ws}/data/${sid}/pull?last_entry_id=${pusher.acked[0]}&count=1`,
      );
      try {
        const batch = await again.nextBatch();
        expect(batch[0].id).toBe(stored[stored.indexOf(pusher.acked[0]) + 1]);
      } finally {
        again.close();
        await again.closed;
      }
    });
  });
});
