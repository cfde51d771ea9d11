import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

/**
 * One id per test run, inherited by every test file and child process: each key a test creates
 * is under `test:<run>:` (uniqueKey in test/support/redis.ts), so global-teardown.mjs can remove
 * exactly this run's keys while other runs share the same Redis.
 *
 * Pushing to `test:<run>:<name>` speaks for the device `test` (docs/devices.md), so the run also
 * notes whether that device's presence, and the device event streams its connections append to,
 * were in Redis before it: the teardown removes what was not.
 */
const DEVICE_EVENT_STREAMS = [':event:device.connected', ':event:device.meta'];

/** The run's id, inherited by every test file and child process. */
export function setRunId() {
  process.env.TEST_RUN_ID ??= randomBytes(4).toString('hex');
}

export default async function globalSetup() {
  setRunId();
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
    // The service's device event streams: the run's presence changes are appended to them.
    const streams = [];
    for (const key of DEVICE_EVENT_STREAMS) if (await client.exists(key)) streams.push(key);
    process.env.TEST_DEVICE_EVENT_STREAMS_BEFORE ??= streams.join(' ');
  } catch {
    // No Redis: the tests cannot create anything in it either.
  } finally {
    if (client.isOpen) client.destroy();
  }
}
