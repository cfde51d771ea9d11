import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

/**
 * One id per test run, inherited by every test file and child process: each key a test creates
 * is under `test:<run>:` (uniqueKey in test/support/redis.ts), so global-teardown.mjs can remove
 * exactly this run's keys while other runs share the same Redis.
 *
 * Pushing to `test:<run>:<name>` speaks for the device `test` (docs/devices.md), so the run also
 * notes whether that device's presence was in Redis before it: if not, the teardown removes it.
 */
export default async function globalSetup() {
  process.env.TEST_RUN_ID ??= randomBytes(4).toString('hex');
  const client = createClient({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    socket: { connectTimeout: 2000, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [presence, member] = await Promise.all([
      client.exists(':devices:presence:{test}'),
      client.sIsMember(':devices:connected', 'test'),
    ]);
    process.env.TEST_DEVICE_PRESENCE_BEFORE ??= presence || member ? '1' : '0';
  } catch {
    // No Redis: the tests cannot create anything in it either.
  } finally {
    client.destroy();
  }
}
