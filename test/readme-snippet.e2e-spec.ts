import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startServer, TestServer } from './support/app.js';
import { connectRedis, TestRedis } from './support/redis.js';

/**
 * The README's first snippet, run as written against a started server: only its URL is the test
 * server's. It must push an entry and pull the same entry back.
 */
const run = promisify(execFile);
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const SNIPPET = /## Push and pull[\s\S]*?```python\n([\s\S]*?)```/.exec(README)![1];

/** A python3 that has `websockets` (the Python client's venv, else Debian's). */
async function python(): Promise<string> {
  for (const candidate of ['.venv-python/bin/python', '/usr/bin/python3', 'python3']) {
    try {
      await run(candidate, ['-c', 'import websockets']);
      return candidate;
    } catch {
      // next one
    }
  }
  throw new Error('no python3 with websockets: apt-get install python3-websockets');
}

let server: TestServer;
let redis: TestRedis;

beforeAll(async () => {
  server = await startServer();
  redis = await connectRedis();
});

afterAll(async () => {
  await redis?.quit();
  await server?.close();
});

test('the README push/pull script pushes an entry and pulls the same entry back', async () => {
  expect(SNIPPET).toContain("URL = 'ws://localhost:8000'");
  const script = SNIPPET.replace("'ws://localhost:8000'", `'${server.ws}'`);
  const { stdout } = await run(await python(), ['-c', script], { timeout: 20_000 });
  const pushed = /^pushed (hello-[0-9a-f]{8}) (\d+-\d+)$/m.exec(stdout);
  expect(pushed).not.toBeNull();
  const [, sid, id] = pushed!;
  try {
    expect(stdout).toContain(`pulled [('${id}', b'hello, stream')]`);
    expect(await redis.xLen(sid)).toBe(1);
  } finally {
    await redis.del(sid);
  }
});
