import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { GqlSubscription } from './support/graphql.js';
import { startServer, TestServer } from './support/app.js';
import {
  bearer,
  gqlWsConnect,
  mint,
  nowSeconds,
  Permissions,
  SECRET,
  wsOpen,
  wsRefusal,
} from './support/auth.js';
import { writeMcap } from './support/mcap.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { TestSocket } from './support/ws.js';

/**
 * Per-stream permissions with auth on (HS256): the read/write/admin matrix with `*` and `?`
 * patterns on every data transport, GraphQL lists and checks, a forbidden subscription beside an
 * allowed one, connections closed at their token's `exp`, refusal logs.
 */

let server: TestServer;
let redis: TestRedis;
const p = uniqueKey('auth-perm');
const cam1 = `${p}/cam/1`;
const camDeep = `${p}/cam/x/y`;
const camBare = `${p}/cam`;
const camera = `${p}/camera/1`;
const camA = `${p}/camA`;
const camAB = `${p}/camAB`;
const other = `${p}/other`;
const created = [cam1, camDeep, camBare, camera, camA, camAB, other];

const TOKENS: Record<string, Permissions> = {
  reader: { sub: 'reader', read: [`${p}/cam/*`] },
  writer: { sub: 'writer', write: [`${p}/cam/*`] },
  admin: { sub: 'admin', admin: true },
  single: { sub: 'single', read: [`${p}/cam?`], write: [`${p}/cam?`] },
  everything: { sub: 'everything', read: ['*'], write: ['*'] },
  nothing: { sub: 'nothing' },
};
const tokens: Record<string, string> = {};

const seg = (...sids: string[]) => sids.map(encodeURIComponent).join('+');

beforeAll(async () => {
  server = await startServer({ AUTH_JWT_SECRET: SECRET });
  redis = await connectRedis();
  for (const [name, permissions] of Object.entries(TOKENS)) {
    tokens[name] = await mint(permissions);
  }
  for (const sid of [cam1, other]) await redis.xAdd(sid, '*', { d: `first of ${sid}` });
});

afterAll(async () => {
  await redis?.del([...created, ...created.map((sid) => `XMETA:${sid}`)]);
  await redis?.quit();
  await server?.close();
});

/** 'ok' when the transport accepted `token` for `segment`, else the refusal's status and code. */
type Outcome = 'ok' | `${number} ${string}`;
type Transport = (segment: string, token: string) => Promise<Outcome>;

const wsTransport =
  (kind: 'push' | 'pull'): Transport =>
  async (segment, token) => {
    const url = `${server.ws}/data/${segment}/${kind}`;
    try {
      (await wsOpen(url, bearer(token))).close();
      return 'ok';
    } catch {
      const { status, body } = await wsRefusal(url, bearer(token));
      return `${status} ${body.error?.code}`;
    }
  };

async function httpOutcome(res: Response): Promise<Outcome> {
  if (res.status === 200) {
    await res.arrayBuffer();
    return 'ok';
  }
  const body = (await res.json()) as { error?: { code: string } };
  return `${res.status} ${body.error?.code}`;
}

const transports: Record<string, Transport> = {
  push: wsTransport('push'),
  pull: wsTransport('pull'),
  GET: async (segment, token) =>
    httpOutcome(await fetch(`${server.http}/data/${segment}`, { headers: bearer(token) })),
  POST: async (segment, token) =>
    httpOutcome(
      await fetch(`${server.http}/data/${segment}`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/octet-stream' },
        body: 'x',
      }),
    ),
};

const FORBIDDEN: Outcome = '403 FORBIDDEN';

/** An MJPEG view never ends: a 200 is 'ok' as soon as its headers arrive. */
transports.MJPEG = async (segment, token) => {
  const abort = new AbortController();
  const res = await fetch(`${server.http}/data/${segment}/mjpeg`, {
    headers: bearer(token),
    signal: abort.signal,
  });
  if (res.status !== 200) return httpOutcome(res);
  abort.abort();
  return 'ok';
};

transports.EXPORT = async (segment, token) =>
  httpOutcome(await fetch(`${server.http}/data/${segment}/export`, { headers: bearer(token) }));

/** An MCAP file with one message for each of the segment's sids (channel topic = sid). */
transports.IMPORT = async (segment, token) => {
  const sids = segment.split('+').map(decodeURIComponent);
  const file = await writeMcap(
    sids,
    sids.map((topic) => ({ topic, logTimeMs: Date.now(), data: Buffer.from('m') })),
  );
  return httpOutcome(
    await fetch(`${server.http}/data/import`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/x-mcap' },
      body: file,
    }),
  );
};

/** [token, transport, sids in the URL, expected]. */
const MATRIX: [string, string, string[], Outcome][] = [
  // read-only: pull and GET, not push or POST.
  ['reader', 'pull', [cam1], 'ok'],
  ['reader', 'GET', [cam1], 'ok'],
  ['reader', 'push', [cam1], FORBIDDEN],
  ['reader', 'POST', [cam1], FORBIDDEN],
  // write-only: push and POST, not pull or GET.
  ['writer', 'push', [cam1], 'ok'],
  ['writer', 'POST', [cam1], 'ok'],
  ['writer', 'pull', [cam1], FORBIDDEN],
  ['writer', 'GET', [cam1], FORBIDDEN],
  ['reader', 'MJPEG', [cam1], 'ok'],
  ['writer', 'MJPEG', [cam1], FORBIDDEN],
  ['nothing', 'MJPEG', [cam1], FORBIDDEN],
  // `cam/*`: any run of characters after `cam/`, slashes included; nothing else.
  ['reader', 'pull', [camDeep], 'ok'],
  ['reader', 'pull', [camBare], FORBIDDEN],
  ['reader', 'GET', [camera], FORBIDDEN],
  ['reader', 'pull', [other], FORBIDDEN],
  ['writer', 'push', [camDeep], 'ok'],
  ['writer', 'POST', [other], FORBIDDEN],
  // `cam?`: exactly one character.
  ['single', 'pull', [camA], 'ok'],
  ['single', 'push', [camA], 'ok'],
  ['single', 'pull', [camAB], FORBIDDEN],
  ['single', 'POST', [camBare], FORBIDDEN],
  // `*` and admin: everything.
  ['everything', 'pull', [other], 'ok'],
  ['everything', 'POST', [other], 'ok'],
  ['admin', 'push', [other], 'ok'],
  ['admin', 'GET', [other], 'ok'],
  // A valid token without permissions.
  ['nothing', 'GET', [cam1], FORBIDDEN],
  ['nothing', 'push', [cam1], FORBIDDEN],
  // A URL naming an allowed and a forbidden sid together.
  ['reader', 'pull', [cam1, other], FORBIDDEN],
  ['reader', 'GET', [cam1, other], FORBIDDEN],
  ['writer', 'push', [cam1, other], FORBIDDEN],
  ['writer', 'POST', [cam1, other], FORBIDDEN],
  ['reader', 'pull', [cam1, camDeep], 'ok'],
  // MCAP export needs read on every stream, import write on every channel's stream.
  ['reader', 'EXPORT', [cam1, camDeep], 'ok'],
  ['writer', 'EXPORT', [cam1], FORBIDDEN],
  ['reader', 'EXPORT', [cam1, other], FORBIDDEN],
  ['nothing', 'EXPORT', [cam1], FORBIDDEN],
  ['writer', 'IMPORT', [cam1], 'ok'],
  ['reader', 'IMPORT', [cam1], FORBIDDEN],
  ['writer', 'IMPORT', [cam1, other], FORBIDDEN],
  ['single', 'IMPORT', [camAB], FORBIDDEN],
  ['admin', 'IMPORT', [other], 'ok'],
];

describe('permission matrix', () => {
  test.each(MATRIX)('%s: %s %j -> %s', async (token, via, sids, expected) => {
    expect(await transports[via](seg(...sids), tokens[token])).toBe(expected);
  });

  test('a writer pushes through WebSocket and gets its entries acknowledged', async () => {
    const ws = await TestSocket.open(
      `${server.ws}/data/${seg(cam1)}/push?ack=1&access_token=${tokens.writer}`,
    );
    await ws.send(JSON.stringify([3]));
    await ws.send(Buffer.from('abc'));
    const [id] = await ws.nextJson<string[]>();
    const [entry] = await redis.xRange(cam1, id, id);
    expect(String(entry.message.d)).toBe('abc');
    ws.close();
  });

  test('an import without a token is refused with 401, before its body is read', async () => {
    const res = await fetch(`${server.http}/data/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-mcap' },
      body: await writeMcap(
        [cam1],
        [{ topic: cam1, logTimeMs: Date.now(), data: Buffer.from('m') }],
      ),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  test('POST /data/* needs write permission on every stream', async () => {
    const form = () => {
      const body = new FormData();
      body.append('entries', new Blob([Buffer.from('m')]), cam1);
      return body;
    };
    const post = (token: string) =>
      fetch(`${server.http}/data/*`, { method: 'POST', headers: bearer(token), body: form() });
    expect(await httpOutcome(await post(tokens.writer))).toBe(FORBIDDEN);
    expect(await httpOutcome(await post(tokens.everything))).toBe('ok');
  });
});

interface GqlAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gqlAs<T>(token: string, query: string, variables?: object): Promise<GqlAnswer<T>> {
  const res = await fetch(`${server.http}/graphql`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlAnswer<T>;
}

const codes = (answer: GqlAnswer<unknown>) => (answer.errors ?? []).map((e) => e.extensions?.code);
const ours = (sids: string[]) => sids.filter((sid) => sid.startsWith(p)).sort();

describe('GraphQL', () => {
  test('sids lists only readable streams', async () => {
    const reader = await gqlAs<{ sids: string[] }>(tokens.reader, '{ sids }');
    expect(ours(reader.data!.sids)).toEqual([cam1]);
    const admin = await gqlAs<{ sids: string[] }>(tokens.admin, '{ sids }');
    expect(ours(admin.data!.sids)).toEqual([cam1, other].sort());
    const writer = await gqlAs<{ sids: string[] }>(tokens.writer, '{ sids }');
    expect(ours(writer.data!.sids)).toEqual([]);
  });

  test('streams lists only readable streams; naming another is FORBIDDEN', async () => {
    const all = await gqlAs<{ streams: { sid: string }[] }>(tokens.reader, '{ streams { sid } }');
    expect(ours(all.data!.streams.map((s) => s.sid))).toEqual([cam1]);
    const named = await gqlAs<{ streams: { sid: string }[] }>(
      tokens.reader,
      'query ($sids: [String!]) { streams(sids: $sids) { sid } }',
      { sids: [cam1] },
    );
    expect(named.data!.streams).toEqual([{ sid: cam1 }]);
    const mixed = await gqlAs(
      tokens.reader,
      'query ($sids: [String!]) { streams(sids: $sids) { sid } }',
      {
        sids: [cam1, other],
      },
    );
    expect(codes(mixed)).toEqual(['FORBIDDEN']);
    const one = await gqlAs(tokens.reader, 'query ($sid: String!) { stream(sid: $sid) { sid } }', {
      sid: other,
    });
    expect(codes(one)).toEqual(['FORBIDDEN']);
  }, 60_000); // every stream of the shared Redis is described before filtering

  test('streamMeta needs write permission', async () => {
    const mutation = 'mutation ($sid: String!) { streamMeta(sid: $sid, meta: {a: 1}) }';
    expect(codes(await gqlAs(tokens.reader, mutation, { sid: cam1 }))).toEqual(['FORBIDDEN']);
    expect(codes(await gqlAs(tokens.writer, mutation, { sid: other }))).toEqual(['FORBIDDEN']);
    const done = await gqlAs<{ streamMeta: boolean }>(tokens.writer, mutation, { sid: cam1 });
    expect(done).toEqual({ data: { streamMeta: true } });
    expect(JSON.parse((await redis.get(`XMETA:${cam1}`))!.toString())).toEqual({ a: 1 });
  });

  test('deleteStream needs an admin token', async () => {
    const mutation = 'mutation ($sid: String!) { deleteStream(sid: $sid) }';
    await redis.xAdd(camDeep, '*', { d: 'to delete' });
    expect(codes(await gqlAs(tokens.everything, mutation, { sid: camDeep }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(await redis.exists(camDeep)).toBe(1);
    expect(await gqlAs(tokens.admin, mutation, { sid: camDeep })).toEqual({
      data: { deleteStream: true },
    });
    expect(await redis.exists(camDeep)).toBe(0);
  });

  test('a forbidden subscription fails alone; the connection keeps serving an allowed one', async () => {
    const conn = gqlWsConnect(server.ws, { authorization: `Bearer ${tokens.reader}` });
    expect(await conn.connected).toBe(true);
    const query = 'subscription ($sids: [String!]!) { data(sids: $sids) { sid utf8 } }';
    const allowed = new GqlSubscription<{ data: { sid: string; utf8: string } }>(
      conn.client,
      query,
      { sids: [cam1] },
    );
    const forbidden = new GqlSubscription(conn.client, query, { sids: [cam1, other] });
    const refusal = await forbidden.next();
    expect(refusal.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await forbidden.ended;
    // The allowed subscription is live: an entry added now reaches it.
    await redis.xAdd(cam1, '*', { d: 'live' });
    expect(await allowed.nextData()).toEqual({ data: { sid: cam1, utf8: 'live' } });
    allowed.unsubscribe();
    await conn.client.dispose();
  });
});

describe('expiry', () => {
  /** A token expiring in about two seconds (a whole second, so `exp` is exact). */
  async function expiringSoon(permissions: Permissions): Promise<{ token: string; exp: number }> {
    const exp = nowSeconds() + 2;
    return { token: await mint(permissions, { exp }), exp };
  }

  test.each(['push', 'pull'] as const)(
    'an open %s connection gets TOKEN_EXPIRED and close 1008 at exp',
    async (kind) => {
      const { token, exp } = await expiringSoon(TOKENS.admin);
      const ws = await TestSocket.open(
        `${server.ws}/data/${seg(cam1)}/${kind}?block=0&access_token=${token}`,
      );
      const { code } = await ws.closed;
      const closedAt = Date.now();
      expect(code).toBe(1008);
      expect(await ws.nextJson()).toEqual({
        error: { code: 'TOKEN_EXPIRED', message: 'token expired' },
      });
      expect(closedAt).toBeGreaterThanOrEqual(exp * 1000);
    },
  );

  test('an open graphql-ws connection is closed with 4401 at exp', async () => {
    const { token, exp } = await expiringSoon(TOKENS.reader);
    const conn = gqlWsConnect(server.ws, { authorization: `Bearer ${token}` });
    expect(await conn.connected).toBe(true);
    const sub = new GqlSubscription(
      conn.client,
      'subscription ($s: [String!]!) { data(sids: $s) { sid } }',
      {
        s: [cam1],
      },
    );
    const code = await conn.closed;
    expect(code).toBe(4401);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    await sub.ended;
  });
});

describe('logs', () => {
  afterEach(() => jest.restoreAllMocks());

  test('a refusal is logged at warn with address, reason and sub, never the token', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await transports.push(seg(other), tokens.reader)).toBe(FORBIDDEN);
    const expired = await mint(TOKENS.reader, { exp: nowSeconds() - 60 });
    expect(await transports.GET(seg(cam1), expired)).toBe('401 UNAUTHENTICATED');
    const lines = warn.mock.calls.map((call) => String(call[0]));
    const forbidden = lines.find((line) => line.includes('no write permission'));
    expect(forbidden).toContain('127.0.0.1');
    expect(forbidden).toContain('reader');
    expect(lines.find((line) => line.includes('token expired'))).toContain('127.0.0.1');
    for (const line of lines) {
      expect(line).not.toContain(tokens.reader);
      expect(line).not.toContain(expired);
    }
  });
});

describe('auth off', () => {
  afterEach(() => jest.restoreAllMocks());

  async function startupWarnings(HOST: string): Promise<string[]> {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const open = await startServer({ HOST });
    await open.close();
    const lines = warn.mock.calls.map((call) => String(call[0]));
    warn.mockRestore();
    return lines.filter((l) => l.includes('authentication is off'));
  }

  test('warns at start when HOST is not a loopback address', async () => {
    expect(await startupWarnings('0.0.0.0')).toHaveLength(1);
    expect(await startupWarnings('127.0.0.1')).toHaveLength(0);
  });
});
