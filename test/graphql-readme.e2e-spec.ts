import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { GqlWs, gql, Json } from './support/graphql.js';
import { connectRedis, TestRedis } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/**
 * The seed README's GraphQL examples, character for character (stream "glf" included), sent the
 * way it says: a JSON POST to /graphql, and a graphql-ws subscription.
 */

const GET_STREAMS = `query GetStreams {
  sids  # get just the names without querying everything else
  streams {
    # redis XINFO STREAM information
    sid
    entriesAdded
    firstEntryId
    firstEntryData
    firstEntryTime
    lastEntryId
    lastEntryData
    lastEntryTime
    lastGeneratedId
    maxDeletedEntryId
    groups
    length
    radixTreeKeys
    radixTreeNodes
    recordedFirstEntryId
    # error message for XINFO STREAMS
    error

    # user-defined stream metadata
    meta
  }
}`;

const SET_META = `mutation {
  streamMeta(
    sid: "glf",
    meta: {format: "mp4"},
  )
}`;

const GET_META = `{
  streams(sids: ["glf"]) {
    sid
    meta
  }
}`;

const DATA_SUBSCRIPTION = `subscription DataSubscription {
  data(sids: ["glf"]) {
    sid
    time
    data  # base64 encoded data
    utf8  # read data as utf-8 text
  }
}`;

const SID = 'glf';

describe("the seed README's GraphQL examples", () => {
  let server: TestServer;
  let redis: TestRedis;
  let existed: { stream: boolean; meta: boolean };

  beforeAll(async () => {
    server = await startServer();
    redis = await connectRedis();
    existed = {
      stream: (await redis.exists(SID)) === 1,
      meta: (await redis.exists(`XMETA:${SID}`)) === 1,
    };
  });

  afterAll(async () => {
    // Leave the shared Redis as it was: remove only what these tests created.
    if (!existed.stream) await redis.del(SID);
    if (!existed.meta) await redis.del(`XMETA:${SID}`);
    await redis.quit();
    await server.close();
  });

  it('streamMeta mutation, then the streams(sids: ["glf"]) query', async () => {
    const set = await gql(server.http, SET_META);
    expect(set).toEqual({ status: 200, data: { streamMeta: true }, errors: undefined });

    const get = await gql<{ streams: Json[] }>(server.http, GET_META);
    expect(get.errors).toBeUndefined();
    expect(get.data?.streams).toHaveLength(1);
    expect(get.data?.streams[0]).toEqual({
      sid: 'glf',
      meta: expect.objectContaining({ format: 'mp4' }),
    });
    expect(JSON.parse(String(await redis.get(`XMETA:${SID}`)))).toMatchObject({ format: 'mp4' });
  });

  it('DataSubscription receives what is pushed to "glf"', async () => {
    const client = await GqlWs.open(server.ws);
    try {
      const sub = client.subscribe<{ data: Json }>(DATA_SUBSCRIPTION);
      await expectEventually(() => server.app.get(ReadHub).stats().listeners === 1);

      const push = await TestSocket.open(`${server.ws}/data/glf/push?ack=1`);
      const payload = Buffer.from('frame 1');
      await push.send(JSON.stringify([payload.length]));
      await push.send(payload);
      const [id] = await push.nextJson<string[]>();
      push.close();
      await push.closed;

      expect(await sub.nextData()).toEqual({
        data: { sid: 'glf', time: id, data: payload.toString('base64'), utf8: 'frame 1' },
      });
    } finally {
      await client.close();
    }
    await expectEventually(() => server.app.get(ReadHub).stats().listeners === 0);
  });

  it('GetStreams query lists every stream with all its fields', async () => {
    const res = await gql<{ sids: string[]; streams: Json[] }>(server.http, GET_STREAMS);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const { sids, streams } = res.data!;
    expect(sids).toContain('glf');
    const glf = streams.find((s) => s.sid === 'glf');
    expect(glf).toMatchObject({
      sid: 'glf',
      error: null,
      meta: expect.objectContaining({ format: 'mp4' }),
      lastEntryData: Buffer.from('frame 1').toString('base64'),
    });
    expect(Object.keys(glf!).sort()).toEqual(
      [
        'sid',
        'entriesAdded',
        'firstEntryId',
        'firstEntryData',
        'firstEntryTime',
        'lastEntryId',
        'lastEntryData',
        'lastEntryTime',
        'lastGeneratedId',
        'maxDeletedEntryId',
        'groups',
        'length',
        'radixTreeKeys',
        'radixTreeNodes',
        'recordedFirstEntryId',
        'error',
        'meta',
      ].sort(),
    );
    expect(glf!.lastEntryTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
