import { WebSocket } from 'ws';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { StreamRepository } from '../src/streams/repositories/stream.repository.js';
import { UpgradeRouter } from '../src/ws/upgrade-router.js';
import { startServer, TestServer } from './support/app.js';
import { gqlData } from './support/graphql.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/**
 * SPEC "Bounds and isolation": one client, by mistake or on purpose, cannot hurt the others.
 */
describe('bounds and isolation', () => {
  let server: TestServer;
  let redis: TestRedis;
  let hub: ReadHub;
  const keys: string[] = [];
  const key = (label: string) => {
    const k = uniqueKey(label);
    keys.push(k);
    return k;
  };

  beforeAll(async () => {
    server = await startServer({ STREAM_MAXLEN: 0 });
    redis = await connectRedis();
    hub = server.app.get(ReadHub);
  });

  afterAll(async () => {
    await server.close();
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  describe('a key that is not a stream', () => {
    it('fails only the pullers that name it; the others on the same hub reader keep being served', async () => {
      // One hash tag: on a Redis Cluster too, both streams are read by one hub reader.
      const bad = key('{iso}bad');
      const good = key('{iso}good');
      const badPuller = await TestSocket.open(`${server.ws}/data/${bad}/pull?block=0`);
      const goodPuller = await TestSocket.open(`${server.ws}/data/${good}/pull?block=0`);
      const both = await TestSocket.open(`${server.ws}/data/${good}+${bad}/pull?block=0`);
      try {
        await expectEventually(() => hub.stats().listeners === 4);
        expect(hub.stats().readers).toBe(1);
        // the pulled key becomes a string (as XMETA:foo did when metadata was set for foo)
        await redis.set(bad, 'not a stream');
        const first = String(await redis.xAdd(good, '*', { d: 'one' }));
        expect(await goodPuller.nextBatch()).toEqual([
          { sid: good, id: first, data: Buffer.from('one') },
        ]);

        for (const failed of [badPuller, both]) {
          const frame = await failed.nextJson<{ error: { code: string; message: string } }>();
          if (Array.isArray(frame)) continue; // `both` may have taken `one` before the failure
          expect(frame.error.code).toBe('INTERNAL');
          expect(frame.error.message).toContain(bad);
        }
        expect((await badPuller.closed).code).toBe(1011);
        expect((await both.closed).code).toBe(1011);

        const second = String(await redis.xAdd(good, '*', { d: 'two' }));
        expect(await goodPuller.nextBatch()).toEqual([
          { sid: good, id: second, data: Buffer.from('two') },
        ]);
        expect(goodPuller.closeCode).toBeNull();
        await expectEventually(() => hub.stats().listeners === 1);
      } finally {
        [badPuller, goodPuller, both].forEach((s) => s.close());
      }
    });

    it('is refused at the handshake when it is not a stream already', async () => {
      const bad = key('iso-string');
      await redis.set(bad, 'x');
      const refused = new TestSocket(`${server.ws}/data/${bad}/pull`);
      const closed = await refused.closed.catch(() => ({ code: -1 }));
      // either a handshake 4xx or an error frame and close 1011
      expect([-1, 1011]).toContain(closed.code);
    });
  });

  describe('the reserved XMETA: prefix', () => {
    it('is refused by every data endpoint with 400', async () => {
      for (const path of ['push', 'pull']) {
        const socket = new TestSocket(`${server.ws}/data/XMETA%3Afoo/${path}`);
        await expect(socket.opened).rejects.toThrow(/HTTP 400/);
      }
      const got = await fetch(`${server.http}/data/XMETA%3Afoo`);
      expect(got.status).toBe(400);
      expect(((await got.json()) as { error: { message: string } }).error.message).toMatch(
        /XMETA:/,
      );
      const posted = await fetch(`${server.http}/data/XMETA%3Afoo`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: 'x',
      });
      expect(posted.status).toBe(400);
      const form = new FormData();
      form.append('entries', new Blob(['x']), 'XMETA:foo');
      const star = await fetch(`${server.http}/data/*`, { method: 'POST', body: form });
      expect(star.status).toBe(400);
      expect(await redis.exists('XMETA:foo')).toBe(0);
    });

    it('keeps metadata readable: streamMeta for a pulled sid does not disturb its puller', async () => {
      const sid = key('iso-meta');
      keys.push(`XMETA:${sid}`);
      const puller = await TestSocket.open(`${server.ws}/data/${sid}/pull?block=0`);
      try {
        await expectEventually(() => hub.stats().listeners === 1);
        await gqlData(server.http, 'mutation($s: String!) { streamMeta(sid: $s, meta: {a: 1}) }', {
          s: sid,
        });
        const id = String(await redis.xAdd(sid, '*', { d: 'after meta' }));
        expect(await puller.nextBatch()).toEqual([{ sid, id, data: Buffer.from('after meta') }]);
      } finally {
        puller.close();
      }
    });
  });

  describe('stalled pullers', () => {
    it('two stalled catch-up readers of 48 x 4 MiB hold memory in bytes, not in entries', async () => {
      const sid = key('iso-stalled');
      const entry = Buffer.alloc(4 * 1024 * 1024, 5);
      for (let i = 0; i < 48; i++) {
        entry.writeUInt32BE(i, 0);
        await redis.xAdd(sid, '*', { d: entry });
      }
      // measure every catch-up read the server makes (the real repository, observed)
      const repository = server.app.get(StreamRepository);
      const rangeAfter = repository.rangeAfter.bind(repository);
      let largestRead = 0;
      let inFlight = 0;
      repository.rangeAfter = async (...args: Parameters<typeof rangeAfter>) => {
        inFlight++;
        try {
          const entries = await rangeAfter(...args);
          largestRead = Math.max(
            largestRead,
            entries.reduce((n, e) => n + e.data.length, 0),
          );
          return entries;
        } finally {
          inFlight--;
        }
      };
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 10);
      const readers: TestSocket[] = [];
      try {
        for (let r = 0; r < 2; r++) {
          const reader = await TestSocket.open(
            `${server.ws}/data/${sid}/pull?last_entry_id=0&count=48`,
          );
          tcpOf(reader).pause(); // the client stops reading
          readers.push(reader);
        }
        // the server has sent what the sockets take and queued what its budget allows
        const router = server.app.get(UpgradeRouter) as unknown as {
          sockets: Map<WebSocket, string>;
        };
        await expectEventually(() => {
          const pulls = [...router.sockets].filter(([, kind]) => kind === 'pull');
          return (
            pulls.length === 2 &&
            pulls.every(([ws]) => ws.bufferedAmount >= entry.length) &&
            inFlight === 0
          );
        }, 20_000);
        peak = Math.max(peak, process.memoryUsage().rss);
        const growthMiB = (peak - baseline) / 1024 / 1024;
        console.log(
          `two stalled readers of 48 x 4 MiB: RSS growth ${growthMiB.toFixed(1)} MiB, largest catch-up read ${largestRead} bytes`,
        );
        // within PULL_BATCH_BYTES (8 MiB), and a puller's read-ahead (1 MiB here) is below one
        // entry: each catch-up read brings that one entry alone
        expect(largestRead).toBe(entry.length);
        expect(growthMiB).toBeLessThanOrEqual(100);
        // both catch up in order once they read again
        for (const reader of readers) {
          tcpOf(reader).resume();
          const seen: number[] = [];
          while (seen.length < 48) {
            for (const e of await reader.nextBatch(20_000)) seen.push(e.data.readUInt32BE(0));
          }
          expect(seen).toEqual(Array.from({ length: 48 }, (_, i) => i));
        }
      } finally {
        clearInterval(sampler);
        repository.rangeAfter = rangeAfter;
        readers.forEach((r) => r.close());
      }
    }, 120_000);
  });

  describe('HTTP GET', () => {
    it('answers at most PULL_BATCH_BYTES of payload (one bigger entry alone) and continues via x-last-entry-id', async () => {
      const sid = key('iso-get-bytes');
      const size = 3 * 1024 * 1024; // 5 × 3 MiB: the default 8 MiB budget takes two at a time
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(String(await redis.xAdd(sid, '*', { d: Buffer.alloc(size, i) })));
      }
      const got: string[] = [];
      let cursor = '0';
      let largestBody = 0;
      while (got.length < ids.length) {
        const res = await fetch(`${server.http}/data/${sid}?last_entry_id=${cursor}&count=48`);
        expect(res.status).toBe(200);
        const body = Buffer.from(await res.arrayBuffer());
        largestBody = Math.max(largestBody, body.length);
        expect(body.length).toBeLessThanOrEqual(8 * 1024 * 1024);
        const offsets = JSON.parse(res.headers.get('entry-offset')!) as [string, string, number][];
        expect(offsets.length).toBeGreaterThan(0);
        got.push(...offsets.map(([, id]) => id));
        cursor = res.headers.get('x-last-entry-id')!;
      }
      expect(got).toEqual(ids);
      console.log(`largest GET body over 5 x 3 MiB with count=48: ${largestBody} bytes`);

      // one entry bigger than the budget still travels (alone)
      const huge = key('iso-get-huge');
      const hugeId = String(await redis.xAdd(huge, '*', { d: Buffer.alloc(9 * 1024 * 1024, 1) }));
      await redis.xAdd(huge, '*', { d: 'small' });
      const res = await fetch(`${server.http}/data/${huge}?last_entry_id=0&count=2`);
      expect(JSON.parse(res.headers.get('entry-offset')!)).toEqual([[huge, hugeId, 0]]);
      expect((await res.arrayBuffer()).byteLength).toBe(9 * 1024 * 1024);
    });

    it('keeps its headers under 16 KiB: fewer entries, continued via x-last-entry-id', async () => {
      const sid = key('iso-get-headers');
      const ids: string[] = [];
      for (let chunk = 0; chunk < 10; chunk++) {
        const multi = redis.multi();
        for (let i = 0; i < 100; i++) multi.xAdd(sid, '*', { d: 'x' });
        ids.push(...((await multi.exec()) as unknown as string[]).map(String));
      }
      const got: string[] = [];
      let cursor = '0';
      let largestHeader = 0;
      let requests = 0;
      while (got.length < ids.length) {
        const res = await fetch(`${server.http}/data/${sid}?last_entry_id=${cursor}&count=1000`);
        requests++;
        expect(res.status).toBe(200);
        let headerBytes = 0;
        res.headers.forEach((value, name) => (headerBytes += name.length + value.length + 4));
        largestHeader = Math.max(largestHeader, headerBytes);
        expect(headerBytes).toBeLessThan(16 * 1024);
        const offsets = JSON.parse(res.headers.get('entry-offset')!) as [string, string, number][];
        expect(offsets.length).toBeGreaterThan(0);
        got.push(...offsets.map(([, id]) => id));
        expect((await res.arrayBuffer()).byteLength).toBe(offsets.length);
        cursor = res.headers.get('x-last-entry-id')!;
      }
      expect(got).toEqual(ids);
      expect(requests).toBeGreaterThan(1);
      console.log(
        `largest GET header block for count=1000 tiny entries: ${largestHeader} bytes (${requests} requests)`,
      );
    });
  });

  describe('acks before close', () => {
    it('acks every stored batch before the error frame and the close of a malformed frame', async () => {
      const sid = key('iso-ack');
      for (let attempt = 0; attempt < 10; attempt++) {
        const pusher = await TestSocket.open(`${server.ws}/data/${sid}/push?ack=1`);
        // a good batch, then at once a binary frame where a header belongs
        pusher.ws.send('[3]');
        pusher.ws.send(Buffer.from('abc'));
        pusher.ws.send(Buffer.from('oops'));
        const ack = await pusher.nextJson<string[]>();
        expect(Array.isArray(ack)).toBe(true);
        expect(ack).toHaveLength(1);
        const error = await pusher.nextJson<{ error: { code: string } }>();
        expect(error.error.code).toBe('MALFORMED_DATA');
        expect((await pusher.closed).code).toBe(1007);
        const stored = await redis.xRange(sid, ack[0], ack[0]);
        expect(stored).toHaveLength(1);
      }
      expect(await redis.xLen(sid)).toBe(10);
    });
  });
});

describe('keepalive', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Short enough for a quick test, long enough that a live client in this busy process answers.
    server = await startServer({ WS_PING_INTERVAL_MS: 1000 });
  });

  afterAll(async () => {
    await server.close();
  });

  /** A raw client that does (or does not) answer pings, counting the pings it gets. */
  function client(path: string, autoPong: boolean, protocol?: string) {
    const ws = new WebSocket(`${server.ws}${path}`, protocol, { autoPong });
    ws.on('error', () => undefined);
    let pings = 0;
    ws.on('ping', () => pings++);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, closed, opened, pings: () => pings };
  }

  it('terminates data and GraphQL sockets that stop answering pings, and keeps live ones', async () => {
    const live = client(`/data/${uniqueKey('ka-live')}/pull?block=0`, true);
    const deadPusher = client(`/data/${uniqueKey('ka-push')}/push`, false);
    const deadAckPuller = client(`/data/${uniqueKey('ka-pull')}/pull?ack=1&block=0`, false);
    const deadGraphql = client('/graphql', false, 'graphql-transport-ws');
    await Promise.all([live.opened, deadPusher.opened, deadAckPuller.opened, deadGraphql.opened]);
    try {
      // a socket that never answers is terminated (abnormal close: no close frame)
      expect(await deadPusher.closed).toBe(1006);
      expect(await deadAckPuller.closed).toBe(1006);
      expect(await deadGraphql.closed).toBe(1006);
      // the live one was pinged all along and is still open
      await expectEventually(() => live.pings() >= 3, 15_000);
      expect(live.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      live.ws.close();
    }
  });
});

/** The client's TCP socket, to stop and resume reading it (a stalled client). */
function tcpOf(socket: TestSocket): { pause(): void; resume(): void } {
  return (socket.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
}
