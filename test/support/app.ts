import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
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
}

/** Boots the real AppModule on a free port against the Redis at REDIS_URL (default localhost). */
export async function startServer(overrides: Partial<AppConfig> = {}): Promise<TestServer> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        // What it listens on below (HOST itself is only read by main.ts).
        HOST: '127.0.0.1',
        ...overrides,
      }),
    ],
  }).compile();
  const app = configureApp(moduleRef.createNestApplication({ logger: ['error', 'warn'] }));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}
