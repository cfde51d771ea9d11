import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { AckedPusher } from './support/pusher.js';
import { connectRedis, readEntries, uniqueKey } from './support/redis.js';
import { freePort, RedisServer } from './support/redis-server.js';
import { expectEventually, TestSocket } from './support/ws.js';

/**
 * The built service as a real process (`node dist/main.js`) against a private redis-server:
 * JSON logs on stdout, and a graceful shutdown on SIGTERM while a pusher is sending.
 */

const SHUTDOWN_TIMEOUT_MS = 5000;

interface LogLine {
  level: number;
  msg: string;
  context?: string;
  req?: { url: string };
  res?: { statusCode: number };
}

describe('the service process', () => {
  let redisServer: RedisServer;
  let child: ChildProcess;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let http: string;
  let ws: string;
  const stdout: string[] = [];

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { timeout: 120_000 });
    redisServer = await RedisServer.start();
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    ws = `ws://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['dist/main.js'], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redisServer.url,
        LOG_LEVEL: 'debug',
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      stdout.push(...lines.filter((l) => l !== ''));
    });
    exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await expectEventually(async () => (await fetch(`${http}/readyz`)).status === 200, 20_000);
  }, 150_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await redisServer?.dispose();
  });

  const logs = (): LogLine[] => stdout.map((line) => JSON.parse(line) as LogLine);

  it('logs JSON lines, requests but not probes or scrapes', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/no-such-page', '/graphql']) {
      await (await fetch(`${http}${path}`, { headers: { accept: 'text/html' } })).arrayBuffer();
    }
    const lines = await expectEventually(() => {
      const all = logs();
      return all.some((l) => l.req?.url === '/graphql') ? all : false;
    });
    expect(lines.find((l) => l.context === 'Bootstrap')?.msg).toMatch(/listening/);
    // a client error at info, a success at debug
    expect(lines.find((l) => l.req?.url === '/no-such-page')).toMatchObject({
      level: 30,
      res: { statusCode: 404 },
    });
    expect(lines.find((l) => l.req?.url === '/graphql')).toMatchObject({
      level: 20,
      res: { statusCode: 200 },
    });
    for (const quiet of ['/healthz', '/readyz', '/metrics']) {
      expect(lines.filter((l) => l.req?.url === quiet)).toEqual([]);
    }
  });

  it('on SIGTERM closes sockets with 1001 after storing every acked entry, and exits 0 in time', async () => {
    const sid = uniqueKey('shutdown');
    const puller = await TestSocket.open(`${ws}/data/${sid}/pull?count=100`);
    const pusher = await AckedPusher.start(`${ws}/data/${sid}/push?ack=1`, 16, 10);
    await pusher.waitAcked(300);

    const signalled = Date.now();
    child.kill('SIGTERM');
    const pushClose = await pusher.closed;
    const pullClose = await puller.closed;
    const { code, signal } = await exited;
    const took = Date.now() - signalled;

    expect(pushClose).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(pullClose.code).toBe(1001);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    const redis = await connectRedis(redisServer.url);
    try {
      const stored = new Set((await readEntries(redis, sid)).map((e) => e.id));
      const missing = pusher.acked.filter((id) => !stored.has(id));
      console.log(
        `shutdown figures: sent ${pusher.sent}, acked ${pusher.acked.length}, stored ${stored.size}, ` +
          `acked but missing ${missing.length}, exit 0 after ${took} ms`,
      );
      expect(missing).toEqual([]);
      // Pending acks were flushed before the close: nothing was stored without being acked.
      expect(stored.size).toBe(pusher.acked.length);
    } finally {
      await redis.close();
    }
    const lines = logs();
    expect(lines.some((l) => /SIGTERM received/.test(l.msg))).toBe(true);
    // WebSocket connections are logged with an id at debug level when they open and close.
    const connectionLogs = lines.filter((l) => l.level === 20 && /connection \d+/.test(l.msg));
    expect(connectionLogs.some((l) => /push/.test(l.msg) && /open/.test(l.msg))).toBe(true);
    expect(connectionLogs.some((l) => /push/.test(l.msg) && /1001/.test(l.msg))).toBe(true);
  });
});

/** `node dist/main.js` with `env`; resolves its exit and keeps its stderr. */
function runService(env: Record<string, string>) {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = Date.now();
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, ms: Date.now() - started })),
  );
  return { child, exited, stderr: () => stderr };
}

describe('the service process at its edges', () => {
  let redisServer: RedisServer;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync('dist/main.js')) {
      await promisify(execFile)('npm', ['run', 'build', '--silent'], { timeout: 120_000 });
    }
    redisServer = await RedisServer.start();
  }, 150_000);

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await redisServer?.dispose();
  });

  it('exits non-zero with one clear line when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const service = runService({ PORT: String(port), REDIS_URL: redisServer.url });
      running.push(service.child);
      const { code, ms } = await service.exited;
      console.log(`port taken: exit status ${code} after ${ms} ms`);
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      const lines = service.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/cannot start.*EADDRINUSE/);
    } finally {
      taken.close();
    }
  });

  it.each([
    ['an invalid variable', { PORT: 'eighty' }, /PORT="eighty"/],
    ['an unparsable REDIS_URL', { REDIS_URL: 'redis://' }, /REDIS_URL/],
  ])('exits non-zero with one clear line for %s', async (_name, env, reason) => {
    const service = runService({ PORT: '0', ...env });
    running.push(service.child);
    const { code } = await service.exited;
    expect(code).toBe(2);
    const lines = service.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
  });

  it('on SIGTERM ends an open long-poll at once and exits 0', async () => {
    const port = await freePort();
    const http = `http://127.0.0.1:${port}`;
    const service = runService({
      PORT: String(port),
      REDIS_URL: redisServer.url,
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    running.push(service.child);
    await expectEventually(async () => (await fetch(`${http}/readyz`)).status === 200, 40_000);
    const sid = uniqueKey('long-poll');
    const poll = fetch(`${http}/data/${sid}?block=3600000`);
    // the long-poll is waiting on the hub
    await expectEventually(async () => {
      const metrics = await (await fetch(`${http}/metrics`)).text();
      return /^redis_streamer_hub_readers_active 1$/m.test(metrics);
    });
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('entry-offset')).toBe('[]');
    expect((await answer.arrayBuffer()).byteLength).toBe(0);
    const { code } = await service.exited;
    console.log(
      `shutdown with a long-poll open: exit status ${code} after ${Date.now() - signalled} ms`,
    );
    expect(code).toBe(0);
  }, 90_000);
});
