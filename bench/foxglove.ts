import { WebSocket } from 'ws';
import { entryOfMessage } from '../src/streams/formats/stream-formats.js';
import { BENCH_AUTH } from './auth.js';
import {
  closeWs,
  paced,
  percentiles,
  RawPuller,
  Receiver,
  sleep,
  stamped,
  waitDrain,
} from './lib.js';
import type { BenchContext, Row, WorkloadResult } from './workloads.js';

const SUBPROTOCOL = 'foxglove.websocket.v1';
const enc = encodeURIComponent;

/** A Foxglove viewer on `ws`: records advertisements, messages (with arrival times) and states. */
class Viewer {
  readonly channels = new Map<string, number>();
  readonly messages: { ns: bigint; at: number; data: Buffer }[] = [];
  /** Request id of each Playback State → how many messages had come before it. */
  readonly states = new Map<string, number>();
  onMessage: ((data: Buffer, at: number) => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const at = performance.now();
      if (!isBinary) {
        const msg = JSON.parse(data.toString()) as {
          op: string;
          channels?: { id: number; topic: string }[];
        };
        if (msg.op === 'advertise') for (const c of msg.channels!) this.channels.set(c.topic, c.id);
        return;
      }
      if (data[0] === 1) {
        if (this.onMessage) return this.onMessage(data.subarray(13), at);
        this.messages.push({ ns: data.readBigUInt64LE(5), at, data: data.subarray(13) });
      } else if (data[0] === 5) {
        this.states.set(
          data.toString('utf8', 19, 19 + data.readUInt32LE(15)),
          this.messages.length,
        );
      }
    });
  }

  static open(url: string): Promise<Viewer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}/foxglove`, [SUBPROTOCOL], {
        perMessageDeflate: false,
        headers: BENCH_AUTH ? { authorization: BENCH_AUTH.authorization } : {},
      });
      ws.once('open', () => resolve(new Viewer(ws)));
      ws.once('error', reject);
    });
  }

  async subscribe(topic: string, id: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!this.channels.has(topic)) {
      if (Date.now() > deadline) throw new Error(`${topic} not advertised`);
      await sleep(20);
    }
    this.ws.send(
      JSON.stringify({
        op: 'subscribe',
        subscriptions: [{ id, channelId: this.channels.get(topic) }],
      }),
    );
  }

  control(speed: number, seekNs: bigint | null, requestId: string): void {
    const id = Buffer.from(requestId);
    const frame = Buffer.alloc(19 + id.length);
    frame[0] = 3;
    frame[1] = 0; // play
    frame.writeFloatLE(speed, 2);
    frame[6] = seekNs === null ? 0 : 1;
    frame.writeBigUInt64LE(seekNs ?? 0n, 7);
    frame.writeUInt32LE(id.length, 15);
    id.copy(frame, 19);
    this.ws.send(frame);
  }
}

async function until<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(1);
  }
}

/**
 * f. Foxglove viewers: seek-to-first-frame over 10 minutes of retained 30 fps frames (20 random
 * seeks), playback pacing at speed 1 and 4, and live fan-out of 30 fps JPEG to 10 viewers next to
 * 10 plain pullers of the same stream.
 */
export async function foxglove(ctx: BenchContext, liveFrames: number): Promise<WorkloadResult> {
  const rows: Row[] = [];
  const cam = ctx.key('f:retained');
  await ctx.redis.sendCommand(['SET', `XMETA:${cam}`, JSON.stringify({ format: 'jpeg' })]);
  const frames = 10 * 60 * 30;
  const firstMs = Date.now() - 11 * 60 * 1000;
  const ids = Array.from(
    { length: frames },
    (_, i) => `${firstMs + Math.floor((i * 1000) / 30)}-0`,
  );
  const jpeg = Buffer.alloc(8 * 1024, 7);
  jpeg.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 0; i < frames; i += 500) {
    await Promise.all(
      ids.slice(i, i + 500).map((id) => ctx.redis.sendCommand(['XADD', cam, id, 'd', jpeg])),
    );
  }
  const nsOf = (id: string) => BigInt(id.split('-')[0]) * 1_000_000n;
  try {
    const viewer = await Viewer.open(ctx.url);
    await viewer.subscribe(cam, 1);

    // Seek to first frame: from the request to the first message of the new position.
    const seekWindow = ctx.sampler.window();
    const seeks: number[] = [];
    for (let s = 0; s < 20; s++) {
      const index = Math.floor(Math.random() * (frames - 100));
      const seek = nsOf(ids[index]) + 1_000_000n;
      const t0 = performance.now();
      viewer.control(1, seek, `seek-${s}`);
      // Frames of the previous position may come before the answer; the new ones after it.
      const first = await until(
        () => {
          const from = viewer.states.get(`seek-${s}`);
          return from === undefined ? undefined : viewer.messages[from];
        },
        5000,
        'first frame after seek',
      );
      if (first.ns !== nsOf(ids[index + 1]))
        throw new Error(`seek ${s} started at the wrong frame`);
      seeks.push(first.at - t0);
    }
    const seekP = percentiles([Float64Array.from(seeks)]);
    rows.push({
      workload: 'f foxglove',
      metric: 'seek to first frame, p99 of 20 seeks (ms)',
      gateway: seekP.p99,
      direct: null,
      ratio: null,
      target: '<= 200 ms',
      pass: seekP.p99 !== null && seekP.p99 <= 200,
      note: `p50 ${seekP.p50?.toFixed(1)} ms, 10 min x 30 fps x 8 KiB retained`,
      server: seekWindow(),
    });

    // Pacing: wall time between the first and last frame of a run vs their time span / speed.
    for (const speed of [1, 4]) {
      const index = Math.floor(frames / 3);
      const paceWindow = ctx.sampler.window();
      const count = ctx.quick ? 30 * speed : 150 * speed;
      viewer.control(speed, nsOf(ids[index]), `pace-${speed}`);
      const before = await until(() => viewer.states.get(`pace-${speed}`), 5000, 'playback state');
      await until(
        () => (viewer.messages.length >= before + count ? true : undefined),
        60_000,
        'pacing',
      );
      const run = viewer.messages.slice(before, before + count);
      const wall = run[count - 1].at - run[0].at;
      const span = Number(run[count - 1].ns - run[0].ns) / 1e6 / speed;
      const error = (100 * Math.abs(wall - span)) / span;
      rows.push({
        workload: 'f foxglove',
        metric: `pacing error at speed ${speed} (%)`,
        gateway: error,
        direct: null,
        ratio: null,
        target: '<= 2 %',
        pass: error <= 2,
        note: `${count} frames: ${wall.toFixed(0)} ms played for ${span.toFixed(0)} ms expected`,
        server: paceWindow(),
      });
    }
    await closeWs(viewer.ws);
  } finally {
    await ctx.redis.sendCommand(['DEL', cam, `XMETA:${cam}`]);
  }

  // Live fan-out: 30 fps x 64 KiB JPEG to 10 viewers and 10 plain pullers, in the same run.
  const live = ctx.key('f:live');
  await ctx.redis.sendCommand(['SET', `XMETA:${live}`, JSON.stringify({ format: 'jpeg' })]);
  try {
    const size = 64 * 1024;
    const viewerRx = Array.from({ length: 10 }, () => new Receiver(liveFrames));
    const pullerRx = Array.from({ length: 10 }, () => new Receiver(liveFrames));
    await ctx.redis.sendCommand(['XADD', live, '*', 'd', 'seed']);
    const viewers = await Promise.all(viewerRx.map(() => Viewer.open(ctx.url)));
    viewers.forEach((v, i) => {
      v.onMessage = (message) => {
        const entry = entryOfMessage('foxglove.CompressedImage', message);
        if (entry) viewerRx[i].take(entry);
      };
    });
    await Promise.all(viewers.map((v) => v.subscribe(live, 1)));
    const pullers = pullerRx.map((rx) => new RawPuller((stamp) => rx.take(stamp)));
    await Promise.all(pullers.map((p) => p.connect(`${ctx.url}/data/${enc(live)}/pull`)));
    await sleep(500); // subscriptions and pulls in place
    const pusher = new WebSocket(`${ctx.url}/data/${enc(live)}/push?header=0`, {
      perMessageDeflate: false,
      headers: BENCH_AUTH ? { authorization: BENCH_AUTH.authorization } : {},
    });
    await new Promise((resolve, reject) => pusher.once('open', resolve).once('error', reject));
    const window = ctx.sampler.window();
    const sent = await paced(
      30,
      liveFrames,
      Date.now() + 120_000,
      (i) => {
        const frame = stamped(size, i);
        frame.set([0xff, 0xd8, 0xff, 0xe0], 12);
        pusher.send(frame);
      },
      () => pusher.bufferedAmount > 1024 * 1024,
    );
    await waitDrain(pusher, 1000);
    const expected = sent.sent * 10;
    const deadline = Date.now() + 5000;
    const got = (rxs: Receiver[]) => rxs.reduce((s, r) => s + r.received, 0);
    while (Date.now() < deadline && (got(viewerRx) < expected || got(pullerRx) < expected))
      await sleep(50);
    const server = window();
    const vP = percentiles(viewerRx.map((r) => r.latencies()));
    const pP = percentiles(pullerRx.map((r) => r.latencies()));
    const share = (n: number) => (expected > 0 ? (100 * n) / expected : null);
    rows.push(
      {
        workload: 'f foxglove',
        metric: '30 fps x 64 KiB JPEG -> 10 viewers, delivered (%)',
        gateway: share(got(viewerRx)),
        direct: share(got(pullerRx)),
        ratio: null,
        target: '100 %',
        pass: got(viewerRx) === expected,
        note: 'direct column: 10 plain /pull pullers of the same stream, same run',
        server,
      },
      {
        workload: 'f foxglove',
        metric: 'p99 latency, 10 viewers vs 10 pullers (ms)',
        gateway: vP.p99,
        direct: pP.p99,
        ratio: vP.p99 !== null && pP.p99 ? vP.p99 / pP.p99 : null,
        target: '',
        pass: null,
        note: `p50 viewers ${vP.p50?.toFixed(2)} ms, pullers ${pP.p50?.toFixed(2)} ms`,
        server,
      },
    );
    await closeWs(pusher);
    await Promise.all(viewers.map((v) => closeWs(v.ws)));
    await Promise.all(pullers.map((p) => p.close()));
  } finally {
    await ctx.redis.sendCommand(['DEL', live, `XMETA:${live}`]);
  }
  return { rows, detail: {} };
}
