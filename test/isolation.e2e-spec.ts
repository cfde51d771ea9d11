import { ReadHub } from '../src/streams/read-hub.js';
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
      const bad = key('iso-bad');
      const good = key('iso-good');
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
});
