import { startServer, TestServer } from './support/app.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { TestSocket } from './support/ws.js';

/** Sends `frames` on a fresh push connection and returns the error frame and the close. */
async function violate(server: TestServer, path: string, frames: (string | Buffer)[]) {
  const ws = await TestSocket.open(`${server.ws}${path}`);
  for (const f of frames) await ws.send(f);
  const error = await ws.nextJson<{ error: { code: string; message: string } }>();
  const closed = await ws.closed;
  return { error: error.error, ...closed };
}

describe('bad input on the data path', () => {
  let server: TestServer;
  let redis: TestRedis;
  const MAX = 64 * 1024;

  beforeAll(async () => {
    server = await startServer({ MAX_PAYLOAD_BYTES: MAX });
    redis = await connectRedis();
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
  });

  const push = () => `/data/${uniqueKey('bad')}/push`;

  it.each([
    ['a header that is not JSON', ['{nope']],
    ['a header that is not a list', ['{"a":1}']],
    ['offsets that are not integers', ['[1.5]']],
    ['decreasing offsets', ['[3, 1]']],
    ['offsets not ending at the frame length', ['[3]', Buffer.from('ab')]],
    ['a malformed explicit entry id', ['[["SID", "not-an-id", 1]]']],
    ['a binary frame where a header belongs', [Buffer.from('data')]],
    ['a text frame where data belongs', ['[1]', 'x']],
  ])('closes with 1007 for %s', async (_name, frames) => {
    const sid = uniqueKey('bad');
    const resolved = (frames as (string | Buffer)[]).map((f) =>
      typeof f === 'string' ? f.replace('SID', sid) : f,
    );
    const result = await violate(server, `/data/${sid}/push`, resolved);
    expect(result.code).toBe(1007);
    expect(result.error.code).toBe('MALFORMED_DATA');
    expect(result.error.message.length).toBeGreaterThan(0);
  });

  it('closes with 1007 for offsets that do not match the number of URL streams', async () => {
    const a = uniqueKey('bad-a');
    const b = uniqueKey('bad-b');
    const result = await violate(server, `/data/${a}+${b}/push`, ['[1, 2, 3]']);
    expect(result.code).toBe(1007);
  });

  it('closes with 1007 for an entry id Redis refuses (not after the stream top)', async () => {
    const sid = uniqueKey('bad-id');
    await redis.xAdd(sid, '5-0', { d: 'x' });
    const result = await violate(server, `/data/${sid}/push`, [
      JSON.stringify([[sid, '1-0', 1]]),
      Buffer.from('y'),
    ]);
    expect(result.code).toBe(1007);
  });

  it('closes with 1007 for a text frame with header=0', async () => {
    const result = await violate(server, `${push()}?header=0`, ['text']);
    expect(result.code).toBe(1007);
  });

  it('closes with 1007 for a text frame that is not UTF-8', async () => {
    const ws = await TestSocket.open(`${server.ws}${push()}`);
    // a text frame (opcode 1) carrying invalid UTF-8, written with the client's raw sender
    (
      ws.ws as unknown as { _sender: { sendFrame(list: Buffer[], cb?: () => void): void } }
    )._sender.sendFrame([Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28])]);
    const error = await ws.nextJson<{ error: { code: string } }>();
    expect(error.error.code).toBe('MALFORMED_DATA');
    expect((await ws.closed).code).toBe(1007);
  });

  it('closes with 1008 for a header sid that is not in the URL', async () => {
    const result = await violate(server, push(), [JSON.stringify([['someone-else', 1]])]);
    expect(result.code).toBe(1008);
    expect(result.error.code).toBe('NOT_ALLOWED');
  });

  it('closes with 1009 for a frame over MAX_PAYLOAD_BYTES', async () => {
    const result = await violate(server, push(), [`[${MAX + 1}]`, Buffer.alloc(MAX + 1)]);
    expect(result.code).toBe(1009);
    expect(result.error.code).toBe('TOO_LARGE');
  });

  it('closes with 1011 when Redis refuses the write (key of another type)', async () => {
    const sid = uniqueKey('string-key');
    await redis.set(sid, 'not a stream');
    const result = await violate(server, `/data/${sid}/push`, ['[1]', Buffer.from('x')]);
    expect(result.code).toBe(1011);
    expect(result.error.message).toMatch(/WRONGTYPE/);
  });

  it('closes a pull with 1011 when the key is not a stream', async () => {
    const sid = uniqueKey('string-key-pull');
    await redis.set(sid, 'not a stream');
    const ws = await TestSocket.open(`${server.ws}/data/${sid}/pull?last_entry_id=0`);
    const error = await ws.nextJson<{ error: { code: string } }>();
    expect(error.error.code).toBe('INTERNAL');
    expect((await ws.closed).code).toBe(1011);
  });

  it.each([
    ['an invalid sid (control character)', `/data/a%0Ab/push`, 400],
    ['an invalid sid (empty)', `/data/a++b/pull`, 400],
    ['header=0 with several sids (push)', `/data/a+b/push?header=0`, 400],
    ['header=0 with several sids (pull)', `/data/a+b/pull?header=0`, 400],
    ['a malformed boolean', `/data/a/pull?latest=maybe`, 400],
    ['a malformed count', `/data/a/pull?count=-3`, 400],
    ['a malformed last_entry_id', `/data/a/pull?last_entry_id=yesterday`, 400],
    ['too many last_entry_ids', `/data/a+b/pull?last_entry_id=0+0+0`, 400],
    ['an unknown path', `/nope`, 404],
    ['an unknown data verb', `/data/a/poke`, 404],
  ])('refuses the handshake for %s', async (_name, path, status) => {
    const ws = new TestSocket(`${server.ws}${path}`);
    await expect(ws.opened).rejects.toThrow();
    expect(ws.refusedStatus).toBe(status);
  });

  it('still serves after all of the above', async () => {
    const sid = uniqueKey('after-errors');
    const pull = await TestSocket.open(`${server.ws}/data/${sid}/pull?last_entry_id=0`);
    const ws = await TestSocket.open(`${server.ws}/data/${sid}/push?ack=1`);
    await ws.send('[2]');
    await ws.send(Buffer.from('ok'));
    const [id] = await ws.nextJson<string[]>();
    expect(await pull.nextBatch()).toEqual([{ sid, id, data: Buffer.from('ok') }]);
    ws.close();
    pull.close();
  });
});

describe('Redis unreachable', () => {
  it('closes push and pull connections with 1013 and a reason', async () => {
    const server = await startServer({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const pushed = await violate(server, `/data/${uniqueKey('down')}/push`, [
        '[1]',
        Buffer.from('x'),
      ]);
      expect(pushed.code).toBe(1013);
      expect(pushed.error.code).toBe('UNAVAILABLE');
      expect(pushed.reason).toMatch(/Redis/);
      const pull = await TestSocket.open(`${server.ws}/data/${uniqueKey('down')}/pull`);
      const error = await pull.nextJson<{ error: { code: string } }>();
      expect(error.error.code).toBe('UNAVAILABLE');
      expect((await pull.closed).code).toBe(1013);
    } finally {
      await server.close();
    }
  });
});
