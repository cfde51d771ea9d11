import { ChildProcess, execFile, spawn } from 'node:child_process';
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
