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

/** A key prefix no other test (or test run) uses. */
export function uniqueKey(label: string): string {
  return `test:${label}:${Date.now().toString(36)}:${randomBytes(4).toString('hex')}`;
}
