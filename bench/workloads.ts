/**
 * The benchmark's workloads. Each runs against the gateway and, where it makes sense, the same
 * workload straight against Redis with node-redis, in the same run, and returns table rows plus
 * a detailed record for the JSON output.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent as HttpAgent, request as httpRequestRaw } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { WebSocket } from 'ws';
import {
  BINARY,
  closeWs,
  connectRedis,
  dropRedis,
  openWs,
  paced,
  PacedResult,
  percentiles,
  Percentiles,
  ProcSampler,
  RawPuller,
  Receiver,
  Redis,
  ResourceWindow,
  sleep,
  stamped,
  TEXT,
  waitDrain,
  waitLanded,
  withTimeout,
  AS_BUFFERS,
} from './lib.js';
import { BENCH_AUTH } from './auth.js';

export interface BenchContext {
  url: string;
  redisUrl: string;
  /** Control connection (XINFO, DEL). */
  redis: Redis;
  maxlen: number;
  quick: boolean;
  sampler: ProcSampler;
  /** A fresh stream key of this run (deleted at the end). */
  key(label: string): string;
  /** The server's connections to Redis now (null when unknown). */
  redisConnections(): Promise<number | null>;
  /** The bare-socket reference (`--no-sink` leaves it out): push rows measure it too. */
  sink?: { url: string; sampler: ProcSampler };
  /**
   * Another service on the same Redis (`--peer-url`, e.g. the original): push, latency and
   * fan-out run through it too, its figures in the table's peer column.
   */
  peer?: BenchContext;
}

/** One line of the result table. `ratio` is always gateway / direct. */
export interface Row {
  workload: string;
  metric: string;
  gateway: number | null;
  direct: number | null;
  ratio: number | null;
  target: string;
  pass: boolean | null;
  note?: string;
  /** Server resources over the gateway half of the workload. */
  server?: ResourceWindow;
  /** 1-minute load average of the machine when the workload started. */
  load?: number;
  /** The same figure through the bare `ws` sink (push rows). */
  sink?: number | null;
  /** The same figure through the peer service (`--peer-url`). */
  peer?: number | null;
}

export interface WorkloadResult {
  rows: Row[];
  detail: Record<string, unknown>;
}

const enc = encodeURIComponent;

function ratio(gw: number | null, direct: number | null): number | null {
  return gw !== null && direct !== null && direct > 0 ? gw / direct : null;
}

function fmtRate(v: number | null): string {
  return v === null ? 'n/a' : Math.round(v).toLocaleString('en-US');
}

function atLeast(r: number | null, min: number): boolean | null {
  return r === null ? null : r >= min;
}

function atMost(v: number | null, max: number): boolean | null {
  return v === null ? null : v <= max;
}

/** Server CPU-seconds per GB (1e9 bytes) moved: a figure that does not depend on the box's load. */
function cpuPerGB(server: ResourceWindow | undefined, bytes: number): number | null {
  return server?.cpuSeconds != null && bytes > 0 ? server.cpuSeconds / (bytes / 1e9) : null;
}

/**
 * CPU-seconds per GB of every process on the path: load generator, Redis and, when the path goes
 * through it, the server.
 */
function machineCpuPerGB(
  side: ThroughputSide,
  size: number,
  throughServer: boolean,
): number | null {
  const { clientCpuSeconds, cpuSeconds, redisCpuSeconds } = side.resources;
  const serverCpuSeconds = throughServer ? cpuSeconds : 0;
  if (redisCpuSeconds === null || serverCpuSeconds === null || side.landed === 0) return null;
  return (clientCpuSeconds + serverCpuSeconds + redisCpuSeconds) / ((side.landed * size) / 1e9);
}

function split(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

async function waitUntil(cond: () => boolean, deadline: number): Promise<boolean> {
  while (!cond()) {
    if (Date.now() >= deadline) return false;
    await sleep(5);
  }
  return true;
}

function xaddArgs(key: string, maxlen: number, payload: Buffer): (string | Buffer)[] {
  return maxlen > 0
    ? ['XADD', key, 'MAXLEN', '~', String(maxlen), '*', 'd', payload]
    : ['XADD', key, '*', 'd', payload];
}

// ---------------------------------------------------------------------------------------------
// a. push throughput

/** Pipelined push over one socket: header `[len]` + binary frame, as fast as the socket drains. */
async function pushBulk(
  ws: WebSocket,
  header: Buffer,
  payload: Buffer,
  n: number,
  deadline: number,
): Promise<number> {
  const highWater = Math.max(1024 * 1024, 4 * payload.length);
  let sent = 0;
  while (sent < n && ws.readyState === WebSocket.OPEN && Date.now() < deadline) {
    while (sent < n && ws.bufferedAmount < highWater) {
      ws.send(header, TEXT);
      ws.send(payload, BINARY);
      sent++;
    }
    if (sent < n) await waitDrain(ws, 100);
  }
  return sent;
}

/** Pipelined XADDs in batches of promises. */
async function xaddBulk(
  redis: Redis,
  key: string,
  maxlen: number,
  payload: Buffer,
  n: number,
  batch: number,
  deadline: number,
): Promise<number> {
  let sent = 0;
  while (sent < n && Date.now() < deadline) {
    const m = Math.min(batch, n - sent);
    const pending: Promise<unknown>[] = new Array(m);
    for (let j = 0; j < m; j++) pending[j] = redis.sendCommand(xaddArgs(key, maxlen, payload));
    await Promise.all(pending);
    sent += m;
  }
  return sent;
}

interface ThroughputSide {
  sent: number;
  landed: number;
  seconds: number;
  perSecond: number | null;
  mbPerSecond: number | null;
  completed: boolean;
  /** Server, load generator and Redis over the side (the server idles on the direct side). */
  resources: ResourceWindow;
}

export async function pushThroughput(
  ctx: BenchContext,
  name: string,
  size: number,
  conns: number,
  count: number,
  budgetMs: number,
  minRatio: number,
): Promise<WorkloadResult> {
  const payload = Buffer.alloc(size, 0x61);
  const header = Buffer.from(JSON.stringify([size]));
  const parts = split(count, conns);

  const measure = async (
    key: string | null,
    run: (deadline: number) => Promise<number>,
    sampler = ctx.sampler,
  ): Promise<ThroughputSide> => {
    const deadline = Date.now() + budgetMs;
    const window = sampler.window();
    const t0 = performance.now();
    const sent = await run(deadline);
    // No key: `run` resolves once its entries arrived (the sink counts them itself).
    const landed =
      key === null
        ? { at: performance.now(), added: sent }
        : await waitLanded(ctx.redis, key, sent, deadline);
    const t1 = landed.at ?? performance.now();
    const seconds = (t1 - t0) / 1000;
    const perSecond = landed.added / seconds;
    return {
      sent,
      landed: landed.added,
      seconds,
      perSecond,
      mbPerSecond: (perSecond * size) / 1e6,
      completed: landed.at !== null && sent === count,
      resources: window(),
    };
  };

  /** The same frames to the bare `ws` sink: landed = every frame received (its `done`). */
  const sinkSide = async (target: { url: string; sampler: ProcSampler }) => {
    const sockets = await Promise.all(parts.map((n) => openWs(`${target.url}/?frames=${2 * n}`)));
    const side = await measure(
      null,
      async (deadline) => {
        const done = sockets.map((ws) => once(ws, 'message'));
        const sent = await Promise.all(
          sockets.map((ws, i) => pushBulk(ws, header, payload, parts[i], deadline)),
        );
        await withTimeout(Promise.all(done), Math.max(1, deadline - Date.now()), 'ws sink');
        return sent.reduce((a, b) => a + b, 0);
      },
      target.sampler,
    );
    await Promise.all(sockets.map(closeWs));
    return side;
  };

  /** Pushes through a service (the gateway, or the peer) to a fresh stream. */
  const through = async (target: BenchContext, label: string): Promise<ThroughputSide> => {
    const key = ctx.key(`${name}:${label}`);
    const sockets = await Promise.all(
      parts.map(() => openWs(`${target.url}/data/${enc(key)}/push`)),
    );
    const side = await measure(
      key,
      async (deadline) =>
        (
          await Promise.all(
            sockets.map((ws, i) => pushBulk(ws, header, payload, parts[i], deadline)),
          )
        ).reduce((a, b) => a + b, 0),
      target.sampler,
    );
    await Promise.all(sockets.map(closeWs));
    await ctx.redis.sendCommand(['DEL', key]);
    return side;
  };

  const gw = await through(ctx, 'gw');
  const sink = ctx.sink ? await sinkSide(ctx.sink) : null;
  const peer = ctx.peer ? await through(ctx.peer, 'peer') : null;

  // Direct
  const dKey = ctx.key(`${name}:direct`);
  const clients = await Promise.all(
    parts.map((_, i) => connectRedis(ctx.redisUrl, `bench-direct-push-${i}`)),
  );
  const batch = size >= 64 * 1024 ? 16 : 1024;
  const direct = await measure(dKey, async (deadline) =>
    (
      await Promise.all(
        clients.map((c, i) => xaddBulk(c, dKey, ctx.maxlen, payload, parts[i], batch, deadline)),
      )
    ).reduce((a, b) => a + b, 0),
  );
  clients.forEach(dropRedis);
  await ctx.redis.sendCommand(['DEL', dKey]);

  const r = ratio(gw.perSecond, direct.perSecond);
  const sizeLabel = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
  const cpuPerEntry =
    gw.resources.cpuSeconds !== null && gw.landed > 0
      ? (gw.resources.cpuSeconds * 1e6) / gw.landed
      : null;
  const note = [
    cpuPerEntry !== null ? `server ${cpuPerEntry.toFixed(1)} CPU-us/entry` : '',
    !gw.completed ? `gateway incomplete: ${gw.landed}/${count} landed` : '',
    !direct.completed ? `direct incomplete: ${direct.landed}/${count}` : '',
    size >= 1024
      ? `MB/s gw ${gw.mbPerSecond?.toFixed(0)} direct ${direct.mbPerSecond?.toFixed(0)}` +
        (sink ? ` ws sink ${sink.mbPerSecond?.toFixed(0)}` : '') +
        (peer ? ` peer ${peer.mbPerSecond?.toFixed(0)}` : '')
      : '',
    sink && !sink.completed ? `ws sink incomplete: ${sink.landed}/${count}` : '',
    peer && !peer.completed ? `peer incomplete: ${peer.landed}/${count} landed` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const rows: Row[] = [
    {
      workload: `a ${name}`,
      metric: `push ${sizeLabel} x${conns} conn (entries/s)`,
      gateway: gw.perSecond,
      direct: direct.perSecond,
      ratio: r,
      target: `>= ${minRatio}x`,
      pass: gw.completed ? atLeast(r, minRatio) : false,
      note: note || undefined,
      server: gw.resources,
      ...(sink ? { sink: sink.perSecond } : {}),
      ...(peer ? { peer: peer.perSecond } : {}),
    },
  ];
  if (sink && size >= 64 * 1024) {
    const toSink = ratio(gw.perSecond, sink.perSecond);
    rows.push({
      workload: `a ${name}`,
      metric: 'gateway / bare ws sink, entries/s (ratio)',
      gateway: toSink,
      direct: null,
      ratio: null,
      target: '>= 0.9',
      pass: atLeast(toSink, 0.9),
      note: `ws sink ${fmtRate(sink.perSecond)} entries/s: a ws server that discards what it receives`,
    });
  }
  if (size >= 64 * 1024) {
    const gwMachine = machineCpuPerGB(gw, size, true);
    const directMachine = machineCpuPerGB(direct, size, false);
    const cores = availableParallelism();
    const ceiling = (cpuPerGB: number | null) =>
      cpuPerGB === null ? 'n/a' : ((1000 * cores) / cpuPerGB).toFixed(0);
    rows.push(
      {
        workload: `a ${name}`,
        metric: 'server CPU-s per GB pushed',
        gateway: cpuPerGB(gw.resources, gw.landed * size),
        direct: null,
        ratio: null,
        target: '',
        pass: null,
        server: gw.resources,
        ...(sink ? { sink: cpuPerGB(sink.resources, sink.landed * size) } : {}),
        ...(peer ? { peer: cpuPerGB(peer.resources, peer.landed * size) } : {}),
      },
      {
        workload: `a ${name}`,
        metric: 'machine CPU-s per GB pushed',
        gateway: gwMachine,
        direct: directMachine,
        ratio: ratio(gwMachine, directMachine),
        target: '',
        pass: null,
        note:
          'load generator + server + Redis (direct: load generator + Redis); ' +
          `all ${cores} cores busy would carry MB/s gw ${ceiling(gwMachine)} direct ${ceiling(directMachine)}`,
      },
    );
  }
  return { rows, detail: { size, conns, count, gateway: gw, direct, sink, peer } };
}

// ---------------------------------------------------------------------------------------------
// b/c/d. paced publishers and pullers

interface GatewayPubSub {
  publish: PacedResult;
  receivers: Receiver[];
  latency: Percentiles;
  delivered: number;
  expected: number;
  outOfOrder: number;
  server: ResourceWindow;
  redisConnections?: { onePuller: number | null; allPullers: number | null; peak: number | null };
}

interface DirectPubSub {
  publish: PacedResult;
  receivers: Receiver[];
  latency: Percentiles;
  delivered: number;
  expected: number;
  outOfOrder: number;
  errors: number;
}

interface PubSubSpec {
  size: number;
  rate: number;
  count: number;
  pullers: number;
  budgetMs: number;
}

/** A paced publisher of stamped payloads to one stream. */
interface Publisher {
  send(i: number): void;
  /** The publisher's own backlog is full: the pacer waits. */
  blocked(): boolean;
  close(): Promise<void>;
}

/** Pushes through the gateway: a text header and a binary frame per entry. */
async function gatewayPublisher(
  ctx: BenchContext,
  key: string,
  spec: PubSubSpec,
): Promise<Publisher> {
  const pusher = await openWs(`${ctx.url}/data/${enc(key)}/push`);
  const header = Buffer.from(JSON.stringify([Math.max(spec.size, 12)]));
  const highWater = Math.max(1024 * 1024, 8 * spec.size);
  return {
    send: (i) => {
      pusher.send(header, TEXT);
      pusher.send(stamped(spec.size, i), BINARY);
    },
    blocked: () => pusher.bufferedAmount >= highWater,
    close: () => closeWs(pusher),
  };
}

/** XADDs straight to Redis with node-redis. */
async function directPublisher(
  ctx: BenchContext,
  key: string,
  spec: PubSubSpec,
  errors: { count: number },
): Promise<Publisher> {
  const pub = await connectRedis(ctx.redisUrl, 'bench-direct-pub');
  return {
    send: (i) => {
      pub.sendCommand(xaddArgs(key, ctx.maxlen, stamped(spec.size, i))).catch(() => errors.count++);
    },
    blocked: () => false,
    close: async () => dropRedis(pub),
  };
}

/** Readers of one stream from its start, each feeding its `Receiver`. */
interface Readers {
  close(): Promise<void>;
}

/** WebSocket pullers through the gateway (minimal raw-socket readers). */
async function gatewayReaders(
  ctx: BenchContext,
  key: string,
  receivers: Receiver[],
  connected?: (n: number) => Promise<void>,
): Promise<Readers> {
  const pullUrl = `${ctx.url}/data/${enc(key)}/pull?last_entry_id=0`;
  const pullers: RawPuller[] = [];
  const connect = async (rx: Receiver) => {
    const puller = new RawPuller((stamp) => rx.take(stamp));
    await puller.connect(pullUrl);
    pullers.push(puller);
  };
  if (connected) {
    await connect(receivers[0]);
    await connected(1);
    await Promise.all(receivers.slice(1).map(connect));
    await connected(receivers.length);
  } else {
    await Promise.all(receivers.map(connect));
  }
  return { close: async () => void (await Promise.all(pullers.map((p) => p.close()))) };
}

/** One node-redis connection per reader, each in an `XREAD BLOCK` loop. */
async function directReaders(
  ctx: BenchContext,
  key: string,
  receivers: Receiver[],
  deadline: number,
  errors: { count: number },
): Promise<Readers> {
  const readers = await Promise.all(
    receivers.map((_, i) => connectRedis(ctx.redisUrl, `bench-direct-reader-${i}`)),
  );
  let stop = false;
  const loops = readers.map(async (client, i) => {
    let last = '0-0';
    while (!stop && Date.now() < deadline) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = await client.sendCommand<[Buffer, [Buffer, Buffer[]][]][] | null>(
          ['XREAD', 'COUNT', '128', 'BLOCK', '200', 'STREAMS', key, last],
          AS_BUFFERS,
        );
      } catch {
        if (!stop) errors.count++;
        return;
      }
      if (!reply) continue;
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          last = id.toString('latin1');
          receivers[i].take(fields[1]);
        }
      }
    }
  });
  return {
    close: async () => {
      stop = true;
      await Promise.race([Promise.all(loops), sleep(1000)]);
      readers.forEach(dropRedis);
    },
  };
}

/** Publishes `spec.count` entries at `spec.rate` and waits until every receiver has them all. */
async function publishTo(
  publisher: Publisher,
  receivers: Receiver[],
  spec: PubSubSpec,
  deadline: number,
): Promise<PacedResult> {
  const publish = await paced(spec.rate, spec.count, deadline, publisher.send, publisher.blocked);
  await waitUntil(
    () => receivers.every((r) => r.received >= publish.sent),
    Math.min(deadline, Date.now() + 10_000),
  );
  return publish;
}

/** One pusher, `pullers` WebSocket pullers from the start of a fresh stream. */
async function gatewayPubSub(
  ctx: BenchContext,
  key: string,
  spec: PubSubSpec,
  countConnections: boolean,
): Promise<GatewayPubSub> {
  const deadline = Date.now() + spec.budgetMs;
  const receivers = Array.from({ length: spec.pullers }, () => new Receiver(spec.count));
  let conns: GatewayPubSub['redisConnections'];
  const readers = await gatewayReaders(
    ctx,
    key,
    receivers,
    countConnections
      ? async (n) => {
          await sleep(300); // let the sessions join the hub (its reader connects lazily)
          const count = await ctx.redisConnections();
          if (n === 1) conns = { onePuller: count, allPullers: null, peak: null };
          else if (conns) conns = { ...conns, allPullers: count, peak: count };
        }
      : undefined,
  );
  const publisher = await gatewayPublisher(ctx, key, spec);
  const window = ctx.sampler.window();
  let peakTimer: NodeJS.Timeout | null = null;
  if (conns) {
    const c = conns;
    peakTimer = setInterval(() => {
      void ctx.redisConnections().then((n) => {
        if (n !== null && (c.peak === null || n > c.peak)) c.peak = n;
      });
    }, 500);
  }
  const publish = await publishTo(publisher, receivers, spec, deadline);
  if (peakTimer) clearInterval(peakTimer);
  const server = window();
  await Promise.all([readers.close(), publisher.close()]);
  return {
    publish,
    receivers,
    ...summarize(receivers, publish.sent),
    server,
    redisConnections: conns,
  };
}

/**
 * The same with node-redis (XADD on one connection, one XREAD BLOCK loop per reader connection),
 * or with the gateway on one side only (`hop`): pushes through it and reads straight from Redis,
 * or the other way round, which shows what each of the gateway's two hops adds.
 */
async function directPubSub(
  ctx: BenchContext,
  key: string,
  spec: PubSubSpec,
  hop: 'none' | 'push' | 'pull' = 'none',
): Promise<DirectPubSub> {
  const deadline = Date.now() + spec.budgetMs;
  const receivers = Array.from({ length: spec.pullers }, () => new Receiver(spec.count));
  const errors = { count: 0 };
  const readers =
    hop === 'pull'
      ? await gatewayReaders(ctx, key, receivers)
      : await directReaders(ctx, key, receivers, deadline, errors);
  const publisher =
    hop === 'push'
      ? await gatewayPublisher(ctx, key, spec)
      : await directPublisher(ctx, key, spec, errors);
  const publish = await publishTo(publisher, receivers, spec, deadline);
  await Promise.all([readers.close(), publisher.close()]);
  return { publish, receivers, ...summarize(receivers, publish.sent), errors: errors.count };
}

function summarize(receivers: Receiver[], sent: number) {
  const delivered = receivers.reduce((s, r) => s + r.received, 0);
  return {
    latency: percentiles(receivers.map((r) => r.latencies())),
    delivered,
    expected: sent * receivers.length,
    outOfOrder: receivers.reduce((s, r) => s + r.outOfOrder, 0),
  };
}

function stripReceivers<T extends { receivers: Receiver[] }>(x: T): Omit<T, 'receivers'> {
  const copy: Partial<T> = { ...x };
  delete copy.receivers;
  return copy as Omit<T, 'receivers'>;
}

export async function latency(ctx: BenchContext, count: number): Promise<WorkloadResult> {
  const spec: PubSubSpec = { size: 100, rate: 500, count, pullers: 1, budgetMs: 60_000 };
  const gw = await gatewayPubSub(ctx, ctx.key('b:gw'), spec, false);
  const direct = await directPubSub(ctx, ctx.key('b:direct'), spec);
  // Where the gateway's latency comes from: each of its two hops alone, the other side direct.
  const pushHop = await directPubSub(ctx, ctx.key('b:push-hop'), spec, 'push');
  const pullHop = await directPubSub(ctx, ctx.key('b:pull-hop'), spec, 'pull');
  const peer = ctx.peer ? await gatewayPubSub(ctx.peer, ctx.key('b:peer'), spec, false) : null;
  for (const label of ['b:gw', 'b:direct', 'b:push-hop', 'b:pull-hop', 'b:peer'])
    await ctx.redis.sendCommand(['DEL', ctx.key(label)]);
  const ms = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
  const rows: Row[] = (['p50', 'p90', 'p99', 'max'] as const).map((q) => {
    const r = ratio(gw.latency[q], direct.latency[q]);
    return {
      workload: 'b latency',
      metric: `500/s x 100 B, ${q} (ms)`,
      gateway: gw.latency[q],
      direct: direct.latency[q],
      ratio: r,
      target: q === 'p99' ? '<= 2x' : '',
      pass: q === 'p99' ? atMost(r, 2) : null,
      note:
        q === 'p50' && gw.delivered < gw.expected
          ? `gateway delivered ${gw.delivered}/${gw.expected}`
          : q === 'p50' && peer && peer.delivered < peer.expected
            ? `peer delivered ${peer.delivered}/${peer.expected}`
            : undefined,
      server: gw.server,
      ...(peer ? { peer: peer.latency[q] } : {}),
    };
  });
  if (peer) {
    const toPeer = ratio(gw.latency.p99, peer.latency.p99);
    rows.push({
      workload: 'b latency',
      metric: 'p99 gateway / peer (ratio)',
      gateway: toPeer,
      direct: null,
      ratio: null,
      target: '<= 1.0',
      pass: atMost(toPeer, 1),
      note: `peer p99 ${ms(peer.latency.p99)} ms, same workload through --peer-url`,
    });
  }
  for (const [side, result] of [
    ['push', pushHop],
    ['pull', pullHop],
  ] as const) {
    rows.push({
      workload: 'b latency',
      metric: `p99 with the gateway on the ${side} side only (ms)`,
      gateway: result.latency.p99,
      direct: direct.latency.p99,
      ratio: ratio(result.latency.p99, direct.latency.p99),
      target: '',
      pass: null,
      note: `p50 ${ms(result.latency.p50)} ms, direct p50 ${ms(direct.latency.p50)} ms`,
    });
  }
  return {
    rows,
    detail: {
      spec,
      gateway: stripReceivers(gw),
      direct: stripReceivers(direct),
      pushHop: stripReceivers(pushHop),
      pullHop: stripReceivers(pullHop),
      peer: peer ? stripReceivers(peer) : null,
    },
  };
}

/**
 * c. Fan-out: one publisher at `rate` x 64 KiB to 20 pullers through the gateway; the same to a
 * single puller (what one connection's latency is on this machine and run); and 20 plain XREAD
 * readers of the same paced stream, straight from Redis (the reference the tail is held to).
 */
export async function fanout(
  ctx: BenchContext,
  count: number,
  rate: number,
): Promise<WorkloadResult> {
  const spec: PubSubSpec = { size: 64 * 1024, rate, count, pullers: 20, budgetMs: 90_000 };
  const name = `c fan-out ${rate}/s`;
  const gw = await gatewayPubSub(ctx, ctx.key(`c${rate}:gw`), spec, true);
  await ctx.redis.sendCommand(['DEL', ctx.key(`c${rate}:gw`)]);
  const single = await gatewayPubSub(ctx, ctx.key(`c${rate}:one`), { ...spec, pullers: 1 }, false);
  await ctx.redis.sendCommand(['DEL', ctx.key(`c${rate}:one`)]);
  const direct = await directPubSub(ctx, ctx.key(`c${rate}:direct`), spec);
  await ctx.redis.sendCommand(['DEL', ctx.key(`c${rate}:direct`)]);
  const peer = ctx.peer
    ? await gatewayPubSub(ctx.peer, ctx.key(`c${rate}:peer`), spec, true)
    : null;
  await ctx.redis.sendCommand(['DEL', ctx.key(`c${rate}:peer`)]);
  const share = (x: { delivered: number; expected: number }) =>
    x.expected > 0 ? (100 * x.delivered) / x.expected : null;
  const fullRate = (p: PacedResult) => p.sent === spec.count && p.rate >= 0.95 * spec.rate;
  const conns = gw.redisConnections;
  const connsPass =
    conns && conns.onePuller !== null && conns.allPullers !== null
      ? conns.allPullers <= conns.onePuller && (conns.peak ?? 0) <= conns.onePuller
      : null;
  const p99 = gw.latency.p99;
  const singleP99 = single.latency.p99;
  const tailPass =
    p99 === null || direct.latency.p99 === null || singleP99 === null
      ? null
      : p99 <= direct.latency.p99 && p99 <= 5 * singleP99;
  const ms = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
  const rows: Row[] = [
    {
      workload: name,
      metric: `${rate}/s x 64 KiB -> 20 pullers, delivered (%)`,
      gateway: share(gw),
      direct: share(direct),
      ratio: ratio(share(gw), share(direct)),
      target: '100 %',
      pass: share(gw) === 100,
      note: gw.outOfOrder > 0 ? `gateway out of order: ${gw.outOfOrder}` : undefined,
      server: gw.server,
      ...(peer ? { peer: share(peer) } : {}),
    },
    {
      workload: name,
      metric: 'publisher rate achieved (msg/s)',
      gateway: gw.publish.rate,
      direct: direct.publish.rate,
      ratio: ratio(gw.publish.rate, direct.publish.rate),
      target: `>= ${0.95 * rate} (full)`,
      pass: fullRate(gw.publish),
      note: gw.publish.sent < spec.count ? `sent ${gw.publish.sent}/${spec.count}` : undefined,
      server: gw.server,
      ...(peer ? { peer: peer.publish.rate } : {}),
    },
    {
      workload: name,
      metric: 'p99 latency, 20 pullers (ms)',
      gateway: p99,
      direct: direct.latency.p99,
      ratio: ratio(p99, direct.latency.p99),
      target: '<= direct, <= 5x single',
      pass: tailPass,
      note:
        `p50 gw ${ms(gw.latency.p50)} direct ${ms(direct.latency.p50)} ms; ` +
        `single-puller p99 ${ms(singleP99)} ms (5x = ${ms(singleP99 === null ? null : 5 * singleP99)})`,
      server: gw.server,
      ...(peer ? { peer: peer.latency.p99 } : {}),
    },
    {
      workload: name,
      metric: 'p99 latency, 1 puller (ms)',
      gateway: singleP99,
      direct: null,
      ratio: null,
      target: '',
      pass: null,
      note:
        `p50 ${ms(single.latency.p50)} ms, delivered ${single.delivered}/${single.expected}` +
        `, server CPU-s per GB ${cpuPerGB(single.server, single.delivered * spec.size)?.toFixed(2) ?? 'n/a'}`,
      server: single.server,
    },
    {
      workload: name,
      metric: 'server CPU-s per GB fanned out',
      gateway: cpuPerGB(gw.server, gw.delivered * spec.size),
      direct: null,
      ratio: null,
      target: '',
      pass: null,
      note: 'server CPU over the 20-puller phase / payload bytes delivered to all pullers',
      server: gw.server,
      ...(peer ? { peer: cpuPerGB(peer.server, peer.delivered * spec.size) } : {}),
    },
    {
      workload: name,
      metric: 'server Redis conns, 1 -> 20 pullers',
      gateway: conns?.allPullers ?? null,
      direct: null,
      ratio: null,
      target: 'no growth',
      pass: connsPass,
      note: conns
        ? `1 puller: ${conns.onePuller}, 20 pullers: ${conns.allPullers}, peak: ${conns.peak}`
        : undefined,
      server: gw.server,
      ...(peer ? { peer: peer.redisConnections?.allPullers ?? null } : {}),
    },
  ];
  return {
    rows,
    detail: {
      spec,
      gateway: stripReceivers(gw),
      singlePuller: stripReceivers(single),
      direct: stripReceivers(direct),
      peer: peer ? stripReceivers(peer) : null,
    },
  };
}

/**
 * d. A puller that never reads (its socket paused right after the handshake) on a stream that
 * gets `count` x 64 KiB, next to a normal puller.
 */
export async function stalled(ctx: BenchContext, count: number): Promise<WorkloadResult> {
  const size = 64 * 1024;
  const rate = 250;
  const deadline = Date.now() + 60_000;
  const key = ctx.key('d:gw');
  const window = ctx.sampler.window();
  const pullUrl = `${ctx.url}/data/${enc(key)}/pull?last_entry_id=0`;
  const stalledWs = await openWs(pullUrl);
  stalledWs.pause();
  let stalledClose: number | null = null;
  stalledWs.on('close', (code) => (stalledClose = code));
  const rx = new Receiver(count);
  const normal = new RawPuller((stamp) => rx.take(stamp));
  await normal.connect(pullUrl);
  const pusher = await openWs(`${ctx.url}/data/${enc(key)}/push`);
  const header = Buffer.from(JSON.stringify([size]));
  const publish = await paced(
    rate,
    count,
    deadline,
    (i) => {
      pusher.send(header, TEXT);
      pusher.send(stamped(size, i), BINARY);
    },
    () => pusher.bufferedAmount >= 8 * size,
  );
  await waitUntil(() => rx.received >= publish.sent, Math.min(deadline, Date.now() + 10_000));
  await sleep(500); // a few more RSS samples after the last entry
  const server = window();
  const closedByServer = stalledClose;
  stalledWs.terminate();
  await Promise.all([normal.close(), closeWs(pusher)]);
  await ctx.redis.sendCommand(['DEL', key]);
  const growth =
    server.rssPeakMB !== null && server.rssStartMB !== null
      ? server.rssPeakMB - server.rssStartMB
      : null;
  const lat = percentiles([rx.latencies()]);
  // Reference for the machine's noise: the same paced stream read by one plain XREAD loop.
  const reference = await directPubSub(ctx, ctx.key('d:direct'), {
    size,
    rate,
    count,
    pullers: 1,
    budgetMs: 60_000,
  });
  await ctx.redis.sendCommand(['DEL', ctx.key('d:direct')]);
  const pushedMiB = (publish.sent * size) / 1024 / 1024;
  return {
    rows: [
      {
        workload: 'd stalled',
        metric: `RSS growth, ${pushedMiB.toFixed(0)} MiB to a stalled puller (MB)`,
        gateway: growth,
        direct: null,
        ratio: null,
        target: '<= 100 MB',
        pass: atMost(growth, 100),
        note:
          closedByServer !== null
            ? `stalled puller closed by server: ${closedByServer}`
            : 'stalled puller stayed connected',
        server,
      },
      {
        workload: 'd stalled',
        metric: 'other puller p99 (ms)',
        gateway: lat.p99,
        direct: reference.latency.p99,
        ratio: ratio(lat.p99, reference.latency.p99),
        target: '< 10 ms',
        pass: lat.p99 === null ? null : lat.p99 < 10 && rx.received === publish.sent,
        note:
          `delivered ${rx.received}/${publish.sent}, p50 ${lat.p50?.toFixed(2)} ms; ` +
          'direct = one XREAD reader, no stalled peer (noise reference)',
        server,
      },
    ],
    detail: {
      size,
      rate,
      count,
      publish,
      normal: { received: rx.received, latency: lat },
      server,
      directReference: stripReceivers(reference),
    },
  };
}

/**
 * e. Catch-up memory: `count` x 4 MiB entries already in a stream, two pullers that ask for all of
 * them (`last_entry_id=0&count=48`) and then never read, and one puller that reads them all. What
 * the server holds for them is bounded in bytes, not in entries.
 */
export async function catchUp(ctx: BenchContext, count: number): Promise<WorkloadResult> {
  const size = 4 * 1024 * 1024;
  const key = ctx.key('e:catchup');
  const entry = Buffer.alloc(size, 7);
  for (let i = 0; i < count; i++) {
    entry.writeUInt32BE(i, 0);
    await ctx.redis.sendCommand(['XADD', key, '*', 'd', entry]);
  }
  await sleep(500);
  const window = ctx.sampler.window();
  const url = `${ctx.url}/data/${enc(key)}/pull?last_entry_id=0&count=48`;
  const stalledPullers = [await openWs(url), await openWs(url)];
  for (const ws of stalledPullers) ws.pause();
  const reader = await openWs(url);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    reader.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return;
      received += (JSON.parse(data.toString()) as unknown[]).length;
      if (received >= count) resolve();
    });
  });
  await withTimeout(done, 60_000, 'catch-up reader');
  await sleep(1000); // the stalled pullers' sockets fill up meanwhile
  const server = window();
  await Promise.all([...stalledPullers.map((ws) => ws.terminate()), closeWs(reader)]);
  await ctx.redis.sendCommand(['DEL', key]);
  const growth =
    server.rssPeakMB !== null && server.rssStartMB !== null
      ? server.rssPeakMB - server.rssStartMB
      : null;
  return {
    rows: [
      {
        workload: 'e catch-up',
        metric: `RSS growth, 2 stalled + 1 reading puller of ${count} x 4 MiB (MB)`,
        gateway: growth,
        direct: null,
        ratio: null,
        target: '<= 50 MB',
        pass: atMost(growth, 50),
        note: `the reader got ${received} entries`,
        server,
      },
    ],
    detail: { count, size },
  };
}

// ---------------------------------------------------------------------------------------------
// g. consumer groups

/** Group consumers (`group=g&consumer=cN`, ack=auto) through the gateway, one receiver each. */
async function gatewayGroupReaders(
  ctx: BenchContext,
  key: string,
  receivers: Receiver[],
): Promise<Readers> {
  const pullers = await Promise.all(
    receivers.map(async (rx, i) => {
      const puller = new RawPuller((stamp) => rx.take(stamp));
      await puller.connect(
        // header=0: one binary frame per entry, which is what the raw reader takes stamps from
        `${ctx.url}/data/${enc(key)}/pull?group=g&consumer=c${i}&last_entry_id=0&count=16&header=0`,
      );
      return puller;
    }),
  );
  return { close: async () => void (await Promise.all(pullers.map((p) => p.close()))) };
}

/** The same with node-redis: one connection per consumer, XREADGROUP BLOCK then XACK. */
async function directGroupReaders(
  ctx: BenchContext,
  key: string,
  receivers: Receiver[],
  deadline: number,
): Promise<Readers> {
  await ctx.redis.sendCommand(['XGROUP', 'CREATE', key, 'g', '0', 'MKSTREAM']);
  const readers = await Promise.all(
    receivers.map((_, i) => connectRedis(ctx.redisUrl, `bench-direct-group-${i}`)),
  );
  let stop = false;
  const loops = readers.map(async (client, i) => {
    const read = ['XREADGROUP', 'GROUP', 'g', `c${i}`, 'COUNT', '16', 'BLOCK', '200'];
    while (!stop && Date.now() < deadline) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = await client.sendCommand([...read, 'STREAMS', key, '>'], AS_BUFFERS);
      } catch {
        return;
      }
      if (!reply) continue;
      const ids: string[] = [];
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          ids.push(id.toString('latin1'));
          receivers[i].take(fields[1]);
        }
      }
      if (ids.length > 0)
        await client.sendCommand(['XACK', key, 'g', ...ids]).catch(() => undefined);
    }
  });
  return {
    close: async () => {
      stop = true;
      await Promise.race([Promise.all(loops), sleep(1000)]);
      readers.forEach(dropRedis);
    },
  };
}

interface GroupRun {
  publish: PacedResult;
  /** Entries the group's consumers got together (each entry should reach one of them once). */
  delivered: number;
  perConsumer: number[];
  /** Entries per second from the first publish to the last entry the group received. */
  deliveryRate: number | null;
  latency: Percentiles;
  plain: { delivered: number; expected: number; latency: Percentiles };
  server?: ResourceWindow;
}

async function groupRun(
  ctx: BenchContext,
  key: string,
  spec: PubSubSpec,
  through: 'gateway' | 'direct',
): Promise<GroupRun> {
  const deadline = Date.now() + spec.budgetMs;
  const group = Array.from({ length: 4 }, () => new Receiver(spec.count));
  const plain = Array.from({ length: spec.pullers }, () => new Receiver(spec.count));
  const errors = { count: 0 };
  const groupReaders =
    through === 'gateway'
      ? await gatewayGroupReaders(ctx, key, group)
      : await directGroupReaders(ctx, key, group, deadline);
  const plainReaders =
    through === 'gateway'
      ? await gatewayReaders(ctx, key, plain)
      : await directReaders(ctx, key, plain, deadline, errors);
  const publisher =
    through === 'gateway'
      ? await gatewayPublisher(ctx, key, spec)
      : await directPublisher(ctx, key, spec, errors);
  const window = through === 'gateway' ? ctx.sampler.window() : null;
  const started = performance.now();
  let lastAt = started;
  const total = () => group.reduce((s, r) => s + r.received, 0);
  const publish = await paced(spec.rate, spec.count, deadline, publisher.send, publisher.blocked);
  const until = Math.min(deadline, Date.now() + 10_000);
  await waitUntil(() => {
    if (total() < publish.sent) return false;
    lastAt = performance.now();
    return true;
  }, until);
  await waitUntil(() => plain.every((r) => r.received >= publish.sent), until);
  const server = window?.();
  await Promise.all([groupReaders.close(), plainReaders.close(), publisher.close()]);
  const delivered = total();
  return {
    publish,
    delivered,
    perConsumer: group.map((r) => r.received),
    deliveryRate: delivered >= publish.sent ? (delivered * 1000) / (lastAt - started) : null,
    latency: percentiles(group.map((r) => r.latencies())),
    plain: {
      delivered: plain.reduce((s, r) => s + r.received, 0),
      expected: publish.sent * plain.length,
      latency: percentiles(plain.map((r) => r.latencies())),
    },
    server,
  };
}

/**
 * g. Consumer groups: 4 consumers of one group (ack=auto) sharing `rate` x 64 KiB, next to 4
 * plain pullers of the same stream; direct = 4 node-redis XREADGROUP BLOCK + XACK loops and 4
 * XREAD loops.
 */
export async function groups(
  ctx: BenchContext,
  count: number,
  rate: number,
): Promise<WorkloadResult> {
  const spec: PubSubSpec = { size: 64 * 1024, rate, count, pullers: 4, budgetMs: 90_000 };
  const name = `g groups ${rate}/s`;
  const gw = await groupRun(ctx, ctx.key('g:gw'), spec, 'gateway');
  await ctx.redis.sendCommand(['DEL', ctx.key('g:gw')]);
  const direct = await groupRun(ctx, ctx.key('g:direct'), spec, 'direct');
  await ctx.redis.sendCommand(['DEL', ctx.key('g:direct')]);
  const share = (r: GroupRun) => (r.publish.sent > 0 ? (100 * r.delivered) / r.publish.sent : null);
  const plainShare = (r: GroupRun) =>
    r.plain.expected > 0 ? (100 * r.plain.delivered) / r.plain.expected : null;
  const ms = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
  const rows: Row[] = [
    {
      workload: name,
      metric: `${rate}/s x 64 KiB -> 4 group consumers, delivered once (%)`,
      gateway: share(gw),
      direct: share(direct),
      ratio: ratio(share(gw), share(direct)),
      target: '100 %',
      pass: gw.delivered === gw.publish.sent,
      note: `per consumer gw ${gw.perConsumer.join('/')}, direct ${direct.perConsumer.join('/')}`,
      server: gw.server,
    },
    {
      workload: name,
      metric: 'group delivery rate (entries/s)',
      gateway: gw.deliveryRate,
      direct: direct.deliveryRate,
      ratio: ratio(gw.deliveryRate, direct.deliveryRate),
      target: '>= 0.95 x publisher',
      pass: atLeast(gw.deliveryRate, 0.95 * gw.publish.rate),
      note: `publisher ${gw.publish.rate.toFixed(0)}/s (direct ${direct.publish.rate.toFixed(0)}/s)`,
      server: gw.server,
    },
    {
      workload: name,
      metric: 'p99 latency, group consumers (ms)',
      gateway: gw.latency.p99,
      direct: direct.latency.p99,
      ratio: ratio(gw.latency.p99, direct.latency.p99),
      target: '',
      pass: null,
      note: `p50 gw ${ms(gw.latency.p50)} direct ${ms(direct.latency.p50)} ms`,
      server: gw.server,
    },
    {
      workload: name,
      metric: '4 plain pullers alongside: delivered (%) / p99 (ms)',
      gateway: plainShare(gw),
      direct: plainShare(direct),
      ratio: ratio(plainShare(gw), plainShare(direct)),
      target: '100 %',
      pass: plainShare(gw) === 100,
      note: `p99 gw ${ms(gw.plain.latency.p99)} direct ${ms(direct.plain.latency.p99)} ms`,
      server: gw.server,
    },
  ];
  return { rows, detail: { spec, gateway: gw, direct } };
}

// ---------------------------------------------------------------------------------------------
// m. record and replay: MCAP export and import

/** Distinct random payloads (JPEG-like: zstd cannot shrink them), cycled. */
function randomPayloads(size: number, n = 8): Buffer[] {
  return Array.from({ length: n }, () => randomBytes(size));
}

/** Fills `key` with `count` entries of `size` random bytes straight into Redis (no MAXLEN). */
async function fillStream(redis: Redis, key: string, size: number, count: number): Promise<void> {
  const payloads = randomPayloads(size);
  const batch = Math.max(1, Math.floor((8 * 1024 * 1024) / size));
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    await Promise.all(
      Array.from({ length: n }, (_, j) =>
        redis.sendCommand(['XADD', key, '*', 'd', payloads[(i + j) % payloads.length]]),
      ),
    );
  }
}

/** Keeps the bench's HTTP connections open between requests, as a client library would. */
const httpAgent = new HttpAgent({ keepAlive: true });

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Bytes of the body (not kept unless `keep`). */
  bytes: number;
  /** The body, with `keep`. */
  body: Buffer | null;
}

/**
 * One HTTP request with `node:http` (the load generator stays cheap: `fetch`'s web streams cost
 * it more CPU per byte than the server spends): the body is counted, written to `into`, or kept
 * (`keep`); `upload` is piped as the request body.
 */
function httpRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    upload?: Readable;
    into?: WriteStream;
    keep?: boolean;
  } = {},
): Promise<HttpAnswer> {
  const headers = {
    ...options.headers,
    ...(BENCH_AUTH ? { authorization: BENCH_AUTH.authorization } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = httpRequestRaw(
      url,
      { method: options.method ?? 'GET', headers, agent: httpAgent },
      (res) => {
        let bytes = 0;
        const kept: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (options.keep) kept.push(chunk);
          if (options.into && !options.into.write(chunk)) {
            res.pause();
            options.into.once('drain', () => res.resume());
          }
        });
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            bytes,
            body: options.keep ? Buffer.concat(kept) : null,
          }),
        );
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    if (options.upload) options.upload.pipe(req);
    else req.end();
  });
}

/** A GET whose body is counted (or written to `into`); fails unless 200. Resolves to its length. */
async function drainBody(url: string, into?: WriteStream): Promise<number> {
  const answer = await httpRequest(url, { into, keep: false });
  if (answer.status !== 200) throw new Error(`GET ${url}: HTTP ${answer.status}`);
  return answer.bytes;
}

/** Reads all of `key` with XRANGE pages of `count` entries: the direct reference of a read. */
async function xrangeAll(redis: Redis, key: string, count: number): Promise<number> {
  let bytes = 0;
  let cursor = '-';
  for (;;) {
    const reply = (await redis.sendCommand(
      ['XRANGE', key, cursor, '+', 'COUNT', String(count)],
      AS_BUFFERS,
    )) as unknown as [Buffer, Buffer[]][];
    for (const [, fields] of reply) bytes += fields[1].length;
    if (reply.length < count) return bytes;
    cursor = `(${reply[reply.length - 1][0].toString()}`;
  }
}

/** `GET /data/{key}?count=10000` from the beginning until an answer comes back empty. */
async function httpPullAll(http: string, key: string): Promise<number> {
  let bytes = 0;
  let cursor = '0';
  for (;;) {
    const res = await httpRequest(`${http}/data/${enc(key)}?last_entry_id=${cursor}&count=10000`);
    if (res.status !== 200) throw new Error(`GET: HTTP ${res.status}`);
    if (res.bytes === 0 && res.headers['entry-offset'] === '[]') return bytes;
    bytes += res.bytes;
    cursor = String(res.headers['x-last-entry-id'] ?? cursor);
  }
}

const httpOf = (ctx: BenchContext) => ctx.url.replace(/^ws/, 'http');
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/**
 * m export: a stream of `count` × `size` random entries exported as MCAP (zstd chunks, which
 * random data leaves uncompressed) and pulled with HTTP GET (count=10000, 8 MiB answers), next
 * to XRANGE pages read straight from Redis. MB/s of payload.
 */
export async function exportThroughput(
  ctx: BenchContext,
  count: number,
  size: number,
): Promise<WorkloadResult> {
  const key = ctx.key('m:export');
  await fillStream(ctx.redis, key, size, count);
  const payload = count * size;
  const http = httpOf(ctx);

  const window = ctx.sampler.window();
  let t0 = performance.now();
  const fileBytes = await drainBody(`${http}/data/${enc(key)}/export`);
  const exportMs = performance.now() - t0;
  const exported = window();

  const pullWindow = ctx.sampler.window();
  t0 = performance.now();
  const pulled = await httpPullAll(http, key);
  const pullMs = performance.now() - t0;
  const pullResources = pullWindow();

  t0 = performance.now();
  const direct = await xrangeAll(ctx.redis, key, Math.max(1, Math.floor((8 << 20) / size)));
  const directMs = performance.now() - t0;
  await ctx.redis.sendCommand(['DEL', key]);

  const directRate = mbps(direct, directMs);
  const exportRate = mbps(payload, exportMs);
  const pullRate = mbps(pulled, pullMs);
  const growth = (w: ResourceWindow) =>
    w.rssPeakMB !== null && w.rssStartMB !== null ? w.rssPeakMB - w.rssStartMB : null;
  return {
    rows: [
      {
        workload: 'm export',
        metric: `MCAP export ${size / 1024} KiB entries (MB/s)`,
        gateway: exportRate,
        direct: directRate,
        ratio: ratio(exportRate, directRate),
        target: '',
        pass: null,
        note: `${(payload / 1e6).toFixed(0)} MB of payload, file ${(fileBytes / 1e6).toFixed(0)} MB; server RSS +${growth(exported)?.toFixed(0) ?? '?'} MB; direct = XRANGE pages`,
        server: exported,
      },
      {
        workload: 'm pull',
        metric: `HTTP GET pull ${size / 1024} KiB entries (MB/s)`,
        gateway: pullRate,
        direct: directRate,
        ratio: ratio(pullRate, directRate),
        target: '',
        pass: pulled === payload ? null : false,
        note: 'count=10000 from 0 until empty (8 MiB answers); direct = XRANGE pages',
        server: pullResources,
      },
    ],
    detail: { count, size, fileBytes, exportMs, pullMs, directMs, exported, pullResources },
  };
}

/**
 * m import: an MCAP file of `count` × `size` random entries (exported first, kept in a temporary
 * file) sent to `POST /data/import` as fast as possible, next to pipelined XADDs of the same
 * payloads straight to Redis. MB/s of payload.
 */
export async function importThroughput(
  ctx: BenchContext,
  count: number,
  size: number,
): Promise<WorkloadResult> {
  const source = ctx.key('m:source');
  await fillStream(ctx.redis, source, size, count);
  const http = httpOf(ctx);
  const dir = await mkdtemp(join(tmpdir(), 'redis-streamer-bench-'));
  const path = join(dir, 'source.mcap');
  try {
    const out = createWriteStream(path);
    await drainBody(`${http}/data/${enc(source)}/export`, out);
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    await ctx.redis.sendCommand(['DEL', source]);
    const prefix = ctx.key('m:import');

    const window = ctx.sampler.window();
    let t0 = performance.now();
    const res = await httpRequest(
      `${http}/data/import?prefix=${enc(prefix)}&as_fast_as_possible=1`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-mcap' },
        upload: createReadStream(path),
        keep: true,
      },
    );
    const answer = JSON.parse(String(res.body)) as {
      streams?: { written: number; bytes: number }[];
    };
    const importMs = performance.now() - t0;
    const imported = window();
    if (res.status !== 200) throw new Error(`import: HTTP ${res.status} ${JSON.stringify(answer)}`);
    const written = answer.streams?.reduce((a, s) => a + s.bytes, 0) ?? 0;
    await ctx.redis.sendCommand(['DEL', `${prefix}${source}`]);

    const direct = ctx.key('m:direct');
    t0 = performance.now();
    await fillStream(ctx.redis, direct, size, count);
    const directMs = performance.now() - t0;
    await ctx.redis.sendCommand(['DEL', direct]);

    const importRate = mbps(written, importMs);
    const directRate = mbps(count * size, directMs);
    return {
      rows: [
        {
          workload: 'm import',
          metric: `MCAP import ${size / 1024} KiB entries (MB/s)`,
          gateway: importRate,
          direct: directRate,
          ratio: ratio(importRate, directRate),
          target: '',
          pass: written === count * size ? null : false,
          note: `as_fast_as_possible, ${(written / 1e6).toFixed(0)} MB written; server RSS peak ${imported.rssPeakMB?.toFixed(0) ?? '?'} MB; direct = pipelined XADD`,
          server: imported,
        },
      ],
      detail: { count, size, importMs, directMs, imported },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * mbig (only with `--only mbig`): a stream of `totalBytes` in 1 MiB entries exported as MCAP,
 * the file read and dropped as it comes: the server's RSS growth over its RSS before the export.
 */
export async function bigExport(ctx: BenchContext, totalBytes: number): Promise<WorkloadResult> {
  const size = 1024 * 1024;
  const count = Math.ceil(totalBytes / size);
  const key = ctx.key('m:big');
  await fillStream(ctx.redis, key, size, count);
  globalThis.gc?.();
  await sleep(1000);
  const window = ctx.sampler.window();
  const t0 = performance.now();
  const fileBytes = await drainBody(`${httpOf(ctx)}/data/${enc(key)}/export`);
  const ms = performance.now() - t0;
  const w = window();
  await ctx.redis.sendCommand(['DEL', key]);
  const growth = w.rssPeakMB !== null && w.rssStartMB !== null ? w.rssPeakMB - w.rssStartMB : null;
  return {
    rows: [
      {
        workload: 'mbig',
        metric: `server RSS growth, ${((count * size) / 2 ** 30).toFixed(2)} GiB MCAP export (MB)`,
        gateway: growth,
        direct: null,
        ratio: null,
        target: '<= 50 MB',
        pass: atMost(growth, 50),
        note: `RSS ${w.rssStartMB?.toFixed(0)} → peak ${w.rssPeakMB?.toFixed(0)} MB; file ${(fileBytes / 1e6).toFixed(0)} MB in ${(ms / 1000).toFixed(1)} s (${mbps(count * size, ms).toFixed(0)} MB/s)`,
        server: w,
      },
    ],
    detail: { count, size, fileBytes, ms, window: w },
  };
}
