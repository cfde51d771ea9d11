import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PinoLogger } from 'nestjs-pino';
import { AddressInfo } from 'node:net';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/bootstrap.js';
import { AppConfig } from '../../src/config/app-config.js';

export interface TestServer {
  app: INestApplication;
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `ws://127.0.0.1:PORT` */
  ws: string;
  close(): Promise<void>;
  /**
   * Runs `provoke`, which makes this server fail on purpose (e.g. 5xx answers while Redis is
   * down, which the request log records at error level), with the server's log silenced for
   * that time only. Assertions inside still fail the test; nothing else is muted.
   */
  quietly<T>(provoke: () => Promise<T>): Promise<T>;
  /**
   * Resolves once `/readyz` answers 200: the Redis connections connect in the background, so a
   * request made right after start may find them not ready yet (and get UNAVAILABLE).
   * `startServer` waits for it unless the test gave its own `REDIS_URL`.
   */
  ready(timeoutMs?: number): Promise<void>;
}

/**
 * Boots the real AppModule on a free port against the Redis at REDIS_URL (default localhost).
 * Against the tests' own Redis (no `REDIS_URL` override) it resolves once the server is ready:
 * its connections (on a cluster, its discovery of the topology) come up in the background.
 * Logs at `warn` unless `overrides.LOG_LEVEL` says otherwise: the request log's info lines for
 * the 4xx answers tests provoke on purpose are noise, warnings and errors are not.
 */
export async function startServer(overrides: Partial<AppConfig> = {}): Promise<TestServer> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        LOG_LEVEL: 'warn',
        // What it listens on below (HOST itself is only read by main.ts).
        HOST: '127.0.0.1',
        ...overrides,
      }),
    ],
  }).compile();
  const app = configureApp(moduleRef.createNestApplication({ logger: ['error', 'warn'] }));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  // This application's request logger (nestjs-pino points `root` at the newest one).
  const log = PinoLogger.root;
  const server: TestServer = {
    app,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    close: () => app.close(),
    async ready(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        await res.arrayBuffer();
        if (res.status === 200) return;
        if (Date.now() > deadline) throw new Error(`server not ready after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => setTimeout(resolve, 50));
      }
    },
    async quietly<T>(provoke: () => Promise<T>): Promise<T> {
      const level = log.level;
      log.level = 'silent';
      try {
        return await provoke();
      } finally {
        log.level = level;
      }
    },
  };
  if (overrides.REDIS_URL === undefined) await server.ready();
  return server;
}
