import { randomBytes } from 'node:crypto';

/**
 * One id per test run, inherited by every test file and child process: each key a test creates
 * is under `test:<run>:` (uniqueKey in test/support/redis.ts), so global-teardown.mjs can remove
 * exactly this run's keys while other runs share the same Redis.
 */
export default function globalSetup() {
  process.env.TEST_RUN_ID ??= randomBytes(4).toString('hex');
}
