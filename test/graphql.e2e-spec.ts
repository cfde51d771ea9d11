import { errorCodes, gql, gqlData, Json } from './support/graphql.js';
import { startServer, TestServer } from './support/app.js';
import { RESP_TYPES } from 'redis';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';

/** GraphQL queries and mutations over HTTP POST, checked against what Redis itself reports. */

const ALL_FIELDS = `
  sid entriesAdded firstEntryId firstEntryData firstEntryTime lastEntryId lastEntryData
  lastEntryTime lastGeneratedId maxDeletedEntryId groups length radixTreeKeys radixTreeNodes
  recordedFirstEntryId error meta
  firstFormatted: firstEntryTime(format: "%Y-%m-%d %H:%M:%S")
  lastFormatted: lastEntryTime(format: "%d/%m/%Y %H:%M:%S.%f %Z")
`;

interface StreamResult {
  sid: string;
  entriesAdded: number | null;
  firstEntryId: string | null;
  firstEntryData: string | null;
  firstEntryTime: string | null;
  lastEntryId: string | null;
  lastEntryData: string | null;
  lastEntryTime: string | null;
  lastGeneratedId: string | null;
  maxDeletedEntryId: string | null;
  groups: number | null;
  length: number | null;
  radixTreeKeys: number | null;
  radixTreeNodes: number | null;
  recordedFirstEntryId: string | null;
  error: string | null;
  meta: Json;
  firstFormatted: string | null;
  lastFormatted: string | null;
}

const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** `XINFO STREAM sid` as a map of field -> value, straight from Redis. */
async function xinfo(redis: TestRedis, sid: string): Promise<Map<string, unknown>> {
  const reply = (await redis.sendCommand(['XINFO', 'STREAM', sid], {
    typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer },
  })) as unknown[];
  const fields = new Map<string, unknown>();
  for (let i = 0; i < reply.length; i += 2) fields.set(text(reply[i]), reply[i + 1]);
  return fields;
}

/** An XINFO entry `[id, [field, value, ...]]` as id and payload of field `d`. */
function entryOf(value: unknown): { id: string; data: Buffer } {
  const [id, fields] = value as [unknown, unknown[]];
  return { id: text(id), data: Buffer.from(fields[1] as Buffer) };
}

describe('GraphQL queries and mutations', () => {
  let server: TestServer;
  let redis: TestRedis;
  const keys: string[] = [];

  const key = (label: string) => {
    const k = uniqueKey(label);
    keys.push(k, `XMETA:${k}`);
    return k;
  };

  beforeAll(async () => {
    server = await startServer({ MAX_SIDS_PER_REQUEST: 5 });
    redis = await connectRedis();
  });

  afterAll(async () => {
    if (keys.length) await redis.del(keys);
    await redis.quit();
    await server.close();
  });

  it('reports every Stream field as XINFO STREAM does', async () => {
    const sid = key('gql-xinfo');
    const binary = Buffer.from([0xff, 0x00, 0x80, 0x7f]);
    await redis.sendCommand(['XADD', sid, '1638125133432-0', 'd', 'first']);
    await redis.sendCommand(['XADD', sid, '1638125133432-1', 'd', binary]);
    await redis.sendCommand(['XADD', sid, '1638125133432-2', 'd', 'middle']);
    await redis.sendCommand(['XADD', sid, '1700000000000-5', 'd', binary]);
    await redis.sendCommand(['XGROUP', 'CREATE', sid, 'readers', '0']);
    await redis.sendCommand(['XDEL', sid, '1638125133432-2']);
    await redis.set(`XMETA:${sid}`, JSON.stringify({ format: 'raw', fps: 30 }));

    const { stream } = await gqlData<{ stream: StreamResult }>(
      server.http,
      `query One($sid: String!) { stream(sid: $sid) { ${ALL_FIELDS} } }`,
      { sid },
    );
    const info = await xinfo(redis, sid);
    const first = entryOf(info.get('first-entry'));
    const last = entryOf(info.get('last-entry'));

    expect(stream).toEqual({
      sid,
      entriesAdded: Number(info.get('entries-added')),
      firstEntryId: first.id,
      firstEntryData: first.data.toString('base64'),
      firstEntryTime: '2021-11-28T18:45:33.432Z',
      lastEntryId: last.id,
      lastEntryData: last.data.toString('base64'),
      lastEntryTime: '2023-11-14T22:13:20.000Z',
      lastGeneratedId: text(info.get('last-generated-id')),
      maxDeletedEntryId: text(info.get('max-deleted-entry-id')),
      groups: Number(info.get('groups')),
      length: Number(info.get('length')),
      radixTreeKeys: Number(info.get('radix-tree-keys')),
      radixTreeNodes: Number(info.get('radix-tree-nodes')),
      recordedFirstEntryId: text(info.get('recorded-first-entry-id')),
      error: null,
      meta: { format: 'raw', fps: 30 },
      firstFormatted: '2021-11-28 18:45:33',
      lastFormatted: '14/11/2023 22:13:20.000000 UTC',
    });
    // And the values are the ones this test wrote, not just whatever both sides agree on.
    expect(stream).toMatchObject({
      entriesAdded: 4,
      length: 3,
      groups: 1,
      firstEntryId: '1638125133432-0',
      firstEntryData: Buffer.from('first').toString('base64'),
      lastEntryId: '1700000000000-5',
      lastEntryData: binary.toString('base64'),
      lastGeneratedId: '1700000000000-5',
      maxDeletedEntryId: '1638125133432-2',
      recordedFirstEntryId: '1638125133432-0',
    });
  });

  it('keeps counters beyond the 32-bit range of GraphQL Int', async () => {
    const sid = key('gql-big');
    await redis.sendCommand(['XADD', sid, '5-1', 'd', 'x']);
    await redis.sendCommand(['XSETID', sid, '5-1', 'ENTRIESADDED', '5000000000']);
    const { stream } = await gqlData<{ stream: StreamResult }>(
      server.http,
      `{ stream(sid: ${JSON.stringify(sid)}) { entriesAdded length error } }`,
    );
    expect(stream).toEqual({ entriesAdded: 5_000_000_000, length: 1, error: null });
  });

  it('gives an empty stream null entry fields, and ids beyond dates a null time', async () => {
    const sid = key('gql-empty');
    await redis.sendCommand(['XADD', sid, '99999999999999999-0', 'd', 'far']);
    await redis.sendCommand(['XDEL', sid, '99999999999999999-0']);
    const far = key('gql-far');
    await redis.sendCommand(['XADD', far, '99999999999999999-0', 'd', 'far']);
    const { streams } = await gqlData<{ streams: StreamResult[] }>(
      server.http,
      `query Q($sids: [String!]) { streams(sids: $sids) {
        sid length firstEntryId firstEntryData firstEntryTime lastEntryId lastEntryTime error } }`,
      { sids: [sid, far] },
    );
    expect(streams).toEqual([
      {
        sid,
        length: 0,
        firstEntryId: null,
        firstEntryData: null,
        firstEntryTime: null,
        lastEntryId: null,
        lastEntryTime: null,
        error: null,
      },
      {
        sid: far,
        length: 1,
        firstEntryId: '99999999999999999-0',
        firstEntryData: Buffer.from('far').toString('base64'),
        firstEntryTime: null,
        lastEntryId: '99999999999999999-0',
        lastEntryTime: null,
        error: null,
      },
    ]);
  });

  it("fills a failing key's error and answers the rest", async () => {
    const good = key('gql-good');
    const wrongType = key('gql-wrongtype');
    const missing = key('gql-missing');
    await redis.sendCommand(['XADD', good, '*', 'd', 'ok']);
    await redis.set(wrongType, 'a plain string');
    await redis.set(`XMETA:${missing}`, JSON.stringify({ planned: true }));

    const res = await gql<{ streams: StreamResult[] }>(
      server.http,
      `query Q($sids: [String!]) { streams(sids: $sids) { sid length lastEntryData error meta } }`,
      { sids: [wrongType, good, missing] },
    );
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.streams).toEqual([
      {
        sid: wrongType,
        length: null,
        lastEntryData: null,
        error: expect.stringMatching(/^WRONGTYPE/),
        meta: {},
      },
      {
        sid: good,
        length: 1,
        lastEntryData: Buffer.from('ok').toString('base64'),
        error: null,
        meta: {},
      },
      {
        sid: missing,
        length: null,
        lastEntryData: null,
        error: expect.stringMatching(/no such key/),
        meta: { planned: true },
      },
    ]);
  });

  it('lists stream keys with SCAN, and metadata-only sids with searchMeta', async () => {
    const stream = key('gql-list-stream');
    const metaOnly = key('gql-list-meta');
    const plain = key('gql-list-plain');
    await redis.sendCommand(['XADD', stream, '*', 'd', '1']);
    await redis.set(`XMETA:${metaOnly}`, '{}');
    await redis.set(plain, 'not a stream');

    const data = await gqlData<{ plain: string[]; withMeta: string[]; all: { sid: string }[] }>(
      server.http,
      `{ plain: sids withMeta: sids(searchMeta: true) all: streams { sid } }`,
    );
    expect(data.plain).toContain(stream);
    expect(data.plain).not.toContain(metaOnly);
    expect(data.plain).not.toContain(plain);
    expect(data.plain).not.toContain(`XMETA:${metaOnly}`);
    expect(data.withMeta).toEqual(expect.arrayContaining([stream, metaOnly]));
    expect(data.withMeta).not.toContain(plain);
    expect([...data.plain].sort()).toEqual(data.plain);
    expect([...data.withMeta].sort()).toEqual(data.withMeta);
    // Without sids, `streams` covers every stream and metadata-only sid.
    const all = data.all.map((s) => s.sid);
    expect(all).toEqual(expect.arrayContaining([stream, metaOnly]));
    expect(all).not.toContain(plain);
  });

  it('sets, merges and replaces metadata, stored as JSON at XMETA:{sid}', async () => {
    const sid = key('gql-meta');
    const set = (meta: unknown, update?: boolean) =>
      gqlData<{ streamMeta: boolean }>(
        server.http,
        `mutation M($sid: String!, $meta: JSON!, $update: Boolean) {
           streamMeta(sid: $sid, meta: $meta, update: $update) }`,
        { sid, meta, update },
      );
    const stored = async () => JSON.parse(text(await redis.get(`XMETA:${sid}`))) as unknown;
    const read = async () =>
      (await gqlData<{ stream: { meta: Json } }>(server.http, `{ stream(sid: "${sid}") { meta } }`))
        .stream.meta;

    expect(await set({ format: 'mp4', size: { w: 640, h: 480 }, tags: ['a'] })).toEqual({
      streamMeta: true,
    });
    expect(await stored()).toEqual({ format: 'mp4', size: { w: 640, h: 480 }, tags: ['a'] });

    await set({ size: { w: 1 }, fps: 25 }, true);
    const merged = { format: 'mp4', size: { w: 1 }, tags: ['a'], fps: 25 };
    expect(await stored()).toEqual(merged);
    expect(await read()).toEqual(merged);

    await set({ only: 'this' }, false);
    expect(await stored()).toEqual({ only: 'this' });
    expect(await read()).toEqual({ only: 'this' });

    // Inline object literals work as well as variables.
    await gqlData(server.http, `mutation { streamMeta(sid: "${sid}", meta: {n: 1, ok: true}) }`);
    expect(await stored()).toEqual({ n: 1, ok: true });
  });

  it('deletes a stream and its metadata', async () => {
    const sid = key('gql-delete');
    await redis.sendCommand(['XADD', sid, '*', 'd', 'x']);
    await redis.set(`XMETA:${sid}`, '{"a":1}');
    const del = () =>
      gqlData<{ deleteStream: boolean }>(server.http, `mutation { deleteStream(sid: "${sid}") }`);

    expect(await del()).toEqual({ deleteStream: true });
    expect(await redis.exists([sid, `XMETA:${sid}`])).toBe(0);
    expect(await del()).toEqual({ deleteStream: false });

    // A key of another type is not a stream: left alone.
    const plain = key('gql-delete-plain');
    await redis.set(plain, 'keep me');
    expect(await gqlData(server.http, `mutation { deleteStream(sid: "${plain}") }`)).toEqual({
      deleteStream: false,
    });
    expect(text(await redis.get(plain))).toBe('keep me');
  });

  describe('bad input gets a GraphQL error', () => {
    it.each([
      ['an empty sid', `{ stream(sid: "") { sid } }`, /must not be empty/],
      ['a sid with "+"', `{ stream(sid: "a+b") { sid } }`, /must not contain "\+"/],
      ['a sid with a control character', `{ stream(sid: "a\\u0001b") { sid } }`, /control/],
      ['a sid over 256 bytes', `{ stream(sid: "${'x'.repeat(257)}") { sid } }`, /longer than 256/],
      ['a bad sid in a list', `{ streams(sids: ["ok", ""]) { sid } }`, /must not be empty/],
      ['too many sids', `{ streams(sids: ["a","b","c","d","e","f"]) { sid } }`, /at most 5/],
      ['meta that is a string', `mutation { streamMeta(sid: "a", meta: "x") }`, /JSON object/],
      ['meta that is a list', `mutation { streamMeta(sid: "a", meta: [1]) }`, /JSON object/],
      ['meta that is null', `mutation { streamMeta(sid: "a", meta: null) }`, /./],
      ['meta that is a number', `mutation { streamMeta(sid: "a", meta: 3) }`, /JSON object/],
      ['a bad sid to streamMeta', `mutation { streamMeta(sid: "", meta: {}) }`, /empty/],
      ['a bad sid to deleteStream', `mutation { deleteStream(sid: "a+b") }`, /"\+"/],
    ])('%s', async (_label, query, message) => {
      const res = await gql(server.http, query);
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0].message).toMatch(message);
      expect(errorCodes(res.errors)[0]).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
      expect(res.data ?? null).toBeNull();
    });

    it('answers refused arguments with BAD_USER_INPUT and the service reason', async () => {
      const res = await gql(server.http, `mutation { streamMeta(sid: "x", meta: [1, 2]) }`);
      expect(res.errors?.[0]).toMatchObject({
        message: 'meta must be a JSON object, got a list',
        extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' },
        path: ['streamMeta'],
      });
      expect(JSON.stringify(res.errors)).not.toMatch(/stacktrace|at .*\.js/);
    });
  });
});
