/**
 * Building blocks of the benchmark: the server under test as a child process, /proc sampling,
 * WebSocket and node-redis load clients, pacing and percentiles. The bench talks to the server
 * over the network only, like any user; it imports nothing from src/.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, createCluster, RESP_TYPES } from 'redis';
import { WebSocket } from 'ws';
import { BENCH_AUTH } from './auth.js';

export { sleep };

export const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

export type Redis = ReturnType<typeof createClient>;

/**
 * A node-redis client named `name`. `url` may list several comma-separated seeds of a Redis
 * Cluster: the client is then a cluster client used like a single one, `sendCommand(args)`
 * being routed by its key (`commandKey`).
 */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  if (url.includes(',')) return connectCluster(url, name);
  const client = createClient({ url, name, socket: { connectTimeout: 5000 } });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The key a bench command names: after STREAMS in XREAD, after XINFO's subcommand, else first. */
function commandKey(args: string[]): string | undefined {
  const command = args[0].toUpperCase();
  if (command === 'XREAD') return args[args.findIndex((a) => a.toUpperCase() === 'STREAMS') + 1];
  return command === 'XINFO' ? args[2] : args[1];
}

async function connectCluster(seeds: string, name: string): Promise<Redis> {
  const cluster = createCluster({
    rootNodes: seeds.split(',').map((url) => ({ url })),
    defaults: { name, socket: { connectTimeout: 5000 } },
  });
  cluster.on('error', () => undefined);
  await cluster.connect();
  const sendCommand = (args: string[], options?: unknown) =>
    cluster.sendCommand(commandKey(args), false, args, options as undefined);
  return new Proxy(cluster, {
    get: (target, property) => {
      if (property === 'sendCommand') return sendCommand;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as Redis;
}

/** Closes a client without waiting for replies (blocked XREADs are aborted). */
export function dropRedis(client: Redis): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}

/** `entries-added` of XINFO STREAM (0 when the key does not exist yet). */
export async function entriesAdded(redis: Redis, key: string): Promise<number> {
  let reply: unknown[];
  try {
    reply = await redis.sendCommand<unknown[]>(['XINFO', 'STREAM', key]);
  } catch {
    return 0;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) {
    if (String(reply[i]) === 'entries-added') return Number(reply[i + 1]);
  }
  throw new Error('XINFO STREAM has no entries-added (Redis < 7?)');
}

/** Polls `entries-added` until it reaches `target`; resolves to the time it did (or null). */
export async function waitLanded(
  redis: Redis,
  key: string,
  target: number,
  deadline: number,
): Promise<{ at: number | null; added: number }> {
  let added = 0;
  while (Date.now() < deadline) {
    added = await entriesAdded(redis, key);
    if (added >= target) return { at: performance.now(), added };
    await sleep(2);
  }
  return { at: null, added };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Server under test

export interface ServerHandle {
  url: string;
  pid: number | null;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  mainJs: string;
  nodeArgs: string[];
  redisUrl: string;
  maxlen: number;
  logPath: string;
  /** Loaded with --import when profiling: exits cleanly on SIGUSR2 so --cpu-prof is written. */
  exitHook: string;
  /** More environment for the server (e.g. REDIS_CLUSTER). */
  env?: Record<string, string>;
}

export async function spawnServer(opts: SpawnOptions): Promise<ServerHandle> {
  const port = await freePort();
  const profiling = opts.nodeArgs.some((a) => a.startsWith('--cpu-prof') || a.startsWith('--prof'));
  const args = [...opts.nodeArgs, ...(profiling ? ['--import', opts.exitHook] : []), opts.mainJs];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: opts.redisUrl,
      STREAM_MAXLEN: String(opts.maxlen),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...(BENCH_AUTH ? { AUTH_JWT_SECRET: BENCH_AUTH.secret } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(opts.logPath);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = once(child, 'exit');
  const url = `ws://127.0.0.1:${port}`;
  const handle: ServerHandle = {
    url,
    pid: child.pid ?? null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(profiling ? 'SIGUSR2' : 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
  return handle;
}

/**
 * Starts the bare-socket reference (`ws-sink.js`, next to this file) as a child process: a `ws`
 * server that discards what it receives. Its url is `ws://127.0.0.1:<port>`.
 */
export async function spawnSink(sinkJs: string): Promise<ServerHandle> {
  const child = spawn(process.execPath, [sinkJs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const line = text.split('\n', 1)[0];
        if (text.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`ws sink exited (${code})`)));
    }),
    10_000,
    'ws sink start',
  );
  return {
    url: `ws://127.0.0.1:${port}`,
    pid: child.pid ?? null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Waits until a push with ack=1 is answered: server up and connected to Redis. */
export async function waitServerReady(url: string, key: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const ws = await openWs(`${url}/data/${encodeURIComponent(key)}/push?ack=1`, 2000);
      const acked = new Promise<void>((resolve, reject) => {
        ws.once('message', (data: Buffer, isBinary: boolean) =>
          !isBinary && data.toString().startsWith('[')
            ? resolve()
            : reject(new Error(String(data))),
        );
        ws.once('close', (code) => reject(new Error(`closed ${code}`)));
      });
      ws.send('[1]');
      ws.send(Buffer.from('x'));
      await withTimeout(acked, 2000, 'ack');
      ws.close();
      return;
    } catch (err) {
      lastError = (err as Error).message;
      await sleep(200);
    }
  }
  throw new Error(`server not ready after ${timeoutMs} ms: ${lastError}`);
}

// ---------------------------------------------------------------------------------------------
// /proc sampling of the server process

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** RSS and its private part (anonymous pages: heap, buffers; not the node binary's shared pages). */
function readMemoryMB(pid: number): { rss: number; private: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const anon = /RssAnon:\s+(\d+) kB/.exec(status);
    return rss && anon ? { rss: Number(rss[1]) / 1024, private: Number(anon[1]) / 1024 } : null;
  } catch {
    return null;
  }
}

/** Resident memory by kind: anonymous (heap, buffers) and file-backed (the node binary's pages). */
export function readRssKinds(pid: number): { anonMB: number; fileMB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const anon = /RssAnon:\s+(\d+) kB/.exec(status);
    const file = /RssFile:\s+(\d+) kB/.exec(status);
    return anon && file ? { anonMB: Number(anon[1]) / 1024, fileMB: Number(file[1]) / 1024 } : null;
  } catch {
    return null;
  }
}

function readCpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

export interface ResourceWindow {
  cpuSeconds: number | null;
  cpuPercent: number | null;
  rssStartMB: number | null;
  rssPeakMB: number | null;
  rssEndMB: number | null;
  /** CPU-seconds of the load generator (this process) over the window. */
  clientCpuSeconds: number;
  clientCpuPercent: number;
  /** Redis's CPU over the window (every node of a cluster), null when not on this machine. */
  redisCpuSeconds: number | null;
  redisCpuPercent: number | null;
}

/**
 * CPU-seconds used so far by these processes together (`utime + stime` from /proc), or null when
 * one cannot be read (a Redis on another host).
 */
export function cpuSecondsOf(pids: readonly number[]): number | null {
  let ticks = 0;
  for (const pid of pids) {
    const t = readCpuTicks(pid);
    if (t === null) return null;
    ticks += t;
  }
  return pids.length > 0 ? ticks / TICKS_PER_SECOND : null;
}

/**
 * The pid of the Redis behind `redis` when it runs on this machine (`INFO server` names it and
 * /proc shows a redis-server under that pid), else null.
 */
export async function localRedisPid(redis: Redis): Promise<number | null> {
  const info = String(await redis.sendCommand(['INFO', 'server']));
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!Number.isInteger(pid)) return null;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').startsWith('redis') ? pid : null;
  } catch {
    return null;
  }
}

/** Samples the server's RSS every 100 ms for the whole run; windows give per-workload figures. */
export class ProcSampler {
  private timer: NodeJS.Timeout | null = null;
  private windowPeak = 0;
  peakMB = 0;
  /** Peak of the private (anonymous) part of RSS. */
  peakPrivateMB = 0;
  readonly samples: { t: number; rssMB: number; privateMB: number }[] = [];
  private readonly t0 = Date.now();

  constructor(
    private readonly pid: number | null,
    /** CPU-seconds Redis has used so far (null: unknown). */
    private readonly redisCpuSeconds: () => number | null = () => null,
  ) {}

  start(): void {
    if (this.pid === null) return;
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  sample(): number | null {
    if (this.pid === null) return null;
    const memory = readMemoryMB(this.pid);
    if (memory === null) return null;
    const rss = memory.rss;
    if (this.samples.length < 100_000)
      this.samples.push({ t: Date.now() - this.t0, rssMB: rss, privateMB: memory.private });
    if (rss > this.peakMB) this.peakMB = rss;
    if (memory.private > this.peakPrivateMB) this.peakPrivateMB = memory.private;
    if (rss > this.windowPeak) this.windowPeak = rss;
    return rss;
  }

  /** Starts a measurement window; the returned function ends it. */
  window(): () => ResourceWindow {
    const start = performance.now();
    const cpu0 = this.pid === null ? null : readCpuTicks(this.pid);
    const client0 = process.cpuUsage();
    const redis0 = this.redisCpuSeconds();
    const rssStart = this.sample();
    this.windowPeak = rssStart ?? 0;
    return () => {
      const seconds = (performance.now() - start) / 1000;
      const rssEnd = this.sample();
      const cpu1 = this.pid === null ? null : readCpuTicks(this.pid);
      const cpuSeconds = cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / TICKS_PER_SECOND : null;
      const client = process.cpuUsage(client0);
      const clientCpuSeconds = (client.user + client.system) / 1e6;
      const redis1 = this.redisCpuSeconds();
      const redisCpuSeconds = redis0 !== null && redis1 !== null ? redis1 - redis0 : null;
      return {
        cpuSeconds,
        cpuPercent: cpuSeconds === null ? null : (100 * cpuSeconds) / seconds,
        rssStartMB: rssStart,
        rssPeakMB: this.pid === null ? null : this.windowPeak,
        rssEndMB: rssEnd,
        clientCpuSeconds,
        clientCpuPercent: (100 * clientCpuSeconds) / seconds,
        redisCpuSeconds,
        redisCpuPercent: redisCpuSeconds === null ? null : (100 * redisCpuSeconds) / seconds,
      };
    };
  }
}

/**
 * TCP connections from the server process to Redis, from /proc (exact, unaffected by other
 * clients of the shared Redis): socket inodes of /proc/<pid>/fd matched in /proc/net/tcp{,6}.
 */
export function serverRedisConnections(pid: number, redisPorts: number | number[]): number | null {
  const ports = new Set(
    (Array.isArray(redisPorts) ? redisPorts : [redisPorts]).map((p) =>
      p.toString(16).toUpperCase().padStart(4, '0'),
    ),
  );
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((x): x is string => x !== undefined),
    );
  } catch {
    return null;
  }
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      // f[2] = remote address:port, f[3] = state (01 = ESTABLISHED), f[9] = inode
      const remotePort = f[2].slice(f[2].lastIndexOf(':') + 1);
      if (ports.has(remotePort) && f[3] === '01' && inodes.has(f[9])) count++;
    }
  }
  return count;
}

/** Fallback without a pid (--url): CLIENT LIST entries named like the service's connections. */
export async function redisClientsNamed(redis: Redis, prefix: string): Promise<number> {
  const list = await redis.sendCommand<string>(['CLIENT', 'LIST']);
  return String(list)
    .split('\n')
    .filter((l) => l.includes(` name=${prefix}`)).length;
}

// ---------------------------------------------------------------------------------------------
// WebSocket clients

export const TEXT = { binary: false } as const;
export const BINARY = { binary: true } as const;

/**
 * Opens a client WebSocket. Frames are masked as browsers and real clients mask them: `ws`'s
 * default, a fresh random 4-byte key per frame (see `verifyClientMasking`), so the server pays
 * for unmasking every byte it receives, as it does in production.
 */
export function openWs(url: string, timeoutMs = 5000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      maxPayload: 256 * 1024 * 1024,
      headers: BENCH_AUTH ? { authorization: BENCH_AUTH.authorization } : {},
    });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`connect timeout: ${url}`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`HTTP ${res.statusCode} for ${url}`));
    });
  });
}

export function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

/** Resolves when the socket drained, closed, or after `ms`. */
export function waitDrain(ws: WebSocket, ms: number): Promise<void> {
  const socket = rawSocket(ws);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/** Closes politely, then forcibly if the close handshake does not finish within 1 s. */
export async function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = once(ws, 'close');
  try {
    ws.close(1000);
  } catch {
    ws.terminate();
  }
  const timer = setTimeout(() => ws.terminate(), 1000);
  await closed;
  clearTimeout(timer);
}

/**
 * Checks that the bench's client frames are masked with random keys: sends a few frames to the
 * push endpoint and reads the mask bit and key of each from what `ws` writes to its socket.
 * Throws when a frame goes unmasked or keys repeat (a zero or fixed key lets the server skip the
 * per-byte work real clients cost it). Resolves to a one-line description.
 */
export async function verifyClientMasking(url: string, key: string): Promise<string> {
  const ws = await openWs(`${url}/data/${encodeURIComponent(key)}/push`);
  const socket = rawSocket(ws);
  const keys: string[] = [];
  let unmasked = 0;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  // ws writes synchronously; the first chunk of each frame starts with its header (2 bytes
  // for these short frames, then the 4-byte key).
  let frameStart = false;
  socket.write = ((chunk: Buffer, ...rest: unknown[]) => {
    if (frameStart && Buffer.isBuffer(chunk) && chunk.length >= 6) {
      if ((chunk[1] & 0x80) === 0) unmasked++;
      else keys.push(chunk.subarray(2, 6).toString('hex'));
    }
    frameStart = false;
    return write(chunk, ...rest);
  }) as typeof socket.write;
  const frames = 8;
  for (let i = 0; i < frames / 2; i++) {
    frameStart = true;
    ws.send('[64]', TEXT);
    frameStart = true;
    ws.send(Buffer.alloc(64, i), BINARY);
  }
  socket.write = write as typeof socket.write;
  await closeWs(ws);
  const distinct = new Set(keys);
  if (
    unmasked > 0 ||
    keys.length !== frames ||
    distinct.has('00000000') ||
    distinct.size < frames
  ) {
    throw new Error(
      `bench client frames are not masked with random keys: ${unmasked} unmasked, keys ${keys.join(',')}`,
    );
  }
  return `client frames masked, ${distinct.size} distinct random keys in ${frames} frames`;
}

// ---------------------------------------------------------------------------------------------
// Payloads, latency, pacing

/**
 * A payload stamped with its send time (float64 of `performance.now()`, one clock since client
 * and server share the machine) and a sequence number. Always a fresh buffer: sockets keep a
 * reference to queued buffers, so one must not be reused while it may still be queued.
 */
export function stamped(size: number, seq: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(size, 12));
  buf.writeDoubleLE(performance.now(), 0);
  buf.writeUInt32LE(seq, 8);
  return buf;
}

/** Collects latencies and per-reader order checks for stamped payloads. */
export class Receiver {
  received = 0;
  outOfOrder = 0;
  private lastSeq = -1;
  private readonly lat: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.lat = new Float64Array(capacity);
  }

  take(payload: Buffer): void {
    if (payload.length < 12) return;
    const now = performance.now();
    const seq = payload.readUInt32LE(8);
    if (seq <= this.lastSeq) this.outOfOrder++;
    this.lastSeq = seq;
    this.received++;
    if (this.n < this.lat.length) this.lat[this.n++] = now - payload.readDoubleLE(0);
  }

  latencies(): Float64Array {
    return this.lat.subarray(0, this.n);
  }
}

export interface Percentiles {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export function percentiles(parts: Float64Array[]): Percentiles {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const all = new Float64Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  all.sort();
  const at = (q: number) =>
    total === 0 ? null : all[Math.min(total - 1, Math.ceil(q * total) - 1)];
  return {
    n: total,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: total ? all[total - 1] : null,
  };
}

export interface PacedResult {
  sent: number;
  /** Messages per second achieved between the first and the last send. */
  rate: number;
  elapsedMs: number;
}

/**
 * Sends `count` messages at `rate` per second (catching up in bursts after a late timer), never
 * while `blocked()` says the transport is backed up, and never past `deadline`.
 */
export async function paced(
  rate: number,
  count: number,
  deadline: number,
  send: (i: number) => void,
  blocked: () => boolean,
): Promise<PacedResult> {
  const interval = 1000 / rate;
  const t0 = performance.now();
  let last = t0;
  let i = 0;
  while (i < count && Date.now() < deadline) {
    const due = Math.min(count, Math.floor((performance.now() - t0) / interval) + 1);
    while (i < due && !blocked()) {
      send(i++);
      last = performance.now();
    }
    if (i >= count) break;
    const wait = blocked() ? 1 : t0 + i * interval - performance.now();
    await sleep(Math.max(1, Math.floor(wait)));
  }
  const elapsedMs = last - t0;
  return { sent: i, rate: i > 1 && elapsedMs > 0 ? ((i - 1) * 1000) / elapsedMs : 0, elapsedMs };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// A minimal WebSocket reader for pullers

/**
 * A pull client on a raw TCP socket with a minimal frame parser: it never assembles payloads,
 * it only copies the 12-byte stamp at the start of each binary message and skips the rest. With
 * 20 pullers of 64 KiB messages at 500/s (640 MB/s), `ws`'s per-message concatenation would make
 * the load generator, not the server, the bottleneck on a 2-core machine.
 */
export class RawPuller {
  private socket: Socket | null = null;
  private readonly head = Buffer.alloc(14);
  private headLen = 0;
  private remaining = 0;
  private opcode = 0;
  private messageBinary = false;
  private readonly stamp = Buffer.alloc(12);
  private stampLen = 0;
  private stampDone = true;
  closed = false;

  constructor(private readonly onMessage: (stamp: Buffer) => void) {}

  connect(wsUrl: string, timeoutMs = 5000): Promise<void> {
    const url = new URL(wsUrl);
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timeout: ${wsUrl}`));
      }, timeoutMs);
      let handshake = Buffer.alloc(0);
      const onHandshake = (chunk: Buffer) => {
        handshake = Buffer.concat([handshake, chunk]);
        const end = handshake.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.off('data', onHandshake);
        const status = handshake.subarray(0, handshake.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101/.test(status)) {
          socket.destroy();
          reject(new Error(`${status} for ${wsUrl}`));
          return;
        }
        socket.on('data', (c: Buffer) => this.parse(c));
        const rest = handshake.subarray(end + 4);
        if (rest.length) this.parse(rest);
        resolve();
      };
      socket.on('data', onHandshake);
      socket.once('error', (err) => {
        clearTimeout(timer);
        this.closed = true;
        reject(err);
      });
      socket.once('close', () => (this.closed = true));
      socket.connect(Number(url.port), url.hostname, () => {
        const key = Buffer.from(Array.from({ length: 16 }, () => (Math.random() * 256) | 0));
        socket.write(
          `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
            'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
            (BENCH_AUTH ? `Authorization: ${BENCH_AUTH.authorization}\r\n` : '') +
            `Sec-WebSocket-Key: ${key.toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  /** Sends a (masked, as clients must) close frame and ends the socket. */
  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closed) return;
    const done = once(socket, 'close');
    socket.end(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
    const timer = setTimeout(() => socket.destroy(), 1000);
    await done;
    clearTimeout(timer);
  }

  private parse(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        if (!this.stampDone && this.messageBinary) {
          const n = Math.min(12 - this.stampLen, take);
          chunk.copy(this.stamp, this.stampLen, i, i + n);
          this.stampLen += n;
          if (this.stampLen === 12) {
            this.stampDone = true;
            this.onMessage(this.stamp);
          }
        }
        this.remaining -= take;
        i += take;
        continue;
      }
      // frame header: 2 bytes, then 0/2/8 bytes of extended length (server frames are unmasked)
      this.head[this.headLen++] = chunk[i++];
      if (this.headLen < 2) continue;
      const len7 = this.head[1] & 0x7f;
      const need = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      if (this.headLen < need) continue;
      const length =
        len7 === 126
          ? this.head.readUInt16BE(2)
          : len7 === 127
            ? Number(this.head.readBigUInt64BE(2))
            : len7;
      this.opcode = this.head[0] & 0x0f;
      this.headLen = 0;
      if (this.opcode === 1 || this.opcode === 2) {
        this.messageBinary = this.opcode === 2;
        this.stampLen = 0;
        this.stampDone = !this.messageBinary || length === 0;
      } else if (this.opcode === 8) {
        this.socket?.destroy();
        this.closed = true;
        return;
      } else if (this.opcode === 9 && length === 0) {
        this.socket?.write(Buffer.from([0x8a, 0x80, 0, 0, 0, 0])); // pong
      }
      this.remaining = length;
    }
  }
}
