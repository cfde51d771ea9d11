import { randomBytes } from 'node:crypto';
import { MjpegService } from '../src/data/mjpeg/mjpeg.service.js';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { MjpegReader } from './support/mjpeg.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually } from './support/ws.js';

/** `GET /data/{sid}/mjpeg` against the real service and Redis (SPEC "MJPEG view"). */

let server: TestServer;
let redis: TestRedis;
const keys: string[] = [];

beforeAll(async () => {
  server = await startServer();
  redis = await connectRedis();
});

afterAll(async () => {
  if (keys.length > 0) await redis?.del(keys);
  await redis?.quit();
  await server?.close();
});

function sid(label: string): string {
  const key = uniqueKey(`mjpeg:${label}`);
  keys.push(key);
  return key;
}

/** A payload that starts like a JPEG (SOI marker), `size` bytes long, distinct each time. */
function jpegLike(size = 64): Buffer {
  const data = randomBytes(size);
  data[0] = 0xff;
  data[1] = 0xd8;
  return data;
}

const push = async (key: string, data: Buffer) => String(await redis.xAdd(key, '*', { d: data }));

const mjpegUrl = (key: string, query = '') =>
  `${server.http}/data/${encodeURIComponent(key)}/mjpeg${query ? `?${query}` : ''}`;

async function errorOf(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { error: { code: string } } };
}

describe('GET /data/{sid}/mjpeg', () => {
  it('sends the newest JPEG first, then each new one, as image/jpeg parts with Content-Length', async () => {
    const key = sid('order');
    await push(key, jpegLike());
    const newest = jpegLike(300);
    const newestId = await push(key, newest);

    const reader = await MjpegReader.open(mjpegUrl(key));
    try {
      expect(reader.status).toBe(200);
      expect(reader.contentType).toMatch(/^multipart\/x-mixed-replace; boundary=\S+$/);
      expect(reader.res.headers['cache-control']).toMatch(/no-store/);
      // A tab showing the stream may style its image document, and load nothing else.
      expect(reader.res.headers['content-security-policy']).toBe(
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      );

      const first = await reader.part(0);
      expect(first.headers['content-type']).toBe('image/jpeg');
      expect(first.headers['content-length']).toBe(String(newest.length));
      expect(first.headers['x-entry-id']).toBe(newestId);
      expect(first.data.equals(newest)).toBe(true);

      const next = jpegLike(1000);
      const nextId = await push(key, next);
      const second = await reader.part(1);
      expect(second.headers['x-entry-id']).toBe(nextId);
      expect(second.data.equals(next)).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('skips entries that are not JPEG, also when the newest one is not', async () => {
    const key = sid('skip');
    await push(key, Buffer.from('not a picture'));

    const reader = await MjpegReader.open(mjpegUrl(key));
    try {
      const mjpeg = server.app.get(MjpegService);
      await expectEventually(() => mjpeg.state().some((v) => v.sid === key && v.cursor));
      await push(key, Buffer.from('{"json": true}'));
      await push(key, Buffer.from([0x89, 0x50, 0x4e, 0x47])); // PNG signature
      const jpeg = jpegLike();
      const jpegId = await push(key, jpeg);

      const part = await reader.part(0);
      expect(part.headers['x-entry-id']).toBe(jpegId);
      expect(part.data.equals(jpeg)).toBe(true);
      expect(reader.parts).toHaveLength(1);
    } finally {
      reader.close();
    }
  });

  it('holds at most one frame for a client that stops reading, then sends it the newest', async () => {
    const key = sid('slow');
    const frameBytes = 512 * 1024;
    const reader = await MjpegReader.open(mjpegUrl(key, 'max_fps=0'));
    const mjpeg = server.app.get(MjpegService);
    try {
      await push(key, jpegLike(frameBytes));
      await reader.part(0);
      reader.pause();

      const pushed = 40;
      let lastId = '';
      for (let i = 0; i < pushed; i++) lastId = await push(key, jpegLike(frameBytes));
      // The viewer's session has taken the last entry: everything before it was sent or skipped.
      const state = await expectEventually(() =>
        mjpeg.state().find((v) => v.sid === key && v.cursor === lastId),
      );
      // What the server buffers for this client: the frame the socket has not taken, no more.
      expect(state.bufferedBytes).toBeLessThanOrEqual(frameBytes + 256);

      reader.resume();
      await reader.until(
        () => reader.parts.some((p) => p.headers['x-entry-id'] === lastId),
        15_000,
        'the newest frame',
      );
      // Frames the client was too slow for were skipped, not queued.
      expect(reader.parts.length).toBeLessThan(pushed);
      expect(reader.parts[reader.parts.length - 1].headers['x-entry-id']).toBe(lastId);
    } finally {
      reader.close();
    }
  });

  it('releases its hub listener when the client goes away', async () => {
    const key = sid('gone');
    const hub = server.app.get(ReadHub);
    const mjpeg = server.app.get(MjpegService);
    // Earlier tests' viewers are gone, so what the hub counts now is someone else's.
    await expectEventually(() => mjpeg.state().length === 0);
    const before = hub.stats().listeners;

    const reader = await MjpegReader.open(mjpegUrl(key));
    await expectEventually(() => hub.stats().listeners === before + 1);
    expect(mjpeg.state().filter((v) => v.sid === key)).toHaveLength(1);

    reader.close();
    await expectEventually(() => hub.stats().listeners === before);
    expect(mjpeg.state().filter((v) => v.sid === key)).toHaveLength(0);
  });

  it('answers 400 with a JSON error for several sids, a bad sid or a bad max_fps', async () => {
    const several = await errorOf(`${server.http}/data/a+b/mjpeg`);
    expect(several.status).toBe(400);
    expect(several.body.error.code).toBe('BAD_REQUEST');

    const control = await errorOf(`${server.http}/data/bad%01sid/mjpeg`);
    expect(control.status).toBe(400);
    expect(control.body.error.code).toBe('BAD_REQUEST');

    for (const fps of ['fast', '-1', '1001']) {
      const bad = await errorOf(mjpegUrl(sid('fps'), `max_fps=${fps}`));
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('BAD_REQUEST');
    }
  });
});

describe('GET /data/{sid}/mjpeg at shutdown', () => {
  it('ends open views cleanly, after a complete frame', async () => {
    const own = await startServer();
    const key = sid('shutdown');
    const jpeg = jpegLike();
    await push(key, jpeg);
    const reader = await MjpegReader.open(
      `${own.http}/data/${encodeURIComponent(key)}/mjpeg?max_fps=0`,
    );
    await reader.part(0);

    await own.close();
    await reader.until(() => reader.closedByServer, 10_000, 'a clean end');
    expect(reader.parts).toHaveLength(1);
  });
});
