import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';
import { expectEventually } from './ws.js';

/** The built service (`node dist/main.js`) as a process of its own, on a free port. */
export class ServiceProcess {
  private stderr = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** `http://127.0.0.1:PORT` */
  get http(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `ws://127.0.0.1:PORT` */
  get ws(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Builds `dist/` when missing. */
  static async build(): Promise<void> {
    if (!existsSync('dist/main.js') || !existsSync('dist/heap-flags.js')) {
      await promisify(execFile)('npm', ['run', 'build', '--silent'], { timeout: 120_000 });
    }
  }

  /**
   * Starts the service with `env` (plus PORT, HOST) and resolves once `/readyz` answers 200. With
   * `startScript`, as production starts it: `scripts/start` with `start:prod`'s flags, which adds
   * the memory plan's heap flags.
   */
  static async start(env: Record<string, string>, startScript = false): Promise<ServiceProcess> {
    const port = await freePort();
    const [command, args] = startScript
      ? ['scripts/start', ['--max-semi-space-size=16', '--heap-growing-percent=100', '--expose-gc']]
      : [process.execPath, ['dist/main.js']];
    const child = spawn(command, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const service = new ServiceProcess(child, port);
    try {
      await expectEventually(async () => {
        if (child.exitCode !== null) throw new Error(`exited: ${service.stderr}`);
        return (await fetch(`${service.http}/readyz`)).status === 200;
      }, 20_000);
    } catch (err) {
      await service.stop();
      throw err;
    }
    return service;
  }

  /** SIGKILL: no shutdown at all (what a crash or an OOM kill looks like). */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a graceful shutdown), SIGKILL if it is still running after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}
