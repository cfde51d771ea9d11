/**
 * `npm run bench [-- options]`: the gateway next to plain node-redis, same workloads, same run.
 *
 *   --quick              smoke run (a few hundred messages per workload; targets not enforced)
 *   --only a,b,c,d       run only these workloads (a = push throughput: a1, a8, a256k,
 *                        a256k8; b = latency; c = fan-out: c200, c500; d = stalled reader;
 *                        e = catch-up memory; g = consumer groups next to plain pullers;
 *                        m = MCAP record/replay: mexp, mimp; mbig = a 2 GiB export's RSS, only by name;
 *                        s = synchronized pulls and decimation: s1 pairing, s2 history, s3 live,
 *                        f = Foxglove viewers: seek, pacing, live fan-out next to pullers)
 *   --url ws://h:p       target a running server instead of starting dist/main.js
 *   --redis-url URL      Redis for the started server and the direct runs
 *                        (default $REDIS_URL or redis://127.0.0.1:6379)
 *   --maxlen N           STREAM_MAXLEN of the started server and the direct XADDs (default 1000)
 *   --server-args="..."  node flags for the started server (note the =), e.g.
 *                        "--cpu-prof --cpu-prof-dir=/tmp/prof" (also $BENCH_SERVER_ARGS); they
 *                        follow the node flags of package.json's `start:prod`, which the server
 *                        always gets (it runs as in production)
 *   --json PATH          where to write the results (default bench/results/<timestamp>.json)
 *   --peer-url ws://h:p  another service on the same Redis (e.g. the original, started with
 *                        ../shared/peers/run-original.sh): push, latency and fan-out run through
 *                        it too; its figures fill the table's peer columns
 *   --peer-pid PID       the peer's pid, for its RSS (idle, peak) and CPU figures
 *   --no-sink            leave out the bare `ws` sink the push workloads also measure
 *   --cluster            then the push (a1, a256k) and fan-out (c200, c500) workloads that
 *                        --only selects again, on a throwaway 3-master Redis Cluster (gateway with REDIS_CLUSTER=true and
 *                        direct node-redis cluster clients); rows named cluster:<workload>
 *
 * Exits 0 whenever the run completed, also with FAIL rows; 1 when it could not run.
 */
import { foxglove } from './foxglove.js';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  connectRedis,
  cpuSecondsOf,
  dropRedis,
  localRedisPid,
  ProcSampler,
  readRssKinds,
  redisClientsNamed,
  serverRedisConnections,
  ServerHandle,
  sleep,
  spawnServer,
  SpawnOptions,
  spawnSink,
  verifyClientMasking,
  waitServerReady,
} from './lib.js';
import { RedisCluster } from '../test/support/redis-cluster.js';
import { RedisServer } from '../test/support/redis-server.js';
import {
  BenchContext,
  fanout,
  groups,
  latency,
  pushThroughput,
  exportThroughput,
  importThroughput,
  bigExport,
  Row,
  stalled,
  catchUp,
  WorkloadResult,
} from './workloads.js';
import { historyDecimation, liveDecimation, syncPairing } from './sync-workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
// Compiled to dist-bench/bench/run.js; the project root is two levels up.
const root = join(here, '..', '..');

/** Per workload: messages in a full run and in a smoke run. */
const COUNTS = {
  push100: { full: 200_000, quick: 300 },
  push256k: { full: 2_000, quick: 50 },
  latency: { full: 5_000, quick: 300 },
  fanout500: { full: 5_000, quick: 200 },
  fanout200: { full: 3_000, quick: 100 },
  stalled: { full: 800, quick: 100 },
  catchUp: { full: 48, quick: 8 },
  groups: { full: 3_000, quick: 100 },
  record256k: { full: 1_000, quick: 50 },
  bigExportMiB: { full: 2_048, quick: 64 },
  syncSeconds: { full: 60, quick: 5 },
  historyMinutes: { full: 10, quick: 1 },
  liveSeconds: { full: 20, quick: 5 },
  foxgloveLive: { full: 600, quick: 60 },
};

function parse() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      'redis-url': { type: 'string' },
      maxlen: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      json: { type: 'string' },
      'server-args': { type: 'string' },
      cluster: { type: 'boolean', default: false },
      'peer-url': { type: 'string' },
      'peer-pid': { type: 'string' },
      'no-sink': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const only = new Set(
    (values.only ?? 'a,b,c,d,e,g,m,s,f')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const known = ['a', 'b', 'c', 'd', 'e', 'g', 'm', 'a1', 'a8', 'a256k', 'a256k8', 'c200', 'c500'];
  known.push('mexp', 'mimp', 'mbig', 's', 's1', 's2', 's3', 'f');
  for (const w of only)
    if (!known.includes(w)) throw new Error(`--only ${w}? (${known.join(',')})`);
  const serverArgs = (values['server-args'] ?? process.env.BENCH_SERVER_ARGS ?? '')
    .split(/\s+/)
    .filter(Boolean);
  return {
    url: values.url?.replace(/^http/, 'ws').replace(/\/$/, ''),
    redisUrl: values['redis-url'] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    maxlen: Number(values.maxlen ?? process.env.STREAM_MAXLEN ?? 1000),
    quick: values.quick ?? false,
    only,
    json: values.json,
    serverArgs,
    cluster: values.cluster ?? false,
    peerUrl: values['peer-url']?.replace(/^http/, 'ws').replace(/\/$/, ''),
    peerPid: values['peer-pid'] === undefined ? null : Number(values['peer-pid']),
    sink: !values['no-sink'],
  };
}

/** The node flags of `npm run start:prod` (`node --flag … dist/main.js`). */
function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const command = pkg.scripts?.['start:prod'] ?? '';
  return command.split(/\s+/).filter((word) => word.startsWith('--'));
}

function fmt(v: number | null, digits = 0): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

function ratio(gw: number | null, reference: number | null): number | null {
  return gw !== null && reference !== null && reference > 0 ? gw / reference : null;
}

function fmtMetric(row: Row, v: number | null): string {
  const ms =
    row.metric.includes('(ms)') || row.metric.includes('CPU-s') || row.metric.includes('(ratio)');
  return fmt(v, ms ? 2 : row.metric.includes('(%)') || row.metric.includes('(MB)') ? 1 : 0);
}

function table(rows: Row[], quick: boolean): string {
  // The reference columns appear when some row has them: the bare ws sink, the peer service.
  const sink = rows.some((r) => r.sink !== undefined);
  const peer = rows.some((r) => r.peer !== undefined);
  const head = [
    'workload',
    'metric',
    'gateway',
    'direct',
    'gw/direct',
    ...(sink ? ['ws sink', 'gw/sink'] : []),
    ...(peer ? ['peer', 'gw/peer'] : []),
    'target',
    'result',
    'srv CPU%',
    'srv RSS MB',
    'load',
    'note',
  ];
  const times = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)}x`);
  const reference = (r: Row, v: number | null | undefined) =>
    v === undefined ? ['', ''] : [fmtMetric(r, v), times(ratio(r.gateway, v))];
  let lastWorkload = '';
  const body = rows.map((r) => {
    const first = r.workload !== lastWorkload;
    lastWorkload = r.workload;
    const result = r.pass === null ? (r.target ? 'n/a' : '') : r.pass ? 'pass' : 'FAIL';
    return [
      r.workload,
      r.metric,
      fmtMetric(r, r.gateway),
      fmtMetric(r, r.direct),
      times(r.ratio),
      ...(sink ? reference(r, r.sink) : []),
      ...(peer ? reference(r, r.peer) : []),
      r.target,
      quick && result === 'FAIL' ? 'fail*' : result,
      first && r.server ? fmt(r.server.cpuPercent) : '',
      first && r.server ? fmt(r.server.rssPeakMB) : '',
      first && r.load !== undefined ? r.load.toFixed(1) : '',
      r.note ?? '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const left = new Set(['workload', 'metric', 'target', 'result', 'note']);
  const right = new Set(head.flatMap((h, i) => (left.has(h) ? [] : [i])));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(head), sep, ...body.map(line)].join('\n');
}

async function main(): Promise<number> {
  const opts = parse();
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const run = `${stamp}-${randomBytes(3).toString('hex')}`;
  const redisPort = Number(new URL(opts.redisUrl).port || 6379);
  const keys = new Set<string>();
  const key = (label: string) => {
    const k = `bench:${run}:${label}`;
    keys.add(k);
    return k;
  };

  const redis = await connectRedis(opts.redisUrl, 'bench-control');
  let server: ServerHandle | null = null;
  const serverLog = join(tmpdir(), `redis-streamer-bench-${run}.log`);
  const results: Results = { rows: [], details: {}, errors: {}, loads: {} };
  const { rows, details, errors, loads } = results;
  const loadAtStart = loadavg()[0];
  let sampler = new ProcSampler(null);
  let sink: ServerHandle | null = null;
  const peerSampler = new ProcSampler(opts.peerPid);
  let masking = 'not checked';
  try {
    if (opts.url) {
      server = { url: opts.url, pid: null, stop: async () => undefined };
    } else {
      server = await spawnServer({
        // BENCH_SERVER_MAIN: another build of the server, for before/after comparisons.
        mainJs: process.env.BENCH_SERVER_MAIN ?? join(root, 'dist', 'main.js'),
        nodeArgs: [...productionNodeFlags(), ...opts.serverArgs],
        redisUrl: opts.redisUrl,
        maxlen: opts.maxlen,
        logPath: serverLog,
        exitHook: join(here, 'exit-hook.js'),
      });
    }
    await waitServerReady(server.url, key('ready'), 90_000); // start-up is slow on a loaded box
    const redisPid = await localRedisPid(redis);
    sampler = new ProcSampler(server.pid, () =>
      redisPid === null ? null : cpuSecondsOf([redisPid]),
    );
    // Idle after start: ready, one entry pushed, a moment to settle, nothing else yet.
    await sleep(opts.quick ? 500 : 3000);
    const idleMB = sampler.sample();
    const idleKinds = server.pid !== null ? readRssKinds(server.pid) : null;
    const peerIdle = opts.peerPid !== null ? readRssKinds(opts.peerPid) : null;
    const peerIdleMB = peerSampler.sample();
    sampler.start();
    peerSampler.start();
    masking = await verifyClientMasking(server.url, key('mask'));
    if (server.pid !== null) {
      rows.push({
        workload: 'idle',
        metric: 'server RSS idle after start (MB)',
        gateway: idleMB,
        direct: null,
        ratio: null,
        target: '-',
        pass: null,
        note: idleKinds
          ? `file-backed ${idleKinds.fileMB.toFixed(0)} MB (node binary, shared)`
          : undefined,
        ...(opts.peerPid !== null ? { peer: peerIdleMB } : {}),
      });
      rows.push({
        workload: 'idle',
        metric: 'server private memory idle after start (MB)',
        gateway: idleKinds?.anonMB ?? null,
        direct: null,
        ratio: null,
        target: '<= 60 MB',
        pass: idleKinds ? idleKinds.anonMB <= 60 : null,
        note: 'anonymous RSS: heap, buffers, allocator',
        ...(opts.peerPid !== null ? { peer: peerIdle?.anonMB ?? null } : {}),
      });
    }
    const pid = server.pid;
    const pushing = ['a', 'a1', 'a8', 'a256k', 'a256k8'].some((w) => opts.only.has(w));
    if (opts.sink && pushing) sink = await spawnSink(join(here, 'ws-sink.js'));
    const ctx: BenchContext = {
      url: server.url,
      redisUrl: opts.redisUrl,
      redis,
      maxlen: opts.maxlen,
      quick: opts.quick,
      sampler,
      key,
      redisConnections: async () =>
        pid !== null
          ? serverRedisConnections(pid, redisPort)
          : redisClientsNamed(redis, 'redis-streamer:'),
      sink: sink ? { url: sink.url, sampler: new ProcSampler(sink.pid) } : undefined,
    };
    if (opts.peerUrl) {
      const peerPid = opts.peerPid;
      ctx.peer = {
        ...ctx,
        url: opts.peerUrl,
        sampler: peerSampler,
        redisConnections: async () =>
          peerPid !== null ? serverRedisConnections(peerPid, redisPort) : null,
      };
    }
    const n = (k: keyof typeof COUNTS) => (opts.quick ? COUNTS[k].quick : COUNTS[k].full);
    const gc = (globalThis as { gc?: () => void }).gc;
    const isolated: Isolated = (label, run) => onPrivateRedis(opts, key, label, ctx, run);
    const steps = workloads(ctx, n, isolated);
    for (const [letter, name, step] of steps) {
      if (!opts.only.has(letter) && !opts.only.has(name)) continue;
      gc?.();
      await runWorkload(results, name, step);
    }
    if (opts.cluster) {
      process.stderr.write('starting a 3-master Redis Cluster for the cluster rows ...\n');
      await onCluster(opts, key, n, results);
    }
    if (server.pid !== null) {
      rows.push({
        workload: 'all',
        metric: 'server peak RSS over the run (MB)',
        gateway: sampler.peakMB,
        direct: null,
        ratio: null,
        target: '<= 150 MB',
        pass: sampler.peakMB <= 150,
        ...(opts.peerPid !== null ? { peer: peerSampler.peakMB } : {}),
      });
      rows.push({
        workload: 'all',
        metric: 'server peak private memory over the run (MB)',
        gateway: sampler.peakPrivateMB,
        direct: null,
        ratio: null,
        target: '-',
        pass: null,
        ...(opts.peerPid !== null ? { peer: peerSampler.peakPrivateMB } : {}),
      });
    }
  } finally {
    sampler.stop();
    peerSampler.stop();
    await sink?.stop();
    await server?.stop();
    for (const k of keys) await redis.sendCommand(['DEL', k]).catch(() => undefined);
    dropRedis(redis);
  }

  const text = table(rows, opts.quick);
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  console.log(
    `\nredis-streamer bench (${opts.quick ? 'smoke run: targets reported, not enforced' : 'full run'})` +
      `, ${cpus().length} cores (${cpuModel}), load generator in this one process on the same cores`,
  );
  console.log(
    `machine load average (1 min): ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end` +
      ' (above ~1 means other processes competed for the two cores)',
  );
  console.log(
    'gw/direct = gateway / direct for every row: throughput wants >= target, latency <= target.',
  );
  console.log(`${masking}; load = 1-min load average when the workload started`);
  if (sink) console.log('ws sink = a bare `ws` server that discards what it receives (push rows)');
  if (opts.peerUrl)
    console.log(
      `peer = ${opts.peerUrl}${opts.peerPid !== null ? ` (pid ${opts.peerPid})` : ''}, same workloads (push, latency, fan-out), same Redis`,
    );
  if (!opts.url) {
    const flags = [...productionNodeFlags(), ...opts.serverArgs].join(' ');
    console.log(
      `server: node ${flags ? `${flags} ` : ''}${process.env.BENCH_SERVER_MAIN ?? 'dist/main.js'}`,
    );
  }
  console.log(text);
  // Where the machine's cores went in each gateway phase: the load generator (this process),
  // the server and Redis share them, so a phase near 100 % x cores is bound by the box.
  const phaseCpu = rows
    .filter((r) => r.server)
    .map((r) => {
      const w = r.server!;
      const parts = [w.clientCpuPercent, w.cpuPercent, w.redisCpuPercent];
      const sum = parts.every((v) => v !== null) ? parts.reduce((a, b) => a! + b!, 0) : null;
      return (
        `${r.workload}: ${fmt(w.clientCpuPercent)} + ${fmt(w.cpuPercent)} + ` +
        `${fmt(w.redisCpuPercent)} = ${fmt(sum)}%`
      );
    });
  console.log(
    `CPU of the gateway phases, load generator + server + Redis (% of one core, ${cpus().length} cores): ` +
      [...new Set(phaseCpu)].join(', '),
  );
  if (Object.keys(errors).length) console.log('errors:', errors);

  const jsonPath = opts.json ?? join(root, 'bench', 'results', `${stamp}.json`);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(
    jsonPath,
    JSON.stringify(
      {
        run,
        startedAt: started.toISOString(),
        mode: opts.quick ? 'quick' : 'full',
        target: opts.url ?? 'spawned dist/main.js',
        peer: opts.peerUrl ?? null,
        serverArgs: opts.url ? [] : [...productionNodeFlags(), ...opts.serverArgs],
        redisUrl: opts.redisUrl,
        maxlen: opts.maxlen,
        loadAverageAtWorkloadStart: loads,
        machine: { cores: cpus().length, cpu: cpuModel, loadavg: loadavg(), node: process.version },
        rows,
        details,
        errors,
        serverPeakRssMB: server?.pid ? sampler.peakMB : null,
        clientMasking: masking,
        rssSamples: sampler.samples,
        serverLog: opts.url ? null : serverLog,
      },
      null,
      2,
    ),
  );
  console.log(`results: ${jsonPath}`);
  return 0;
}

/**
 * The push and fan-out workloads on a throwaway 3-master Redis Cluster: a second server with
 * REDIS_CLUSTER=true, and the direct runs with node-redis cluster clients. The cluster's nodes
 * are this run's own processes, stopped (by pid) at the end.
 */
async function onCluster(
  opts: ReturnType<typeof parse>,
  key: (label: string) => string,
  n: (k: keyof typeof COUNTS) => number,
  results: Results,
): Promise<void> {
  const cluster = await RedisCluster.start();
  const redis = await connectRedis(cluster.url, 'bench-control');
  let server: ServerHandle | null = null;
  try {
    server = await spawnServer({
      ...serverOptions(opts, cluster.url, 'cluster', opts.maxlen),
      env: { REDIS_CLUSTER: 'true' },
    });
    await waitServerReady(server.url, key('cluster-ready'), 90_000);
    const pid = server.pid;
    const ports = cluster.nodes.map((node) => node.port);
    const ctx: BenchContext = {
      url: server.url,
      redisUrl: cluster.url,
      redis,
      maxlen: opts.maxlen,
      quick: opts.quick,
      sampler: new ProcSampler(pid, () =>
        cpuSecondsOf(cluster.nodes.flatMap((node) => node.pid ?? [])),
      ),
      key,
      redisConnections: async () => (pid !== null ? serverRedisConnections(pid, ports) : null),
    };
    const notIsolated: Isolated = () => Promise.reject(new Error('not on the cluster'));
    for (const [letter, name, step] of workloads(ctx, n, notIsolated)) {
      if (!CLUSTER_WORKLOADS.has(name) || (!opts.only.has(letter) && !opts.only.has(name)))
        continue;
      await runWorkload(results, name, step, 'cluster:');
    }
  } finally {
    await server?.stop();
    dropRedis(redis);
    await cluster.stop();
  }
}

/** A second server of the run (over another Redis), started like the first. */
function serverOptions(
  opts: ReturnType<typeof parse>,
  redisUrl: string,
  label: string,
  maxlen: number,
): SpawnOptions {
  return {
    mainJs: process.env.BENCH_SERVER_MAIN ?? join(root, 'dist', 'main.js'),
    nodeArgs: [...productionNodeFlags(), ...opts.serverArgs],
    redisUrl,
    maxlen,
    logPath: join(tmpdir(), `redis-streamer-bench-${label}-${process.pid}.log`),
    exitHook: join(here, 'exit-hook.js'),
  };
}

/** Runs a workload on a server of its own over a private Redis (see `onPrivateRedis`). */
type Isolated = <T>(label: string, run: (ctx: BenchContext) => Promise<T>) => Promise<T>;

/**
 * A workload whose Redis command counts must be its own (INFO commandstats deltas): a
 * throwaway redis-server and a second gateway on it, stopped (by pid) at the end.
 */
async function onPrivateRedis<T>(
  opts: ReturnType<typeof parse>,
  key: (label: string) => string,
  label: string,
  ctx: BenchContext,
  run: (ctx: BenchContext) => Promise<T>,
): Promise<T> {
  const redisServer = await RedisServer.start();
  const redis = await connectRedis(redisServer.url, 'bench-control');
  let server: ServerHandle | null = null;
  try {
    server = await spawnServer(serverOptions(opts, redisServer.url, label, 0));
    await waitServerReady(server.url, key(`${label}-ready`), 90_000);
    return await run({ ...ctx, url: server.url, redisUrl: redisServer.url, redis });
  } finally {
    await server?.stop();
    dropRedis(redis);
    await redisServer.dispose();
  }
}

/** What a run collected: table rows, details and errors by workload, load at each start. */
interface Results {
  rows: Row[];
  details: Record<string, unknown>;
  errors: Record<string, string>;
  /** 1-minute load average when each workload started: other work on the machine skews results. */
  loads: Record<string, number>;
}

/** The workloads, as [group letter, name, run]; `--only` takes either. */
function workloads(
  ctx: BenchContext,
  n: (k: keyof typeof COUNTS) => number,
  isolated: Isolated,
): [string, string, () => Promise<WorkloadResult>][] {
  return [
    ['a', 'a1', () => pushThroughput(ctx, '100B-1', 100, 1, n('push100'), 60_000, 0.5)],
    ['a', 'a8', () => pushThroughput(ctx, '100B-8', 100, 8, n('push100'), 60_000, 0.5)],
    [
      'a',
      'a256k',
      () => pushThroughput(ctx, '256KiB-1', 256 * 1024, 1, n('push256k'), 60_000, 0.8),
    ],
    [
      'a',
      'a256k8',
      () => pushThroughput(ctx, '256KiB-8', 256 * 1024, 8, n('push256k'), 60_000, 0.8),
    ],
    ['b', 'b', () => latency(ctx, n('latency'))],
    ['c', 'c200', () => fanout(ctx, n('fanout200'), 200)],
    ['c', 'c500', () => fanout(ctx, n('fanout500'), 500)],
    ['d', 'd', () => stalled(ctx, n('stalled'))],
    ['e', 'e', () => catchUp(ctx, n('catchUp'))],
    ['g', 'g', () => groups(ctx, n('groups'), 500)],
    ['m', 'mexp', () => exportThroughput(ctx, n('record256k'), 256 * 1024)],
    ['m', 'mimp', () => importThroughput(ctx, n('record256k'), 256 * 1024)],
    // Only by name: it puts 2 GiB into Redis for a while.
    ['mbig', 'mbig', () => bigExport(ctx, n('bigExportMiB') * 1024 * 1024)],
    ['s', 's1', () => syncPairing(ctx, n('syncSeconds'))],
    // On a private Redis: its command counts are the workload's own.
    ['s', 's2', () => isolated('s2', (own) => historyDecimation(own, n('historyMinutes')))],
    ['s', 's3', () => liveDecimation(ctx, n('liveSeconds'))],
    ['f', 'f', () => foxglove(ctx, n('foxgloveLive'))],
  ];
}

/** The workloads `--cluster` runs again on a cluster: push and fan-out. */
const CLUSTER_WORKLOADS = new Set(['a1', 'a256k', 'c200', 'c500']);

/**
 * Runs one workload into `results`, its rows' workload names prefixed with `prefix`; a workload
 * that throws becomes an error row.
 */
async function runWorkload(
  results: Results,
  name: string,
  step: () => Promise<WorkloadResult>,
  prefix = '',
): Promise<void> {
  const label = `${prefix}${name}`;
  const load = loadavg()[0];
  process.stderr.write(`running ${label} ... (load average ${load.toFixed(2)})\n`);
  results.loads[label] = load;
  try {
    const result = await step();
    results.rows.push(
      ...result.rows.map((r) => ({ ...r, workload: `${prefix}${r.workload}`, load })),
    );
    results.details[label] = result.detail;
  } catch (err) {
    results.errors[label] = (err as Error).stack ?? String(err);
    results.rows.push({
      workload: label,
      metric: 'error',
      gateway: null,
      direct: null,
      ratio: null,
      target: '',
      pass: false,
      note: (err as Error).message,
    });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
