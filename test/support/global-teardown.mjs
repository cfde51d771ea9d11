import { createClient } from 'redis';

/**
 * Removes every key this test run created (`test:<run>:*` and their `XMETA:` metadata keys),
 * with SCAN, after all test files have closed their servers and clients; and the presence of the
 * device `test` its pushes spoke for, unless it was there before the run, and the device event
 * streams the run started (global-setup.mjs).
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
    if (process.env.TEST_DEVICE_PRESENCE_BEFORE === '0') await forgetTestDevice(client);
    const before = (process.env.TEST_DEVICE_EVENT_STREAMS_BEFORE ?? '').split(' ');
    if (process.env.TEST_DEVICE_EVENT_STREAMS_BEFORE !== undefined) {
      for (const key of [':event:device.connected', ':event:device.meta']) {
        if (!before.includes(key)) await client.unlink(key);
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * The presence of the device `test` (which the run's servers held; they are stopped by now, and
 * a hold of another run that is still going is renewed by its gateway within its TTL).
 */
async function forgetTestDevice(client) {
  await client.unlink(':devices:presence:{test}');
  await client.sRem(':devices:connected', 'test');
  await client.sRem(':devices:seen', 'test');
}
