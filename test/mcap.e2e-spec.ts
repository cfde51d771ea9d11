import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryOfMessage } from '../src/streams/formats/stream-formats.js';
import { startServer, TestServer } from './support/app.js';
import { buildCliIfStale, CliProcess, runCli } from './support/cli.js';
import { craftMcap, entryTexts, indexedReader, parseMcap, writeMcap } from './support/mcap.js';
import { connectRedis, readEntries, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually } from './support/ws.js';

/**
 * Record and replay through MCAP files: export (channels, log times, payloads as an independent
 * reader sees them, windows, live recording), import back (payloads and order, kept ids,
 * metadata), replay pacing, and malformed files refused with what was written before.
 */

let server: TestServer;
let redis: TestRedis;
const p = uniqueKey('mcap');
const cam = `${p}/cam`;
const json = `${p}/json`;
const raw = `${p}/raw`;
const created: string[] = [cam, json, raw];

const seg = (...sids: string[]) => sids.map(encodeURIComponent).join('+');
const base = Date.now() - 60_000;

/** A small fake JPEG (SOI, APP0, random body, EOI): the export only looks at its first bytes. */
const jpeg = () =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    randomBytes(200),
    Buffer.from([0xff, 0xd9]),
  ]);

/** [sid, id, payload] as stored, oldest first per stream. */
const stored: [string, string, Buffer][] = [];

beforeAll(async () => {
  server = await startServer();
  redis = await connectRedis();
  for (let i = 0; i < 20; i++) {
    // Interleaved in time; json and raw share milliseconds (two entries in one ms for raw).
    stored.push([cam, `${base + i * 40}-0`, jpeg()]);
    stored.push([json, `${base + i * 40 + 10}-0`, Buffer.from(JSON.stringify({ i, v: i * 1.5 }))]);
    stored.push([
      raw,
      `${base + i * 40 + 10}-1`,
      i === 3 ? Buffer.alloc(0) : randomBytes(1 + i * 7),
    ]);
    stored.push([raw, `${base + i * 40 + 10}-2`, randomBytes(3)]);
  }
  for (const [sid, id, data] of stored) await redis.xAdd(sid, id, { d: data });
  await redis.set(`XMETA:${cam}`, JSON.stringify({ format: 'jpeg', fps: 25 }));
  await redis.set(`XMETA:${json}`, JSON.stringify({ format: 'json', unit: 'm' }));
});

afterAll(async () => {
  await redis?.del([...created, ...created.map((sid) => `XMETA:${sid}`)]);
  await redis?.quit();
  await server?.close();
});

async function exportFile(segment: string, query = ''): Promise<{ res: Response; file: Buffer }> {
  const res = await fetch(`${server.http}/data/${segment}/export${query}`);
  return { res, file: Buffer.from(await res.arrayBuffer()) };
}

/** The JSON answer of an import: the summary, or an error with the summary of what was written. */
interface ImportAnswer {
  error: { code: string; message: string };
  messages: number;
  streams: { sid: string; written: number; newIds: number }[];
}

async function importFile(
  file: Uint8Array,
  query = '',
): Promise<{ status: number; body: ImportAnswer }> {
  const res = await fetch(`${server.http}/data/import${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-mcap' },
    body: file,
  });
  return { status: res.status, body: (await res.json()) as ImportAnswer };
}

const idOf = (logTime: bigint, sequence: number) => `${logTime / 1_000_000n}-${sequence}`;

describe('export', () => {
  let file: Buffer;

  beforeAll(async () => {
    const exported = await exportFile(seg(cam, json, raw));
    expect(exported.res.status).toBe(200);
    expect(exported.res.headers.get('content-type')).toBe('application/x-mcap');
    expect(exported.res.headers.get('content-disposition')).toMatch(
      /^attachment; filename=".+\.mcap"$/,
    );
    file = exported.file;
  });

  test('one channel per stream, with an encoding a viewer understands and the stream metadata', () => {
    const { channels, schemas } = parseMcap(file);
    const byTopic = new Map([...channels.values()].map((c) => [c.topic, c]));
    expect([...byTopic.keys()].sort()).toEqual([cam, json, raw].sort());
    const camChannel = byTopic.get(cam)!;
    expect(camChannel.messageEncoding).toBe('protobuf');
    expect(schemas.get(camChannel.schemaId)?.name).toBe('foxglove.CompressedImage');
    expect(JSON.parse(camChannel.metadata.get('redis-streamer.meta')!)).toEqual({
      format: 'jpeg',
      fps: 25,
    });
    expect(byTopic.get(json)!.messageEncoding).toBe('json');
    expect(byTopic.get(raw)!.messageEncoding).toBe('protobuf');
    expect(schemas.get(byTopic.get(raw)!.schemaId)?.name).toBe('redis_streamer.RawEntry');
  });

  test('every entry is a message: log time = entry time, sequence kept, payload byte-equal, merged in id order', () => {
    const { channels, messages, schemas } = parseMcap(file);
    expect(messages).toHaveLength(stored.length);
    const fileOrder = messages.map((m) => {
      const topic = channels.get(m.channelId)!.topic;
      const schema = schemas.get(channels.get(m.channelId)!.schemaId)?.name;
      const data = entryOfMessage(schema, Buffer.from(m.data)) ?? Buffer.from(m.data);
      return [topic, idOf(m.logTime, m.sequence), data] as [string, string, Buffer];
    });
    const idOrder = [...stored].sort(([, a], [, b]) => {
      const [am, as] = a.split('-').map(Number);
      const [bm, bs] = b.split('-').map(Number);
      return am - bm || as - bs;
    });
    expect(fileOrder.map(([s, id]) => [s, id])).toEqual(idOrder.map(([s, id]) => [s, id]));
    for (let i = 0; i < idOrder.length; i++)
      expect(fileOrder[i][2].equals(idOrder[i][2])).toBe(true);
    for (const m of messages) expect(m.publishTime).toBe(m.logTime);
  });

  test('the file is indexed: statistics and per-channel counts for a seeking reader', async () => {
    const reader = await indexedReader(file);
    expect(reader.statistics?.messageCount).toBe(BigInt(stored.length));
    const counts = new Map(
      [...reader.channelsById.values()].map((c) => [
        c.topic,
        Number(reader.statistics?.channelMessageCounts.get(c.id) ?? 0n),
      ]),
    );
    expect(Object.fromEntries(counts)).toEqual({ [cam]: 20, [json]: 20, [raw]: 40 });
    let n = 0;
    for await (const _m of reader.readMessages()) n++;
    expect(n).toBe(stored.length);
  });

  test('a window by time, by id, relative to now; compression none', async () => {
    const byTime = parseMcap(
      (
        await exportFile(
          seg(cam, raw),
          `?start=${base + 100}&end=${new Date(base + 200).toISOString()}`,
        )
      ).file,
    );
    // cam at +120, +160, +200; raw at +130 (x2), +170 (x2)
    expect(byTime.messages).toHaveLength(7);
    const byId = parseMcap(
      (await exportFile(seg(raw), `?start=${base + 10}-2&end=${base + 50}-1`)).file,
    );
    expect(byId.messages.map((m) => idOf(m.logTime, m.sequence))).toEqual([
      `${base + 10}-2`,
      `${base + 50}-1`,
    ]);
    const recent = parseMcap((await exportFile(seg(cam), '?start=now-1s')).file);
    expect(recent.messages).toHaveLength(0);
    const plain = parseMcap((await exportFile(seg(cam), '?compression=none')).file);
    expect([...plain.compressions]).toEqual(['']);
    expect(plain.messages).toHaveLength(20);
  });

  test('text entries compress with zstd', async () => {
    const text = `${p}/text`;
    created.push(text);
    for (let i = 0; i < 500; i++)
      await redis.xAdd(text, '*', { d: `reading ${i} of sensor 1: ok` });
    const { file: zipped } = await exportFile(seg(text));
    const parsed = parseMcap(zipped);
    expect([...parsed.compressions]).toEqual(['zstd']);
    expect(parsed.messages).toHaveLength(500);
  });

  test('bad windows and sids are refused with 400 before the file begins', async () => {
    const cases = [
      [seg(cam), '?start=yesterday'],
      [seg(cam), `?start=${base + 100}&end=${base}`],
      [seg(cam), '?compression=lz4'],
      [seg('XMETA:x'), ''],
    ];
    for (const [segment, query] of cases) {
      const { res, file: body } = await exportFile(segment, query);
      expect([segment, query, res.status]).toEqual([segment, query, 400]);
      expect(JSON.parse(body.toString()).error.code).toBe('BAD_REQUEST');
    }
  });

  test('an end in the future records live until then, then completes the file', async () => {
    const live = `${p}/live`;
    created.push(live);
    // The answer's head arrives once the recording is under way: the entries come after it.
    const res = await fetch(`${server.http}/data/${seg(live)}/export?start=now&end=now%2B1500ms`);
    expect(res.status).toBe(200);
    for (let i = 0; i < 5; i++) await redis.xAdd(live, '*', { d: `live ${i}` });
    const parsed = parseMcap(Buffer.from(await res.arrayBuffer()));
    expect(entryTexts(parsed)).toEqual([0, 1, 2, 3, 4].map((i) => `live ${i}`));
  });

  test('on shutdown a live recording completes its file with what it has', async () => {
    const own = await startServer();
    const live = `${p}/shutdown`;
    created.push(live);
    const res = await fetch(`${own.http}/data/${seg(live)}/export?start=now&end=now%2B60s`);
    expect(res.status).toBe(200);
    const body = res.arrayBuffer();
    await redis.xAdd(live, '*', { d: 'kept' });
    await own.close();
    const file = parseMcap(Buffer.from(await body));
    expect(entryTexts(file)).toEqual(['kept']);
  });

  test('a live recording of JPEG entries is a CompressedImage channel, and its file grows as it records', async () => {
    const own = await startServer();
    const live = `${p}/live-jpeg`;
    created.push(live);
    const res = await fetch(
      `${own.http}/data/${seg(live)}/export?start=now&end=now%2B60s&compression=none`,
    );
    expect(res.status).toBe(200);
    // A camera frame: larger than the chunks of a live recording.
    const frame = Buffer.concat([jpeg(), randomBytes(8 * 1024)]);
    await redis.xAdd(live, '*', { d: frame });
    // The first frame reaches the client while the recording goes on.
    const reader = res.body!.getReader();
    const received: Buffer[] = [];
    while (Buffer.concat(received).indexOf(frame) < 0) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      received.push(Buffer.from(value!));
    }
    await own.close();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received.push(Buffer.from(value));
    }
    const { channels, schemas, messages } = parseMcap(Buffer.concat(received));
    const [channel] = [...channels.values()];
    const schema = schemas.get(channel.schemaId)?.name;
    expect(channel.messageEncoding).toBe('protobuf');
    expect(schema).toBe('foxglove.CompressedImage');
    expect(messages.map((m) => entryOfMessage(schema, Buffer.from(m.data)))).toEqual([frame]);
  });

  test('a client that goes mid-export stops it; the server serves on', async () => {
    const big = `${p}/big`;
    created.push(big);
    const chunk = randomBytes(256 * 1024);
    for (let i = 0; i < 64; i++) await redis.xAdd(big, '*', { d: chunk });
    const abort = new AbortController();
    const res = await fetch(`${server.http}/data/${seg(big)}/export?compression=none`, {
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    const again = await exportFile(seg(cam));
    expect(parseMcap(again.file).messages).toHaveLength(20);
  });
});

describe('import', () => {
  let file: Buffer;

  beforeAll(async () => {
    file = (await exportFile(seg(cam, json, raw))).file;
  });

  test('into new streams (prefix): identical payloads in the same order, metadata taken along', async () => {
    const prefix = `${p}/copy1`;
    created.push(...[cam, json, raw].map((s) => prefix + s));
    const { status, body } = await importFile(file, `?prefix=${encodeURIComponent(prefix)}`);
    expect(status).toBe(200);
    expect(body.messages).toBe(stored.length);
    const written = Object.fromEntries(
      (body.streams as { sid: string; written: number }[]).map((s) => [s.sid, s.written]),
    );
    expect(written).toEqual({ [prefix + cam]: 20, [prefix + json]: 20, [prefix + raw]: 40 });
    for (const sid of [cam, json, raw]) {
      const original = await readEntries(redis, sid);
      const copy = await readEntries(redis, prefix + sid);
      expect(copy.map((e) => e.data.toString('hex'))).toEqual(
        original.map((e) => e.data.toString('hex')),
      );
    }
    const meta = await redis.get(`XMETA:${prefix + cam}`);
    expect(JSON.parse(String(meta))).toEqual({ format: 'jpeg', fps: 25 });
  });

  test('ids=keep stores the recorded ids; where the stream is ahead, new ids (counted)', async () => {
    const prefix = `${p}/copy2`;
    created.push(...[cam, json, raw].map((s) => prefix + s));
    const query = `?prefix=${encodeURIComponent(prefix)}&ids=keep`;
    const first = await importFile(file, query);
    expect(first.status).toBe(200);
    for (const sid of [cam, json, raw]) {
      const original = await readEntries(redis, sid);
      const copy = await readEntries(redis, prefix + sid);
      expect(copy.map((e) => e.id)).toEqual(original.map((e) => e.id));
    }
    expect((first.body.streams as { newIds: number }[]).every((s) => s.newIds === 0)).toBe(true);
    const second = await importFile(file, query);
    expect(second.status).toBe(200);
    const again = second.body.streams as { sid: string; newIds: number; written: number }[];
    expect(again.map((s) => [s.sid, s.written, s.newIds])).toEqual([
      [prefix + cam, 20, 20],
      [prefix + json, 20, 20],
      [prefix + raw, 40, 40],
    ]);
    const copy = await readEntries(redis, prefix + raw);
    expect(copy).toHaveLength(80);
  });

  test('replay at speed=1 keeps the recorded spacing (never early; gaps where they were)', async () => {
    const paced = `${p}/paced`;
    const replayed = `${p}/replayed`;
    created.push(paced, replayed + paced);
    // 4 entries 20 ms apart, a 1 s pause, 4 more 20 ms apart.
    const offsets = [0, 20, 40, 60, 1060, 1080, 1100, 1120];
    for (const [i, offset] of offsets.entries()) {
      await redis.xAdd(paced, `${base + offset}-0`, { d: `p${i}` });
    }
    const { file: recording } = await exportFile(seg(paced));
    const sent = Date.now();
    const { status } = await importFile(
      recording,
      `?prefix=${encodeURIComponent(replayed)}&speed=1`,
    );
    expect(status).toBe(200);
    const times = (await readEntries(redis, replayed + paced)).map((e) =>
      Number(e.id.split('-')[0]),
    );
    expect(times).toHaveLength(offsets.length);
    const replayOffsets = times.map((t) => t - times[0]);
    const gaps = replayOffsets.slice(1).map((t, i) => t - replayOffsets[i]);
    process.stdout.write(
      `replay at speed=1: recorded offsets ${offsets.join(',')} ms, replayed ${replayOffsets.join(',')} ms\n`,
    );
    // Causality: no entry is appended before its recorded offset from the request.
    for (const [i, offset] of offsets.entries())
      expect(times[i] - sent).toBeGreaterThanOrEqual(offset - 1);
    // The recorded pause is the replay's longest gap, in the same place.
    expect(gaps.indexOf(Math.max(...gaps))).toBe(3);
  });

  test('a message on a channel without a channel record: 400, nothing after it written', async () => {
    const target = `${p}/bad1`;
    created.push(target);
    const messages = Array.from({ length: 10 }, (_, i) => ({
      channelId: i === 5 ? 7 : 1,
      data: `m${i}`,
    }));
    const body = craftMcap(target, messages, { baseMs: base });
    const { status, body: answer } = await importFile(body);
    expect(status).toBe(400);
    expect(answer.error.code).toBe('MALFORMED_DATA');
    expect(answer.error.message).toContain('malformed MCAP after 5 message(s)');
    expect(answer.error.message).toContain(`written before it: ${JSON.stringify(target)}: 5`);
    expect(answer.streams).toEqual([expect.objectContaining({ sid: target, written: 5 })]);
    const entries = await readEntries(redis, target);
    expect(entries.map((e) => e.data.toString())).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  test('a chunk whose bytes do not match its CRC (uncompressed or zstd): 400, nothing written', async () => {
    for (const compression of ['none', 'zstd']) {
      const prefix = `${p}/crc-${compression}`;
      created.push(prefix + json);
      const { file: good } = await exportFile(seg(json), `?compression=${compression}`);
      const bad = Buffer.from(good);
      if (compression === 'none') {
        // One byte of a payload inside the chunk.
        const at = bad.indexOf(Buffer.from('{"i":7,'));
        expect(at).toBeGreaterThan(0);
        bad[at + 5] ^= 0x01;
      } else {
        // The chunk's recorded CRC itself (the decompressed bytes stay intact).
        // Records after the 8-byte magic: opcode (1 byte), length (8), content; Chunk is 0x06.
        let at = 8;
        while (bad[at] !== 0x06) at += 9 + Number(bad.readBigUInt64LE(at + 1));
        bad[at + 9 + 8 + 8 + 8] ^= 0x01; // after start time, end time, uncompressed size
        expect(bad.subarray(at + 9 + 32, at + 9 + 36).toString()).toBe('zstd'); // compressed
      }
      const { status, body } = await importFile(bad, `?prefix=${encodeURIComponent(prefix)}`);
      expect(status).toBe(400);
      expect(body.error.message).toContain('incorrect chunk CRC');
      expect(await readEntries(redis, prefix + json)).toEqual([]);
      // The same file intact imports.
      expect((await importFile(good, `?prefix=${encodeURIComponent(prefix)}`)).status).toBe(200);
    }
  });

  test('not an MCAP file, an empty body, a file cut short: 400 with a clear message', async () => {
    const notMcap = await importFile(Buffer.from('hello, this is not an MCAP file at all'));
    expect(notMcap.status).toBe(400);
    expect(notMcap.body.error.message).toMatch(
      /malformed MCAP after 0 message\(s\).*written before it: nothing/,
    );
    const empty = await importFile(Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('the body is empty');
    const target = `${p}/cut`;
    created.push(target);
    const whole = craftMcap(target, [{ data: 'c0' }, { data: 'c1' }, { data: 'c2' }], {
      footer: false,
      baseMs: base,
    });
    const cut = await importFile(whole);
    expect(cut.status).toBe(400);
    expect(cut.body.error.message).toContain('ends before its footer');
    expect(cut.body.streams).toEqual([expect.objectContaining({ sid: target, written: 3 })]);
  });

  test('a file with more channels than MAX_SIDS_PER_REQUEST is refused at the one too many', async () => {
    const own = await startServer({ MAX_SIDS_PER_REQUEST: 2 });
    try {
      const topics = [1, 2, 3].map((i) => `${p}/many${i}`);
      created.push(...topics);
      const file = await writeMcap(
        topics,
        topics.map((topic) => ({ topic, logTimeMs: base, data: Buffer.from('x') })),
      );
      const res = await fetch(`${own.http}/data/import`, { method: 'POST', body: file });
      const answer = (await res.json()) as ImportAnswer;
      expect([res.status, answer.error.code]).toEqual([400, 'MALFORMED_DATA']);
      expect(answer.error.message).toContain('more than 2 channels in one file');
      // This writer puts each channel record right before the channel's first message.
      expect(answer.streams.map((st) => [st.sid, st.written])).toEqual([
        [topics[0], 1],
        [topics[1], 1],
      ]);
      expect(await redis.exists(topics[2])).toBe(0);
    } finally {
      await own.close();
    }
  });

  test('a topic that is not a valid stream id, and bad parameters, are refused', async () => {
    const badTopic = await writeMcap(
      ['XMETA:nope'],
      [{ topic: 'XMETA:nope', logTimeMs: base, data: Buffer.from('x') }],
    );
    const answer = await importFile(badTopic);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('channel 0 cannot be imported');
    for (const query of [
      '?speed=0',
      '?ids=old',
      '?speed=1&as_fast_as_possible=1',
      '?prefix=a%2Bb',
    ]) {
      const refused = await importFile(badTopic, query);
      expect([query, refused.status, refused.body.error.code]).toEqual([query, 400, 'BAD_REQUEST']);
    }
  });
});

describe('CLI record and replay', () => {
  let dir: string;
  const cli = (...args: string[]) => runCli([...args, '--url', server.http, '--plain']);

  beforeAll(async () => {
    await buildCliIfStale();
    dir = await mkdtemp(join(tmpdir(), 'redis-streamer-mcap-'));
  }, 120000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('record a window to a file, replay it into new streams (twice with --loop)', async () => {
    const file = join(dir, 'window.mcap');
    const recorded = await cli('record', cam, json, raw, '--start', String(base), '-o', file);
    expect([recorded.code, recorded.stderr]).toEqual([0, expect.stringContaining('KiB')]);
    expect(recorded.stdout.trim()).toBe(file);
    expect(parseMcap(await readFile(file)).messages).toHaveLength(stored.length);

    const prefix = `${p}/cli`;
    created.push(...[cam, json, raw].map((s) => prefix + s));
    const replayed = await cli(
      'replay',
      file,
      '--prefix',
      prefix,
      '--as_fast_as_possible',
      '--loop',
      '--limit',
      '2',
    );
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`#1: ${stored.length} messages`);
    expect(replayed.stdout).toContain(`#2: ${stored.length} messages`);
    const original = (await readEntries(redis, raw)).map((e) => e.data.toString('hex'));
    const copy = (await readEntries(redis, prefix + raw)).map((e) => e.data.toString('hex'));
    expect(copy).toEqual([...original, ...original]);
  });

  test('a refused replay exits non-zero with the server message', async () => {
    const file = join(dir, 'bad.mcap');
    await writeFile(file, 'not an MCAP file');
    const run = await cli('replay', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('malformed MCAP');
  });

  test('--duration records live; Ctrl-C ends it early with a complete file', async () => {
    const live = `${p}/cli-live`;
    created.push(live);
    const timed = join(dir, 'timed.mcap');
    const child = new CliProcess([
      'record',
      live,
      '--duration',
      '1s',
      '-o',
      timed,
      '--url',
      server.http,
    ]);
    await expectEventually(() => existsSync(`${timed}.part`), 10000);
    await redis.xAdd(live, '*', { d: 'during' });
    const result = await child.done;
    expect(result.code).toBe(0);
    expect(entryTexts(parseMcap(await readFile(timed)))).toEqual(['during']);

    const stopped = join(dir, 'stopped.mcap');
    const long = new CliProcess([
      'record',
      live,
      '--duration',
      '1h',
      '-o',
      stopped,
      '--url',
      server.http,
    ]);
    await expectEventually(() => existsSync(`${stopped}.part`), 10000);
    await redis.xAdd(live, '*', { d: 'before ctrl-c' });
    long.interrupt();
    const ended = await long.done;
    expect([ended.code, ended.stderr]).toEqual([0, expect.stringContaining('stopped')]);
    expect(entryTexts(parseMcap(await readFile(stopped)))).toContain('before ctrl-c');
  });
});
