/**
 * The synchronized-pull and decimation workloads (docs/sync.md): pairing quality and delivery
 * delay of `sync` next to a plain pull of the same streams, decimated history reads next to
 * client-side thinning, and live decimation next to a full stream on the same socket.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { closeWs, openWs, percentiles, Redis, sleep } from './lib.js';
import type { BenchContext, Row, WorkloadResult } from './workloads.js';

const enc = encodeURIComponent;
const httpOf = (ctx: BenchContext) => ctx.url.replace(/^ws/, 'http');
const TOLERANCE_MS = 20;

/** A device pushing at `hz` for `ms`, ids from its clock with ±`jitter` ms; sent times by id. */
interface Device {
  /** Entry times (ms), in order. */
  ids: number[];
  sentAt: number[];
  /** Entry time -> when it was sent. */
  sent: Map<number, number>;
}

async function device(
  ctx: BenchContext,
  sid: string,
  hz: number,
  ms: number,
  jitter: number,
  payload: Buffer,
): Promise<Device> {
  const ws = await openWs(`${ctx.url}/data/${enc(sid)}/push`);
  const ids: number[] = [];
  const sentAt: number[] = [];
  const start = performance.now();
  let last = 0;
  for (let i = 0; ; i++) {
    const due = start + (i * 1000) / hz;
    if (due - start > ms) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const id = Math.max(last + 1, Date.now() + Math.round((Math.random() * 2 - 1) * jitter));
    last = id;
    ws.send(JSON.stringify([[sid, `${id}-0`, payload.length]]));
    ws.send(payload);
    ids.push(id);
    sentAt.push(performance.now());
  }
  await closeWs(ws);
  return { ids, sentAt, sent: new Map(ids.map((id, k) => [id, sentAt[k]])) };
}

/** Index of the first value >= `x` in sorted `values` (values.length when none). */
function firstAtOrAfter(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface TupleJson {
  id: string;
  members: Record<string, [string, number] | null>;
}

/**
 * s pairing: camera 30 Hz, IMU 200 Hz and depth 45 Hz pushed by three clients with ±5 ms jitter
 * on their ids for `seconds`; one synchronized puller (`sync=cam&tolerance_ms=20`) and one plain
 * puller of the same streams. Share of tuples with every partner within 20 ms, partners paired
 * outside the tolerance, and the delay from the moment the data a tuple needed was sent (its
 * reference entry and, per partner, the first entry at or after the reference time) to the
 * tuple's delivery, next to the plain pull's delay per entry.
 */
export async function syncPairing(ctx: BenchContext, seconds: number): Promise<WorkloadResult> {
  const [cam, imu, depth] = [ctx.key('s:cam'), ctx.key('s:imu'), ctx.key('s:depth')];
  const path = [cam, imu, depth].map(enc).join('+');
  const synced = await openWs(
    `${ctx.url}/data/${path}/pull?sync=${enc(cam)}&tolerance_ms=${TOLERANCE_MS}&tuples=1&block=0`,
  );
  const plain = await openWs(`${ctx.url}/data/${path}/pull?count=100&block=0`);
  const tuples: { t: TupleJson; at: number }[] = [];
  synced.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const parsed = JSON.parse(data.toString()) as { tuples?: TupleJson[] };
    const at = performance.now();
    if (parsed.tuples) for (const t of parsed.tuples) tuples.push({ t, at });
  });
  const plainGot: { sid: string; ms: number; at: number }[] = [];
  plain.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const at = performance.now();
    for (const [sid, id] of JSON.parse(data.toString()) as [string, string][])
      plainGot.push({ sid, ms: Number(id.split('-')[0]), at });
  });
  await sleep(200);
  const window = ctx.sampler.window();
  const ms = seconds * 1000;
  const payload = (size: number) => Buffer.alloc(size, 1);
  const [c, i, d] = await Promise.all([
    device(ctx, cam, 30, ms, 5, payload(64 * 1024)),
    device(ctx, imu, 200, ms, 5, payload(64)),
    device(ctx, depth, 45, ms, 5, payload(32 * 1024)),
  ]);
  await sleep(500);
  const resources = window();
  await Promise.all([closeWs(synced), closeWs(plain)]);
  await ctx.redis.sendCommand(['DEL', cam, imu, depth]);

  const streams = new Map([
    [cam, c],
    [imu, i],
    [depth, d],
  ]);
  let within = 0;
  let outside = 0;
  const delays: number[] = [];
  for (const { t, at } of tuples) {
    const refMs = Number(t.id.split('-')[0]);
    let complete = true;
    let needed = c.sent.get(refMs) ?? Infinity;
    for (const [sid, member] of Object.entries(t.members)) {
      if (member === null) complete = false;
      else if (Math.abs(member[1]) > TOLERANCE_MS) outside++;
      const s = streams.get(sid)!;
      const k = firstAtOrAfter(s.ids, refMs);
      needed = Math.max(needed, k < s.ids.length ? s.sentAt[k] : Infinity);
    }
    if (complete) within++;
    if (Number.isFinite(needed)) delays.push(at - needed);
  }
  const plainDelays = plainGot
    .map(({ sid, ms: id, at }) => {
      return at - (streams.get(sid)!.sent.get(id) ?? Infinity);
    })
    .filter(Number.isFinite);
  const p = percentiles([Float64Array.from(delays)]);
  const q = percentiles([Float64Array.from(plainDelays)]);
  const share = tuples.length > 0 ? (100 * within) / tuples.length : null;
  const rows: Row[] = [
    {
      workload: 's pairing',
      metric: 'tuples with every partner within 20 ms (%)',
      gateway: share,
      direct: null,
      ratio: null,
      target: '>= 99 %',
      pass: share === null ? null : share >= 99,
      note: `${tuples.length} tuples of ${c.ids.length} camera frames; IMU 200 Hz, depth 45 Hz, ids ±5 ms`,
      server: resources,
    },
    {
      workload: 's pairing',
      metric: 'partners paired outside the tolerance',
      gateway: outside,
      direct: null,
      ratio: null,
      target: '0',
      pass: outside === 0,
    },
    {
      workload: 's pairing',
      metric: 'delay, data sent to tuple delivered p50 (ms)',
      gateway: p.p50,
      direct: q.p50,
      ratio: null,
      target: '',
      pass: null,
      note: 'direct column: the same streams pulled plainly, per entry',
    },
    {
      workload: 's pairing',
      metric: 'delay, data sent to tuple delivered p99 (ms)',
      gateway: p.p99,
      direct: q.p99,
      ratio: null,
      target: '<= 5 ms',
      pass: p.p99 === null ? null : p.p99 <= 5,
      note: 'direct column: the same streams pulled plainly, per entry',
    },
  ];
  return { rows, detail: { tuples: tuples.length, within, outside, sync: p, plain: q, resources } };
}

/** Calls of XRANGE and XREVRANGE so far (scripts' calls included), from INFO commandstats. */
async function rangeCalls(redis: Redis): Promise<number> {
  const info = String(await redis.sendCommand(['INFO', 'commandstats']));
  let calls = 0;
  for (const m of info.matchAll(/cmdstat_(?:xrange|xrevrange):calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

/** Every page of an HTTP GET read from `last_entry_id=0`: entries returned and time (ms). */
async function readPages(url: string): Promise<{ entries: number; ms: number }> {
  const t0 = performance.now();
  let cursor = '0';
  let entries = 0;
  for (;;) {
    const res = await fetch(`${url}&last_entry_id=${cursor}`);
    const got = (JSON.parse(res.headers.get('entry-offset') ?? '[]') as unknown[]).length;
    await res.arrayBuffer();
    if (got === 0) break;
    entries += got;
    cursor = res.headers.get('x-last-entry-id') ?? cursor;
  }
  return { entries, ms: performance.now() - t0 };
}

/**
 * s history: `minutes` of 30 fps 1 KiB entries read at 1 Hz with `rate=1` (HTTP GET pages),
 * next to reading every entry (plain HTTP GET pages) and thinning client-side. Entries read
 * from Redis: XRANGE/XREVRANGE calls (INFO commandstats deltas of a private Redis), each a
 * single-entry read for the decimated one.
 */
export async function historyDecimation(
  ctx: BenchContext,
  minutes: number,
): Promise<WorkloadResult> {
  const key = ctx.key('s:history');
  const frames = minutes * 60 * 30;
  const payload = Buffer.alloc(1024, 7);
  const start = Date.now() - minutes * 60_000 - 60_000;
  for (let f = 0; f < frames; f += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, frames - f) }, (_, k) =>
        ctx.redis.sendCommand([
          'XADD',
          key,
          `${start + Math.floor(((f + k) * 1000) / 30)}-0`,
          'd',
          payload,
        ]),
      ),
    );
  }
  const http = `${httpOf(ctx)}/data/${enc(key)}?count=1000`;
  let before = await rangeCalls(ctx.redis);
  const thinned = await readPages(`${http}&rate=1`);
  const thinnedCalls = (await rangeCalls(ctx.redis)) - before;
  before = await rangeCalls(ctx.redis);
  const full = await readPages(`${http.replace('count=1000', 'count=10000')}`);
  const fullCalls = (await rangeCalls(ctx.redis)) - before;
  await ctx.redis.sendCommand(['DEL', key]);
  return {
    rows: [
      {
        workload: 's history',
        metric: `entries returned, ${minutes} min of 30 fps at 1 Hz`,
        gateway: thinned.entries,
        direct: full.entries,
        ratio: null,
        target: `about ${minutes * 60}`,
        pass: Math.abs(thinned.entries - minutes * 60) <= 1,
        note: 'direct column: a plain pull (HTTP GET pages) to thin client-side',
      },
      {
        workload: 's history',
        metric: 'entries read from Redis',
        gateway: thinnedCalls,
        direct: frames,
        ratio: null,
        target: `about ${2 * minutes * 60}`,
        pass: thinnedCalls <= 2 * thinned.entries + 4,
        note: `decimated: XRANGE/XREVRANGE COUNT 1 calls (INFO commandstats, private Redis); plain: every entry, in ${fullCalls} XRANGE calls`,
      },
      {
        workload: 's history',
        metric: 'time to read the window (ms)',
        gateway: thinned.ms,
        direct: full.ms,
        ratio: null,
        target: '',
        pass: null,
        note: 'direct column: every entry over HTTP GET, thinned client-side',
      },
    ],
    detail: { frames, thinned, full, thinnedCalls, fullCalls },
  };
}

/**
 * s live: camera 30 Hz (64 KiB) and IMU 200 Hz pushed for `seconds`, one puller with
 * `rate=cam:2,imu:0`: the camera's delivered rate (by entry time) and the IMU entries received.
 */
export async function liveDecimation(ctx: BenchContext, seconds: number): Promise<WorkloadResult> {
  const [cam, imu] = [ctx.key('s:live-cam'), ctx.key('s:live-imu')];
  const puller: WebSocket = await openWs(
    `${ctx.url}/data/${enc(cam)}+${enc(imu)}/pull?rate=${enc(cam)}:2,${enc(imu)}:0&count=100&block=0`,
  );
  const got = new Map<string, number[]>([
    [cam, []],
    [imu, []],
  ]);
  puller.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    for (const [sid, id] of JSON.parse(data.toString()) as [string, string][])
      got.get(sid)?.push(Number(id.split('-')[0]));
  });
  await sleep(200);
  const window = ctx.sampler.window();
  const ms = seconds * 1000;
  const [, i] = await Promise.all([
    device(ctx, cam, 30, ms, 0, Buffer.alloc(64 * 1024, 1)),
    device(ctx, imu, 200, ms, 0, Buffer.alloc(64, 1)),
  ]);
  await sleep(1000);
  const resources = window();
  await closeWs(puller);
  await ctx.redis.sendCommand(['DEL', cam, imu]);
  const camIds = got.get(cam)!;
  // The first and last windows are cut by the start and end of the pushes: the rate is measured
  // between the entries of whole windows (each its window's newest, near its end).
  const whole = camIds.slice(1, -1);
  const span = whole.length > 1 ? (whole[whole.length - 1] - whole[0]) / 1000 : 0;
  const rate = span > 0 ? (whole.length - 1) / span : null;
  const imuGot = got.get(imu)!.length;
  return {
    rows: [
      {
        workload: 's live',
        metric: 'camera delivered at rate=2 (entries/s)',
        gateway: rate,
        direct: 30,
        ratio: null,
        target: '2 ± 5 %',
        pass: rate === null ? null : Math.abs(rate - 2) <= 0.1,
        note: `${camIds.length} camera entries, ${whole.length} of whole windows over ${span.toFixed(1)} s; direct column: the pushed rate`,
        server: resources,
      },
      {
        workload: 's live',
        metric: 'IMU entries received in full on the same socket',
        gateway: imuGot,
        direct: i.ids.length,
        ratio: null,
        target: '= pushed',
        pass: imuGot === i.ids.length,
      },
    ],
    detail: { camIds: camIds.length, span, rate, imuGot, imuPushed: i.ids.length, resources },
  };
}
