import { jest } from '@jest/globals';
import { PullGateway } from '../src/data/ws/pull.gateway.js';
import { PushGateway } from '../src/data/ws/push.gateway.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { GqlWs } from './support/graphql.js';
import { expectEventually, TestSocket } from './support/ws.js';

/** The data path as routes on the upgrade router (`StreamRoutes`). */
describe('data gateways', () => {
  let server: TestServer;
  let redis: TestRedis;
  const keys: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    redis = await connectRedis();
  });

  afterAll(async () => {
    await server.close();
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  it('are Nest gateways sharing the one upgrade listener (the router) with graphql-ws', async () => {
    expect(server.app.get(PushGateway)).toBeInstanceOf(PushGateway);
    expect(server.app.get(PullGateway)).toBeInstanceOf(PullGateway);
    // No listener of the adapter (it would destroy other paths' sockets) nor of Apollo's own.
    expect(server.app.getHttpServer().listenerCount('upgrade')).toBe(1);
    const sid = uniqueKey('gw-shared');
    keys.push(sid);
    const pull = await TestSocket.open(`${server.ws}/data/${sid}/pull`);
    const client = await GqlWs.open(server.ws);
    try {
      const sub = client.subscribe<{ data: { utf8: string } }>(
        'subscription ($sids: [String!]!) { data(sids: $sids) { utf8 } }',
        { sids: [sid] },
      );
      // The puller and the subscription both wait on the read hub before anything is pushed.
      await expectEventually(() => server.app.get(ReadHub).stats().listeners === 2);
      const push = await TestSocket.open(`${server.ws}/data/${sid}/push?ack=1`);
      await push.send('[2]');
      await push.send(Buffer.from('hi'));
      const [id] = await push.nextJson<string[]>();
      expect(await pull.nextBatch()).toEqual([{ sid, id, data: Buffer.from('hi') }]);
      expect((await sub.nextData()).data).toEqual({ utf8: 'hi' });
      push.close();
    } finally {
      await client.close();
      pull.close();
    }
  });

  it('hand raw frames to the connection: no JSON.parse per frame', async () => {
    const sid = uniqueKey('gw-raw');
    keys.push(sid);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const push = await TestSocket.open(`${server.ws}/data/${sid}/push?header=0`);
      for (let i = 0; i < 20; i++) await push.send(Buffer.from(`"frame ${i}"`));
      await expectEventually(async () => (await redis.xLen(sid)) === 20);
      const parsedFrames = parse.mock.calls.filter(
        ([text]) => typeof text === 'string' && text.startsWith('"frame '),
      );
      expect(parsedFrames).toEqual([]);
      push.close();
    } finally {
      parse.mockRestore();
    }
  });
});

describe('data gateways at shutdown', () => {
  it('close open sockets with 1001 (not terminated)', async () => {
    const server = await startServer();
    const sid = uniqueKey('gw-close');
    const redis = await connectRedis();
    const push = await TestSocket.open(`${server.ws}/data/${sid}/push`);
    const pull = await TestSocket.open(`${server.ws}/data/${sid}/pull`);
    // Both connections are serving (the pull's live read included) before the shutdown starts.
    await expectEventually(() => server.app.get(ReadHub).stats().listeners === 1);
    await push.send('[1]');
    await push.send(Buffer.from('x'));
    expect(await pull.nextBatch()).toHaveLength(1);
    await server.close();
    await redis.del(sid);
    await redis.close();
    expect((await push.closed).code).toBe(1001);
    expect((await pull.closed).code).toBe(1001);
  });
});
