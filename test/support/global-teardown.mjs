import { createClient } from 'redis';

/**
 * Removes every key this test run created (`test:<run>:*` and their `XMETA:` metadata keys),
 * with SCAN, after all test files have closed their servers and clients.
 */
export default async function globalTeardown() {
  const run = process.env.TEST_RUN_ID;
  if (!run) return;
  const client = createClient({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    socket: { connectTimeout: 2000, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    return; // no Redis: the tests could not create anything in it either
  }
  try {
    for (const pattern of [`test:${run}:*`, `XMETA:test:${run}:*`]) {
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    }
  } finally {
    client.destroy();
  }
}
