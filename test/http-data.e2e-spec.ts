import { Readable } from 'node:stream';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, readEntries, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually } from './support/ws.js';

/** Small enough to exceed cheaply, large enough for every other case here. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

type Offsets = [string, string, number][];

let server: TestServer;
let redis: TestRedis;

beforeAll(async () => {
  server = await startServer({ MAX_PAYLOAD_BYTES });
  redis = await connectRedis();
});

afterAll(async () => {
  await redis?.quit();
  await server?.close();
});

function url(segment: string, query = ''): string {
  return `${server.http}/data/${segment}${query ? `?${query}` : ''}`;
}

function form(...parts: { data: string | Buffer; filename?: string; name?: string }[]): FormData {
  const body = new FormData();
  for (const part of parts) {
    const blob = new Blob([typeof part.data === 'string' ? Buffer.from(part.data) : part.data]);
    body.append(part.name ?? 'entries', blob, part.filename ?? 'entry.bin');
  }
  return body;
}

async function post(segment: string, body: RequestInit['body'], headers?: Record<string, string>) {
  const res = await fetch(url(segment), { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as unknown };
}

async function get(segment: string, query = '', signal?: AbortSignal) {
  const res = await fetch(url(segment, query), { signal });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    body,
    offsets: JSON.parse(res.headers.get('entry-offset') ?? 'null') as Offsets,
    last: res.headers.get('x-last-entry-id'),
    type: res.headers.get('content-type'),
  };
}

function expectError(
  answer: { status: number; json?: unknown; body?: Buffer },
  status: number,
  code: string,
  message?: RegExp,
) {
  expect(answer.status).toBe(status);
  const json = answer.json ?? JSON.parse(answer.body!.toString());
  expect(json).toEqual({ error: { code, message: expect.any(String) } });
  if (message) expect((json as { error: { message: string } }).error.message).toMatch(message);
}

async function seed(sid: string, ...payloads: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const p of payloads) ids.push(String(await redis.xAdd(sid, '*', { d: p })));
  return ids;
}

describe('POST /data/{sid}', () => {
  it('stores one multipart part as one entry (field d) and answers its id', async () => {
    const sid = uniqueKey('http-one');
    const answer = await post(encodeURIComponent(sid), form({ data: 'hello' }));
    expect(answer.status).toBe(200);
    const entries = await readEntries(redis, sid);
    expect(answer.json).toEqual([entries[0].id]);
    expect(entries.map((e) => [e.fields, e.data.toString()])).toEqual([[['d'], 'hello']]);
  });

  it('stores several parts in order, binary intact, empty parts included', async () => {
    const sid = uniqueKey('http-many');
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const answer = await post(
      encodeURIComponent(sid),
      form({ data: 'a' }, { data: binary }, { data: '' }, { data: 'z' }),
    );
    expect(answer.status).toBe(200);
    const entries = await readEntries(redis, sid);
    expect(answer.json).toEqual(entries.map((e) => e.id));
    expect(entries.map((e) => e.data)).toEqual([
      Buffer.from('a'),
      binary,
      Buffer.alloc(0),
      Buffer.from('z'),
    ]);
  });

  it('with * sends each part to the stream its filename names', async () => {
    const a = uniqueKey('http-star-a');
    const b = `${uniqueKey('http-star-b')}/cam/ü`;
    const answer = await post(
      '*',
      form({ data: '1', filename: a }, { data: '2', filename: b }, { data: '3', filename: a }),
    );
    expect(answer.status).toBe(200);
    const [ea, eb] = [await readEntries(redis, a), await readEntries(redis, b)];
    expect(ea.map((e) => e.data.toString())).toEqual(['1', '3']);
    expect(eb.map((e) => e.data.toString())).toEqual(['2']);
    expect(answer.json).toEqual([ea[0].id, eb[0].id, ea[1].id]);
  });

  it('with several sids lets filenames choose among them, and refuses other filenames', async () => {
    const a = uniqueKey('http-multi-a');
    const b = uniqueKey('http-multi-b');
    const segment = `${encodeURIComponent(a)}+${encodeURIComponent(b)}`;
    const ok = await post(
      segment,
      form({ data: 'to-b', filename: b }, { data: 'to-a', filename: a }),
    );
    expect(ok.status).toBe(200);
    expect((await readEntries(redis, a)).map((e) => e.data.toString())).toEqual(['to-a']);
    expect((await readEntries(redis, b)).map((e) => e.data.toString())).toEqual(['to-b']);

    expectError(
      await post(segment, form({ data: 'x', filename: 'elsewhere' })),
      403,
      'NOT_ALLOWED',
      /not one of the URL's stream ids/,
    );
  });

  it('takes an application/octet-stream body (and a body without type) as one entry', async () => {
    const sid = uniqueKey('http-raw');
    const binary = Buffer.from([0, 255, 10, 13, 0x80]);
    const first = await post(encodeURIComponent(sid), binary, {
      'content-type': 'application/octet-stream',
    });
    const second = await post(encodeURIComponent(sid), new Uint8Array([1, 2, 3]));
    expect([first.status, second.status]).toEqual([200, 200]);
    const entries = await readEntries(redis, sid);
    expect(entries.map((e) => e.data)).toEqual([binary, Buffer.from([1, 2, 3])]);
    expect([first.json, second.json]).toEqual([[entries[0].id], [entries[1].id]]);
  });

  it('takes text fields named entries, in order', async () => {
    const sid = uniqueKey('http-text');
    const body = new FormData();
    body.append('entries', 'one');
    body.append('entries', 'two');
    const answer = await post(encodeURIComponent(sid), body);
    expect(answer.status).toBe(200);
    expect((await readEntries(redis, sid)).map((e) => e.data.toString())).toEqual(['one', 'two']);
  });

  it('percent-decodes the sid in the URL', async () => {
    const base = uniqueKey('http-enc');
    const answer = await post(encodeURIComponent(`${base}/dev cam`), form({ data: 'x' }));
    expect(answer.status).toBe(200);
    expect(await readEntries(redis, `${base}/dev cam`)).toHaveLength(1);
  });

  describe('errors', () => {
    it('400 for an invalid sid', async () => {
      expectError(await post('a%00b', form({ data: 'x' })), 400, 'BAD_REQUEST', /control/);
      expectError(await post('a++b', form({ data: 'x' })), 400, 'BAD_REQUEST', /empty/);
      // Malformed percent-encoding is refused by Express's router before the controller runs.
      const undecodable = await post('%E0%A4%A', form({ data: 'x' }));
      expect(undecodable.status).toBe(400);
      expect(JSON.stringify(undecodable.json)).toMatch(/decode/);
    });

    it('400 for parts not named entries, or no entries at all', async () => {
      const sid = encodeURIComponent(uniqueKey('http-bad-part'));
      expectError(
        await post(sid, form({ data: 'x', name: 'file' })),
        400,
        'BAD_REQUEST',
        /unexpected part "file"/,
      );
      const empty = new FormData();
      empty.append('other', 'x');
      expectError(await post(sid, empty), 400, 'BAD_REQUEST', /unexpected field "other"/);
      expectError(
        await post(sid, new FormData()),
        400,
        'BAD_REQUEST',
        /no entries|Unexpected end of form/,
      );
    });

    it('400 for a raw body to * or to several sids; 400 for * parts without a valid sid', async () => {
      expectError(
        await post('*', Buffer.from('x')),
        400,
        'BAD_REQUEST',
        /one entry for one stream/,
      );
      expectError(await post('a+b', Buffer.from('x')), 400, 'BAD_REQUEST');
      expectError(
        await post('*', form({ data: 'x', filename: 'bad+sid' })),
        400,
        'BAD_REQUEST',
        /"\+"/,
      );
    });

    it('415 for JSON and urlencoded bodies (the body parsers took them)', async () => {
      const sid = encodeURIComponent(uniqueKey('http-json'));
      expectError(
        await post(sid, '{"a":1}', { 'content-type': 'application/json' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectError(
        await post(sid, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('413 for a body over MAX_PAYLOAD_BYTES: raw, raw without Content-Length, multipart', async () => {
      const sid = uniqueKey('http-big');
      const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 7);
      expectError(
        await post(encodeURIComponent(sid), big, { 'content-type': 'application/octet-stream' }),
        413,
        'TOO_LARGE',
        /MAX_PAYLOAD_BYTES/,
      );
      // Chunked: no Content-Length, so the limit is enforced while reading.
      const res = await fetch(url(encodeURIComponent(sid)), {
        method: 'POST',
        body: Readable.toWeb(
          Readable.from([big.subarray(0, 40000), big.subarray(40000)]),
        ) as RequestInit['body'],
        headers: { 'content-type': 'application/octet-stream' },
        duplex: 'half',
      } as RequestInit);
      expectError({ status: res.status, json: await res.json() }, 413, 'TOO_LARGE');
      expectError(await post(encodeURIComponent(sid), form({ data: big })), 413, 'TOO_LARGE');
      expect(await redis.exists(sid)).toBe(0);
      // The server is still fine afterwards.
      expect((await post(encodeURIComponent(sid), Buffer.from('ok'))).status).toBe(200);
    });

    it('500 when the key is not a stream', async () => {
      const sid = uniqueKey('http-wrongtype');
      await redis.set(sid, 'a string');
      // 500s are logged at error level: expected here.
      const [posted, got] = await server.quietly(() =>
        Promise.all([
          post(encodeURIComponent(sid), Buffer.from('x')),
          get(encodeURIComponent(sid), 'last_entry_id=0'),
        ]),
      );
      expectError(posted, 500, 'INTERNAL', /WRONGTYPE/);
      expectError(got, 500, 'INTERNAL', /WRONGTYPE/);
    });
  });
});

describe('GET /data/{sid}', () => {
  it('answers the payloads back to back with entry-offset and x-last-entry-id', async () => {
    const sid = uniqueKey('http-get');
    const ids = await seed(sid, 'first', '', 'third!');
    const answer = await get(encodeURIComponent(sid), 'last_entry_id=0&count=10');
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('application/octet-stream');
    expect(answer.body.toString()).toBe('firstthird!');
    expect(answer.offsets).toEqual([
      [sid, ids[0], 0],
      [sid, ids[1], 5],
      [sid, ids[2], 5],
    ]);
    expect(answer.last).toBe(ids[2]);
  });

  it('gives one entry by default and resumes from x-last-entry-id without gap or duplicate', async () => {
    const sid = uniqueKey('http-resume');
    const ids = await seed(sid, 'a', 'b', 'c', 'd', 'e');
    const seen: string[] = [];
    let cursor = '0';
    for (let i = 0; i < 3; i++) {
      const answer = await get(encodeURIComponent(sid), `last_entry_id=${cursor}&count=2`);
      seen.push(...answer.offsets.map(([, id]) => id));
      cursor = answer.last!;
    }
    expect(seen).toEqual(ids);
    const first = await get(encodeURIComponent(sid), 'last_entry_id=0');
    expect(first.offsets.map(([, id]) => id)).toEqual([ids[0]]);
    // Nothing newer: the cursor passed in comes back.
    const after = await get(encodeURIComponent(sid), `last_entry_id=${ids[4]}`);
    expect([after.body.length, after.offsets, after.last]).toEqual([0, [], ids[4]]);
  });

  it('successive GETs see entries appended between them (pages read ahead stay exact)', async () => {
    const sid = uniqueKey('http-ahead');
    const ids = await seed(sid, 'a', 'b', 'c', 'd', 'e');
    const seen: string[] = [];
    let cursor = '0';
    for (let i = 0; i < 2; i++) {
      const answer = await get(encodeURIComponent(sid), `last_entry_id=${cursor}&count=2`);
      seen.push(answer.body.toString());
      cursor = answer.last!;
    }
    // The page after c, d ended at the stream's end (e): f comes after it was read.
    const [f] = await seed(sid, 'f');
    const third = await get(encodeURIComponent(sid), `last_entry_id=${cursor}&count=2`);
    seen.push(third.body.toString());
    expect(seen).toEqual(['ab', 'cd', 'ef']);
    expect(third.offsets.map(([, id]) => id)).toEqual([ids[4], f]);
  });

  it('$ answers nothing at once and the newest id as the cursor; latest gives the newest entry', async () => {
    const sid = uniqueKey('http-latest');
    const ids = await seed(sid, 'old', 'older', 'newest');
    const now = await get(encodeURIComponent(sid));
    expect([now.body.length, now.last]).toEqual([0, ids[2]]);
    const latest = await get(encodeURIComponent(sid), 'last_entry_id=0&latest=True&count=5');
    expect(latest.body.toString()).toBe('newest');
    expect(latest.offsets).toEqual([[sid, ids[2], 0]]);
    const none = await get(encodeURIComponent(sid), `latest=1&last_entry_id=${ids[2]}`);
    expect([none.offsets, none.last]).toEqual([[], ids[2]]);
    const missing = await get(encodeURIComponent(uniqueKey('http-missing')));
    expect([missing.status, missing.last]).toEqual([200, '0-0']);
  });

  it('reads several sids with one cursor each and escapes non-ASCII sids in the header', async () => {
    const a = uniqueKey('http-ga');
    const b = `${uniqueKey('http-gb')}-é日`;
    const [a1, a2] = await seed(a, 'a1', 'a2');
    const [b1] = await seed(b, 'b1');
    const segment = `${encodeURIComponent(a)}+${encodeURIComponent(b)}`;
    const res = await fetch(url(segment, `last_entry_id=${a1}+0&count=5`));
    const raw = res.headers.get('entry-offset')!;
    expect(raw).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(raw)).toEqual([
      [a, a2, 0],
      [b, b1, 2],
    ]);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('a2b1');
    expect(res.headers.get('x-last-entry-id')).toBe(`${a2}+${b1}`);
    // A stream with nothing newer keeps its cursor in x-last-entry-id.
    const only = await get(segment, `last_entry_id=${a2}+0&count=5`);
    expect(only.last).toBe(`${a2}+${b1}`);
    const again = await get(segment, `last_entry_id=${a2}+${b1}`);
    expect(again.last).toBe(`${a2}+${b1}`);
  });

  it('with block waits through the hub for an entry pushed after the request', async () => {
    const sid = uniqueKey('http-block');
    const hub = server.app.get(ReadHub);
    const before = hub.stats().listeners;
    const started = Date.now();
    const pending = get(encodeURIComponent(sid), 'block=20000');
    await expectEventually(() => hub.stats().listeners === before + 1);
    await post(encodeURIComponent(sid), Buffer.from('late'));
    const answer = await pending;
    expect(Date.now() - started).toBeLessThan(20000);
    expect(answer.body.toString()).toBe('late');
    expect(answer.offsets).toEqual([[sid, answer.last, 0]]);
    await expectEventually(() => hub.stats().listeners === before);
  });

  it('with block and latest waits for the newest entry', async () => {
    const sid = uniqueKey('http-block-latest');
    await seed(sid, 'before');
    const hub = server.app.get(ReadHub);
    const before = hub.stats().listeners;
    const pending = get(encodeURIComponent(sid), 'block=20000&latest=1');
    await expectEventually(() => hub.stats().listeners === before + 1);
    await seed(sid, 'after');
    expect((await pending).body.toString()).toBe('after');
  });

  it('with block answers empty after the timeout, and releases the hub', async () => {
    const sid = uniqueKey('http-timeout');
    const hub = server.app.get(ReadHub);
    const before = hub.stats().listeners;
    const [last] = await seed(sid, 'x');
    const started = Date.now();
    const answer = await get(encodeURIComponent(sid), 'block=300');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect([answer.status, answer.body.length, answer.last]).toEqual([200, 0, last]);
    expect(hub.stats().listeners).toBe(before);
  });

  it('stops waiting when the client goes away', async () => {
    const sid = uniqueKey('http-gone');
    const hub = server.app.get(ReadHub);
    const before = hub.stats().listeners;
    const abort = new AbortController();
    const pending = get(encodeURIComponent(sid), 'block=60000', abort.signal);
    pending.catch(() => undefined);
    await expectEventually(() => hub.stats().listeners === before + 1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await expectEventually(() => hub.stats().listeners === before);
  });

  it('400 for an invalid sid or query parameter', async () => {
    const sid = encodeURIComponent(uniqueKey('http-badq'));
    expectError(await get('a%01', ''), 400, 'BAD_REQUEST', /control/);
    expectError(await get(sid, 'count=0'), 400, 'BAD_REQUEST', /count/);
    expectError(await get(sid, 'count=ten'), 400, 'BAD_REQUEST', /count/);
    expectError(await get(sid, 'block=-1'), 400, 'BAD_REQUEST', /block/);
    expectError(await get(sid, 'latest=maybe'), 400, 'BAD_REQUEST', /latest/);
    expectError(await get(sid, 'last_entry_id=yesterday'), 400, 'BAD_REQUEST', /last_entry_id/);
    expectError(await get(`${sid}+x`, 'last_entry_id=0+0+0'), 400, 'BAD_REQUEST', /3 ids for 2/);
  });
});

describe('OpenAPI', () => {
  it('describes both endpoints at /docs-json', async () => {
    const doc = (await (await fetch(`${server.http}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    };
    const data = doc.paths['/data/{sid}'];
    expect(Object.keys(data).sort()).toEqual(['get', 'post']);
    expect(Object.keys(data.post.requestBody!.content).sort()).toEqual([
      'application/octet-stream',
      'multipart/form-data',
    ]);
  });

  it('serves Swagger UI at /docs with its assets from the server itself', async () => {
    const res = await fetch(`${server.http}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^https?:/);
      const assetRes = await fetch(new URL(asset, `${server.http}/docs`));
      expect([asset, assetRes.status]).toEqual([asset, 200]);
      await assetRes.arrayBuffer();
    }
  });
});
