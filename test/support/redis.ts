import { randomBytes } from 'node:crypto';
import { createClient, RESP_TYPES } from 'redis';

export type TestRedis = ReturnType<typeof createTestRedisClient>;

function createTestRedisClient(url: string) {
  return createClient({ url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** A plain client for assertions (payloads come back as Buffers). */
export async function connectRedis(
  url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<TestRedis> {
  const client = createTestRedisClient(url);
  client.on('error', () => undefined);
  await client.connect();
  return client;
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
