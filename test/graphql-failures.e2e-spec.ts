import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { errorCodes, GqlWs, gql } from './support/graphql.js';
import { RedisServer } from './support/redis-server.js';
import { expectEventually } from './support/ws.js';

/** GraphQL while its Redis goes away and comes back (a private redis-server, never the shared one). */
describe('GraphQL when Redis fails', () => {
  let redis: RedisServer;
  let server: TestServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
    server = await startServer({ REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await server.close();
    await redis.dispose();
  });

  it('ends a subscription with SERVICE_UNAVAILABLE, answers queries with it, and recovers', async () => {
    const hub = server.app.get(ReadHub);
    const client = await GqlWs.open(server.ws);
    try {
      const sub = client.subscribe(`subscription { data(sids: ["failing"]) { sid time } }`);
      await expectEventually(() => hub.stats().listeners === 1);

      await redis.kill();

      const result = await sub.next(10_000);
      await sub.ended;
      expect(sub.completed).toBe(true);
      expect(result.data ?? null).toBeNull();
      expect(errorCodes(result.errors)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(result.errors?.[0].message).toBe('Redis is unreachable right now; try again later');
      expect(hub.stats().listeners).toBe(0);

      const query = await gql(server.http, '{ sids }');
      expect(errorCodes(query.errors)).toEqual(['SERVICE_UNAVAILABLE']);
      // No internals (addresses, ports, stack traces) reach the client.
      expect(JSON.stringify(query.errors)).not.toMatch(
        new RegExp(`${redis.port}|ECONNREFUSED|\\.js`),
      );

      await redis.start();
      await expectEventually(async () => {
        const res = await gql<{ sids: string[] }>(server.http, '{ sids }');
        return res.errors === undefined && Array.isArray(res.data?.sids);
      }, 15_000);
    } finally {
      await client.close();
    }
  });
});
