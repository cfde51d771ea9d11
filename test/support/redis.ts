import { randomBytes } from 'node:crypto';
import { createClient, createCluster, RESP_TYPES } from 'redis';

export type TestRedis = ReturnType<typeof createTestRedisClient>;

function createTestRedisClient(url: string) {
  return createClient({ url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** True when the tests run against a Redis Cluster (`npm run test:cluster`). */
export const ON_CLUSTER = process.env.REDIS_CLUSTER === 'true';

/**
 * A plain client for assertions (payloads come back as Buffers). Without `url`, it talks to the
 * tests' target: the Redis at REDIS_URL, or, with REDIS_CLUSTER=true, the cluster whose seeds
 * REDIS_URL lists (see `clusterTestClient`).
 */
export async function connectRedis(url?: string): Promise<TestRedis> {
  if (url === undefined && ON_CLUSTER) return clusterTestClient(process.env.REDIS_URL ?? '');
  const client = createTestRedisClient(url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The key a command is routed by: after the subcommand for XINFO / XGROUP, else the first argument. */
function keyOf(args: string[]): string | undefined {
  return /^(XINFO|XGROUP)$/i.test(args[0]) ? args[2] : args[1];
}

/**
 * A cluster client that the tests use like a single-node one: `sendCommand(args)` is routed by
 * its key (`keyOf`), and DEL / EXISTS / UNLINK of several keys (which may live in different
 * slots) go one key at a time and add up.
 */
async function clusterTestClient(seeds: string): Promise<TestRedis> {
  const cluster = createCluster({
    rootNodes: seeds.split(',').map((url) => ({ url })),
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  cluster.on('error', () => undefined);
  await cluster.connect();
  const perKey =
    (command: 'del' | 'exists' | 'unlink') =>
    async (keys: string | string[]): Promise<number> => {
      let total = 0;
      for (const key of Array.isArray(keys) ? keys : [keys]) total += await cluster[command](key);
      return total;
    };
  const overrides: Record<string, unknown> = {
    sendCommand: (args: string[], options?: unknown) =>
      cluster.sendCommand(keyOf(args), false, args, options as undefined),
    del: perKey('del'),
    exists: perKey('exists'),
    unlink: perKey('unlink'),
    quit: () => cluster.close(),
  };
  return new Proxy(cluster, {
    get: (target, property) => {
      if (typeof property === 'string' && property in overrides) return overrides[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as TestRedis;
}

/**
 * This test run's id (set by test/support/global-setup.mjs): the run's global teardown removes
 * every `test:<run>:` key, so a run leaves nothing in a shared Redis.
 */
const RUN = process.env.TEST_RUN_ID ?? 'norun';

/** A key no other test (or test run) uses, removed when the run ends. */
export function uniqueKey(label: string): string {
  return `test:${RUN}:${label}:${Date.now().toString(36)}:${randomBytes(4).toString('hex')}`;
}

const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

/** Every entry of `sid` as Redis has it: id, field names, and the payload of field `d`. */
export async function readEntries(
  redis: TestRedis,
  sid: string,
): Promise<{ id: string; fields: string[]; data: Buffer }[]> {
  const raw = (await redis.sendCommand(['XRANGE', sid, '-', '+'], AS_BUFFERS)) as unknown as [
    Buffer,
    Buffer[],
  ][];
  return raw.map(([id, fields]) => ({
    id: id.toString(),
    fields: fields.filter((_, i) => i % 2 === 0).map(String),
    data: fields[fields.findIndex((f, i) => i % 2 === 0 && f.toString() === 'd') + 1],
  }));
}

/** One numeric field of XINFO STREAM (e.g. `entries-added`). */
export async function xinfoNumber(redis: TestRedis, sid: string, field: string): Promise<number> {
  const info = (await redis.sendCommand(['XINFO', 'STREAM', sid])) as unknown[];
  return Number(info[info.findIndex((v) => String(v) === field) + 1]);
}
