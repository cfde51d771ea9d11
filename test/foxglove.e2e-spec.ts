import { writeFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import type { Channel } from '@foxglove/ws-protocol';
import { mint, SECRET, wsRefusal } from './support/auth.js';
import { startServer, TestServer } from './support/app.js';
import { NpmViewer, RawViewer } from './support/foxglove.js';
import { connectRedis, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually } from './support/ws.js';

const JPEG = (n: number) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, n & 0xff, (n >> 8) & 0xff]);

/** The message type of a protobuf channel, built by protobufjs from the advertised schema. */
function protobufType(channel: Channel): protobuf.Type {
  const ext = descriptor as unknown as { FileDescriptorSet: protobuf.Type };
  const set = ext.FileDescriptorSet.decode(Buffer.from(channel.schema, 'base64'));
  const root = (
    protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }
  ).fromDescriptor(set);
  return root.lookupType(channel.schemaName);
}

const nsOf = (id: string) => BigInt(id.split('-')[0]) * 1_000_000n;

describe('Foxglove WebSocket (ws://HOST/foxglove)', () => {
  let server: TestServer;
  let redis: TestRedis;
  let p: string;
  let url: string;
  const viewers: { close(): void }[] = [];
  /** Streams a test made (deleted after it, with their metadata). */
  const created: string[] = [];
  const made = (sid: string) => (created.push(sid), sid);

  beforeAll(async () => {
    server = await startServer({ AUTH_JWT_SECRET: SECRET });
    redis = await connectRedis();
  });

  beforeEach(async () => {
    p = uniqueKey('fox');
    url = `${server.ws}/foxglove?access_token=${await mint({ read: [`${p}*`] })}`;
  });

  afterEach(async () => {
    for (const v of viewers.splice(0)) v.close();
    const keys = created.splice(0).flatMap((sid) => [sid, `XMETA:${sid}`]);
    if (keys.length > 0) await redis.del(keys);
  });

  afterAll(async () => {
    await server.close();
    await redis.quit();
  });

  const npm = (u = url) => {
    const viewer = new NpmViewer(u);
    viewers.push(viewer);
    return viewer;
  };
  const raw = (u = url) => {
    const viewer = new RawViewer(u);
    viewers.push(viewer);
    return viewer;
  };

  test('the npm client sees every readable stream with its schema and gets the pushed entries', async () => {
    const cam = made(`${p}:cam`);
    const pose = made(`${p}:pose`);
    const blob = made(`${p}:blob`);
    await redis.set(`XMETA:${cam}`, JSON.stringify({ format: 'jpeg' }));
    const jsonSchema = { type: 'object', properties: { x: { type: 'number' } } };
    await redis.set(
      `XMETA:${pose}`,
      JSON.stringify({ format: 'json', jsonSchema, schemaName: 'Pose' }),
    );
    for (const sid of [cam, pose, blob]) await redis.xAdd(sid, '*', { d: 'seed' });

    const viewer = npm();
    const [camChannel, poseChannel, blobChannel] = await Promise.all(
      [cam, pose, blob].map((t) => viewer.channel(t)),
    );
    expect(viewer.serverInfo?.capabilities).toEqual(['time', 'playbackControl']);
    const advertised = viewer.log.flatMap((e) =>
      (e as { op?: string }).op === 'advertise' ? (e as { channels: Channel[] }).channels : [],
    );
    expect(advertised.filter((c) => c.topic === cam)).toHaveLength(1);
    expect(camChannel).toMatchObject({
      encoding: 'protobuf',
      schemaName: 'foxglove.CompressedImage',
      schemaEncoding: 'protobuf',
    });
    expect(poseChannel).toMatchObject({
      encoding: 'json',
      schemaName: 'Pose',
      schemaEncoding: 'jsonschema',
    });
    expect(JSON.parse(poseChannel.schema)).toEqual(jsonSchema);
    expect(blobChannel).toMatchObject({
      encoding: 'protobuf',
      schemaName: 'redis_streamer.RawEntry',
    });

    const subs = new Map([
      [viewer.client.subscribe(camChannel.id), cam],
      [viewer.client.subscribe(poseChannel.id), pose],
      [viewer.client.subscribe(blobChannel.id), blob],
    ]);
    // Subscriptions take effect once the server read them; push until the first message comes.
    const pushed = new Map<string, { id: string; data: Buffer }>();
    const push = async (sid: string, data: Buffer) => {
      const id = (await redis.xAdd(sid, '*', { d: data as unknown as string })).toString();
      pushed.set(sid, { id, data });
    };
    await expectEventually(
      async () => {
        await push(cam, JPEG(1));
        await push(pose, Buffer.from(JSON.stringify({ x: 1.5 })));
        await push(blob, Buffer.from([0, 1, 2, 250]));
        return viewer.messages.length >= 3;
      },
      10_000,
      100,
    );
    const seen = new Map<string, (typeof viewer.messages)[number]>();
    for (const m of viewer.messages) seen.set(subs.get(m.subscriptionId)!, m);
    await expectEventually(
      () =>
        seen.size === 3 ||
        (() => {
          for (const m of viewer.messages) seen.set(subs.get(m.subscriptionId)!, m);
          return seen.size === 3;
        })(),
    );

    const image = protobufType(camChannel);
    const bytesOf = (m: (typeof viewer.messages)[number]) =>
      new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    // The last message of each stream is the last pushed entry, with its entry time.
    const last = (sid: string) =>
      [...viewer.messages].reverse().find((m) => subs.get(m.subscriptionId) === sid)!;
    await expectEventually(() => last(cam).timestamp === nsOf(pushed.get(cam)!.id));
    const decodedImage = image.toObject(image.decode(bytesOf(last(cam))), { longs: Number });
    expect(Buffer.from(decodedImage.data as Uint8Array)).toEqual(pushed.get(cam)!.data);
    expect(decodedImage.format).toBe('jpeg');
    expect(decodedImage.timestamp.seconds).toBe(Number(nsOf(pushed.get(cam)!.id) / 1_000_000_000n));

    await expectEventually(() => last(pose).timestamp === nsOf(pushed.get(pose)!.id));
    expect(JSON.parse(Buffer.from(bytesOf(last(pose))).toString())).toEqual({ x: 1.5 });

    await expectEventually(() => last(blob).timestamp === nsOf(pushed.get(blob)!.id));
    const rawType = protobufType(blobChannel);
    const decodedRaw = rawType.toObject(rawType.decode(bytesOf(last(blob))));
    expect(Buffer.from(decodedRaw.data as Uint8Array)).toEqual(Buffer.from([0, 1, 2, 250]));

    if (process.env.FOXGLOVE_TRANSCRIPT) {
      writeFileSync(
        process.env.FOXGLOVE_TRANSCRIPT,
        JSON.stringify(
          viewer.log.slice(0, 12),
          (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
          2,
        ),
      );
    }
  });

  test('new streams are advertised as they appear, deleted ones unadvertised', async () => {
    const viewer = npm();
    await expectEventually(() => viewer.serverInfo);
    const sid = made(`${p}:late`);
    await redis.xAdd(sid, '*', { d: 'hello' });
    const channel = await viewer.channel(sid);
    expect(channel.schemaName).toBe('redis_streamer.RawEntry');
    await redis.del(sid);
    await expectEventually(() => viewer.unadvertised.includes(channel.id), 10_000);
    expect(viewer.channelOf(sid)).toBeUndefined();
  });

  test('channels are filtered by read permission; no token, no connection', async () => {
    await redis.xAdd(made(`${p}:a:cam`), '*', { d: 'x' });
    await redis.xAdd(made(`${p}:b:cam`), '*', { d: 'x' });
    const token = await mint({ read: [`${p}:a:*`] });
    const viewer = npm(`${server.ws}/foxglove?access_token=${token}`);
    await viewer.channel(`${p}:a:cam`);
    const all = npm();
    await all.channel(`${p}:b:cam`);
    expect(viewer.channelOf(`${p}:b:cam`)).toBeUndefined();

    const refused = raw(`${server.ws}/foxglove`);
    await expect(refused.opened()).rejects.toThrow(/401/);
  });

  describe('playback over retained data', () => {
    const FRAMES = 10 * 60 * 30;
    let cam: string;
    let ids: string[];
    let firstMs: number;

    beforeEach(async () => {
      cam = made(`${p}:cam`);
      await redis.set(`XMETA:${cam}`, JSON.stringify({ format: 'jpeg' }));
      // Ten minutes of 30 fps, ending a minute ago, pushed with explicit ids.
      firstMs = Date.now() - 11 * 60 * 1000;
      ids = Array.from({ length: FRAMES }, (_, i) => `${firstMs + Math.floor((i * 1000) / 30)}-0`);
      for (let i = 0; i < FRAMES; i += 1000) {
        await Promise.all(
          ids
            .slice(i, i + 1000)
            .map((id, j) => redis.xAdd(cam, id, { d: JPEG(i + j) as unknown as string })),
        );
      }
    });

    async function subscribed(): Promise<RawViewer> {
      const viewer = raw();
      const channelId = await viewer.channelId(cam);
      viewer.send({ op: 'subscribe', subscriptions: [{ id: 7, channelId }] });
      return viewer;
    }

    test('server info carries the retained range; a seek delivers the first frame at or after the seek time', async () => {
      const viewer = await subscribed();
      const info = await viewer.serverInfo();
      expect(info.capabilities).toContain('playbackControl');
      expect(info.dataStartTime).toEqual({
        sec: Math.floor(firstMs / 1000),
        nsec: (firstMs % 1000) * 1_000_000,
      });
      for (const [i, at] of [0.37, 0.81, 0.05].entries()) {
        const index = Math.floor(at * FRAMES);
        // Half a frame after frame `index`: the next frame is the first at or after it.
        const seek = nsOf(ids[index]) + 16_000_000n;
        const before = viewer.messages.length;
        viewer.control('play', 1, seek, `seek-${i}`);
        const state = await expectEventually(() =>
          viewer.states.find((s) => s.requestId === `seek-${i}`),
        );
        expect(state).toMatchObject({ status: 0, didSeek: true, speed: 1 });
        const first = await expectEventually(() => viewer.messages[before]);
        expect(first.subscriptionId).toBe(7);
        expect(first.ns).toBe(nsOf(ids[index + 1]));
        expect(first.ns).toBeGreaterThanOrEqual(seek);
      }
    });

    test.each([1, 4])(
      'at speed %i frames come in order, each with its entry time',
      async (speed) => {
        const viewer = await subscribed();
        const index = 1000;
        viewer.control('play', speed, nsOf(ids[index]), 'go');
        await expectEventually(() => viewer.messages.length >= 12, 10_000);
        const sent = viewer.messages.slice(0, 12).map((m) => m.ns);
        expect(sent).toEqual(ids.slice(index, index + 12).map(nsOf));
        // A time message announces each frame's time before it.
        expect(viewer.times.slice(0, 12)).toEqual(sent);
        expect(viewer.states.at(-1)).toMatchObject({ speed, status: 0, requestId: 'go' });
      },
    );

    test('pause stops, play resumes; the end of the data goes back to live', async () => {
      const viewer = await subscribed();
      viewer.control('play', 1, nsOf(ids[FRAMES - 40]), 'near-end');
      await expectEventually(() => viewer.messages.length >= 1);
      viewer.control('pause', 1, null, 'pause');
      const paused = await expectEventually(() =>
        viewer.states.find((s) => s.requestId === 'pause'),
      );
      expect(paused.status).toBe(1);
      viewer.control('play', 16, null, 'resume');
      // The rest of the retained frames, then a state without request id: live again.
      await expectEventually(
        () => viewer.states.find((s) => s.requestId === '' && s.status === 0),
        10_000,
      );
      expect(viewer.messages.at(-1)!.ns).toBe(nsOf(ids[FRAMES - 1]));
      const playedIds = viewer.messages.map((m) => m.ns);
      expect(playedIds).toEqual([...playedIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      const live = (await redis.xAdd(cam, '*', { d: JPEG(1) as unknown as string })).toString();
      await expectEventually(() => viewer.messages.at(-1)!.ns === nsOf(live), 10_000);
    });
  });

  describe('bad input gets a status message or a close code, nothing else is affected', () => {
    test.each([
      ['malformed JSON', '{"op": "subscribe", ', /malformed JSON/],
      ['an unknown op', { op: 'getParameters', parameterNames: [] }, /unsupported op/],
      [
        'an unadvertised channel',
        { op: 'subscribe', subscriptions: [{ id: 1, channelId: 999999 }] },
        /not advertised/,
      ],
      ['a bad subscription', { op: 'subscribe', subscriptions: [{ id: 'x' }] }, /integer/],
      ['an unknown binary opcode', Buffer.from([9, 1, 2]), /unsupported binary opcode/],
      ['a short playback request', Buffer.from([3, 0]), /too short/],
    ])('%s: an error status, the connection stays', async (_name, frame, message) => {
      const sid = made(`${p}:cam`);
      await redis.xAdd(sid, '*', { d: 'x' });
      const viewer = raw();
      const channelId = await viewer.channelId(sid);
      if (Buffer.isBuffer(frame)) viewer.ws.send(frame);
      else viewer.send(frame);
      const status = await expectEventually(() => viewer.statuses()[0]);
      expect(status).toMatchObject({ level: 2, message: expect.stringMatching(message) });
      viewer.send({ op: 'subscribe', subscriptions: [{ id: 2, channelId }] });
      await expectEventually(
        async () => {
          await redis.xAdd(sid, '*', { d: 'after' });
          return viewer.messages.length > 0;
        },
        10_000,
        100,
      );
      expect(viewer.closeCode).toBeNull();
    });

    test('a message over 64 KiB closes that connection with 1009; another viewer is served', async () => {
      const sid = made(`${p}:cam`);
      await redis.xAdd(sid, '*', { d: 'x' });
      const bystander = raw();
      const channelId = await bystander.channelId(sid);
      bystander.send({ op: 'subscribe', subscriptions: [{ id: 1, channelId }] });
      const viewer = raw();
      await viewer.serverInfo();
      viewer.send({ op: 'subscribe', pad: 'x'.repeat(70_000) });
      await expectEventually(() => viewer.closeCode === 1009);
      await expectEventually(
        async () => {
          await redis.xAdd(sid, '*', { d: 'still' });
          return bystander.messages.length > 0;
        },
        10_000,
        100,
      );
    });

    test('a handshake without the subprotocol is refused', async () => {
      const refusal = await wsRefusal(url);
      expect(refusal.status).toBe(400);
      expect(refusal.body.error?.message).toMatch(/foxglove.websocket.v1/);
    });
  });
});
