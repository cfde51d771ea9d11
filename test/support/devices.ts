import { connectRedis, ON_CLUSTER, TestRedis } from './redis.js';
import { RedisServer } from './redis-server.js';

/**
 * Where the device suites keep their data. Device keys (`:devices:*`) and the event streams
 * (`:event:device.*`) have fixed names, so on a single Redis the suites use a private
 * `redis-server` instead of the shared one; the cluster target is throwaway already.
 */
export interface DeviceRedis {
  /** REDIS_URL (and REDIS_CLUSTER) for the servers under test. */
  env: { REDIS_URL: string; REDIS_CLUSTER: string };
  /** `startServer` overrides for the same Redis. */
  overrides: { REDIS_URL: string; REDIS_CLUSTER: boolean };
  /** A client for assertions. */
  connect(): Promise<TestRedis>;
  dispose(): Promise<void>;
}

export async function deviceRedis(): Promise<DeviceRedis> {
  if (ON_CLUSTER) {
    const url = process.env.REDIS_URL ?? '';
    return {
      env: { REDIS_URL: url, REDIS_CLUSTER: 'true' },
      overrides: { REDIS_URL: url, REDIS_CLUSTER: true },
      connect: () => connectRedis(),
      dispose: () => Promise.resolve(),
    };
  }
  const server = await RedisServer.start();
  return {
    env: { REDIS_URL: server.url, REDIS_CLUSTER: 'false' },
    overrides: { REDIS_URL: server.url, REDIS_CLUSTER: false },
    connect: () => connectRedis(server.url),
    dispose: () => server.dispose(),
  };
}
