import { Puller } from '../packages/client/src/index.js';
import { DataCounters } from '../src/observability/data-counters.js';
import { compareIds } from '../src/streams/ids/entry-id.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

interface GapFrame {
  gap: { sid: string; missed: number; from: string; to: string; exact: boolean };
}

/** What a puller received, in order: gap frames and entries. */
type Received = { gap: GapFrame['gap'] } | { id: string };

/** The gap signal (`gaps=1`): what a puller missed, told before the batch that follows it. */
describe('gap signal for pullers', () => {
  let server: TestServer;
  let redis: TestRedis;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    // A small batch budget: a puller that does not ack falls behind after a few entries.
    server = await startServer({ STREAM_MAXLEN: 0, PULL_BATCH_BYTES: 1024 });
    redis = await connectRedis();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    // the next test counts its own listeners only
    await expectEventually(() => server.app.get(ReadHub).stats().listeners === 0);
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
  });

  async function open(path: string): Promise<TestSocket> {
    const socket = await TestSocket.open(`${server.ws}${path}`);
    sockets.push(socket);
    return socket;
  }

  async function add(sid: string, n: number, size = 8): Promise<string[]> {
    const payload = Buffer.alloc(size, 'x');
    return Promise.all(
      Array.from({ length: n }, async () => String(await redis.xAdd(sid, '*', { d: payload }))),
    );
  }

  async function trimTo(sid: string, keep: number): Promise<void> {
    await redis.sendCommand(['XTRIM', sid, 'MAXLEN', '=', String(keep)]);
  }

  async function listening(listeners: number): Promise<void> {
    const hub = server.app.get(ReadHub);
    await expectEventually(() => hub.stats().listeners >= listeners);
  }

  /**
   * Reads frames until entry `lastId` arrived: gap frames and entries in order. With `ack`, each
   * batch is acknowledged (after `beforeAck` for the first one).
   */
  async function receive(
    ws: TestSocket,
    lastId: string,
    ack = false,
    beforeAck?: () => Promise<void>,
  ): Promise<Received[]> {
    const got: Received[] = [];
    let batches = 0;
    for (;;) {
      const text = await ws.nextText();
      const parsed = JSON.parse(text) as GapFrame | [string, string, number][];
      if (!Array.isArray(parsed)) {
        got.push({ gap: parsed.gap });
        continue;
      }
      await ws.nextBinary();
      for (const [, id] of parsed) got.push({ id });
      if (batches++ === 0 && beforeAck) await beforeAck();
      if (parsed.some(([, id]) => id === lastId)) return got;
      if (ack) await ws.send('ok');
    }
  }

  it('tells a puller that starts before the first entry how many were trimmed', async () => {
    const sid = uniqueKey('gap-start');
    const ids = await add(sid, 300);
    await trimTo(sid, 100);
    const missedBefore = server.app.get(DataCounters).entriesMissed;
    const ws = await open(`/data/${sid}/pull?last_entry_id=0&count=100&gaps=1`);
    const got = await receive(ws, ids[299]);
    console.log(`gap frame, puller from 0 after trimming 300 -> 100: ${JSON.stringify(got[0])}`);
    expect(got[0]).toEqual({
      gap: { sid, missed: 200, from: '0-0', to: ids[200], exact: true },
    });
    expect(got.slice(1)).toEqual(ids.slice(200).map((id) => ({ id })));
    expect(server.app.get(DataCounters).entriesMissed - missedBefore).toBe(200);
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    const missed = /^redis_streamer_entries_missed_total (\d+)$/m.exec(metrics);
    expect(Number(missed?.[1])).toBeGreaterThanOrEqual(200);
  });

  it('counts exactly what a puller that fell behind lost to trimming while connected', async () => {
    const sid = uniqueKey('gap-behind');
    await add(sid, 3);
    const ws = await open(`/data/${sid}/pull?gaps=1&ack=1`);
    await listening(1);
    // 600 B entries: the puller queues two beyond the one it has not acked, then falls behind
    const first = await add(sid, 5, 600);
    const more = await add(sid, 100, 600);
    const all = [...first, ...more];
    const got = await receive(ws, all[104], true, () => trimTo(sid, 10));
    const gaps = got.filter((r) => 'gap' in r);
    console.log(`gap frames, puller that fell behind while trimmed: ${JSON.stringify(gaps)}`);
    const received = got.filter((r): r is { id: string } => 'id' in r).map((r) => r.id);
    // what it got and what it was told it missed add up to every entry, exactly
    const missed = gaps.reduce((n, g) => n + ('gap' in g ? g.gap.missed : 0), 0);
    expect(gaps.every((g) => 'gap' in g && g.gap.exact)).toBe(true);
    expect(received.length + missed).toBe(all.length);
    expect(received.slice(-10)).toEqual(all.slice(-10));
    // each gap comes right before the entry it ends at, and spans what was not received
    for (const [i, r] of got.entries()) {
      if (!('gap' in r)) continue;
      const next = got[i + 1];
      expect(next).toEqual({ id: r.gap.to });
      const between = all.filter(
        (id) => compareIds(id, r.gap.from) > 0 && compareIds(id, r.gap.to) < 0,
      );
      expect(between.length).toBe(r.gap.missed);
    }
  });

  it('flags the count as a lower bound when the start cursor is an explicit trimmed id', async () => {
    const sid = uniqueKey('gap-explicit');
    const ids = await add(sid, 50);
    await trimTo(sid, 10);
    const ws = await open(`/data/${sid}/pull?last_entry_id=${ids[19]}&count=100&gaps=1`);
    const got = await receive(ws, ids[49]);
    expect(got[0]).toEqual({
      gap: { sid, missed: expect.any(Number) as number, from: ids[19], to: ids[40], exact: false },
    });
    expect((got[0] as GapFrame).gap.missed).toBeLessThanOrEqual(20);
  });

  it('tells a latest puller how many entries it skipped', async () => {
    const sid = uniqueKey('gap-latest');
    const ws = await open(`/data/${sid}/pull?latest=1&ack=1&gaps=1`);
    await listening(1);
    const [f1] = await add(sid, 1);
    expect(await receive(ws, f1)).toEqual([{ id: f1 }]);
    const counters = server.app.get(DataCounters);
    const droppedBefore = counters.entriesDropped;
    const skipped = await add(sid, 5);
    const newest = skipped[4];
    // the session has kept the newest of the five and skipped four before the ack lets it send
    await expectEventually(() => counters.entriesDropped - droppedBefore === 4);
    await ws.send('ok');
    expect(await receive(ws, newest)).toEqual([
      { gap: { sid, missed: 4, from: f1, to: newest, exact: true } },
      { id: newest },
    ]);
  });

  it('tells a latest puller starting at 0 that it skipped all but the newest entry', async () => {
    const sid = uniqueKey('gap-latest-start');
    const ids = await add(sid, 10);
    const ws = await open(`/data/${sid}/pull?latest=1&last_entry_id=0&gaps=1`);
    expect(await receive(ws, ids[9])).toEqual([
      { gap: { sid, missed: 9, from: '0-0', to: ids[9], exact: true } },
      { id: ids[9] },
    ]);
  });

  it('sends pullers without gaps=1 exactly the batches they always got', async () => {
    const sid = uniqueKey('gap-off');
    const ids = await add(sid, 300);
    await trimTo(sid, 100);
    const ws = await open(`/data/${sid}/pull?last_entry_id=0&count=100`);
    const got = await receive(ws, ids[299]);
    expect(got).toEqual(ids.slice(200).map((id) => ({ id })));
  });

  it('reaches TS client pullers as onGap events, in order with the entries', async () => {
    const sid = uniqueKey('gap-client');
    const ids = await add(sid, 30);
    await trimTo(sid, 10);
    const seen: string[] = [];
    const puller = new Puller(sid, {
      url: server.http,
      lastEntryId: '0',
      count: 100,
      onGap: (gap) => seen.push(`gap ${gap.missed} ${gap.exact} ${gap.from}..${gap.to}`),
    });
    try {
      for await (const entry of puller) {
        seen.push(entry.id);
        if (entry.id === ids[29]) break;
      }
    } finally {
      puller.close();
    }
    expect(seen).toEqual([`gap 20 true 0-0..${ids[20]}`, ...ids.slice(20)]);
  });
});
