import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export { freePort };

/** True when something on 127.0.0.1:`port` answers PING with PONG. */
export function pingPort(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export interface RedisServerOptions {
  /** Port to listen on (default: a free one). */
  port?: number;
  /**
   * Keep an append-only file fsynced on every write in a private temporary directory, so that
   * what Redis acknowledged survives a SIGKILL and a restart. Default: no persistence at all.
   */
  persistent?: boolean;
}

/**
 * A private `redis-server` for tests that stop, kill or restart Redis (never the shared one on
 * 6379). `kill()` is a SIGKILL of this server's pid only; `start()` brings it back on the same
 * port (and, when persistent, the same data directory).
 */
export class RedisServer {
  readonly port: number;
  readonly url: string;
  private readonly dir: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  protected constructor(
    port: number,
    private readonly persistent: boolean,
    /** More `redis-server` arguments (e.g. cluster mode). */
    private readonly extraArgs: readonly string[] = [],
  ) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.dir = mkdtempSync(join(tmpdir(), 'redis-streamer-test-'));
  }

  /** A server on a free port, not started yet (to test a service that starts before Redis). */
  static async create(options: RedisServerOptions = {}): Promise<RedisServer> {
    return new RedisServer(options.port ?? (await freePort()), options.persistent ?? false);
  }

  /** A started server. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = await RedisServer.create(options);
    await server.start();
    return server;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts `redis-server` and resolves once it answers PING (fails after `timeoutMs`). */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.child) throw new Error(`redis-server on ${this.port} is already running`);
    const persistence = this.persistent
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      '--dir',
      this.dir,
      ...this.extraArgs,
      '--daemonize',
      'no',
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // redis-server logs to stdout (a port it cannot bind, say): kept for the error below.
    let output = '';
    const keep = (chunk: Buffer) => {
      if (output.length < 8192) output += chunk.toString();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.child === child) this.child = null;
        resolve();
      }),
    );
    const deadline = Date.now() + timeoutMs;
    while (!(await pingPort(this.port))) {
      if (this.child !== child)
        throw new Error(`redis-server on ${this.port} exited at start: ${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not answer`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL: no shutdown, no save (what a crash or an OOM kill looks like). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    process.kill(child.pid, 'SIGKILL');
    await this.exited;
  }

  /** Kills the server (if running) and removes its data directory. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
