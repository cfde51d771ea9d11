import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setRunId } from './global-setup.mjs';

/**
 * Global setup of `npm run test:cluster` (jest.cluster.config.cjs): the integration suites run a
 * second time against a throwaway 3-master Redis Cluster on free ports, started here and stopped
 * by cluster-target-teardown.mjs (by pid). REDIS_URL (the seeds) and REDIS_CLUSTER=true reach
 * every test file, so `startServer()` and `connectRedis()` use the cluster. Tests that move slots
 * or kill nodes start their own cluster (test/support/redis-cluster.ts).
 */
export default async function clusterTargetSetup() {
  // The cluster is thrown away at the end: only the run id is needed.
  setRunId();
  const dir = mkdtempSync(join(tmpdir(), 'redis-streamer-cluster-target-'));
  const ports = [];
  while (ports.length < 3) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const pids = [];
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
      ],
      { stdio: 'ignore', detached: false },
    );
    child.unref();
    pids.push(child.pid);
  }
  process.env.REDIS_CLUSTER_TARGET_PIDS = pids.join(',');
  process.env.REDIS_CLUSTER_TARGET_DIR = dir;
  for (const port of ports) await waitFor(() => cli(port, 'PING') === 'PONG');
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'],
    { encoding: 'utf8' },
  );
  if (create.status !== 0)
    throw new Error(`cluster create failed: ${create.stdout}${create.stderr}`);
  await waitFor(() => ports.every((p) => cli(p, 'CLUSTER', 'INFO').includes('cluster_state:ok')));
  process.env.REDIS_URL = ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
  process.env.REDIS_CLUSTER = 'true';
}

function cli(port, ...args) {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

async function waitFor(check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('Redis Cluster for the tests did not come up');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A port below the kernel's ephemeral range, free with its cluster bus port (+10000): ports of
 * that range can be taken meanwhile by any outgoing connection (as test/support/ports.ts explains).
 */
async function freePort() {
  let ephemeralStart = 32_768;
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').split(/\s+/)[0],
    );
    if (Number.isInteger(low) && low > 0) ephemeralStart = low;
  } catch {
    // not Linux: the usual default
  }
  const highest = ephemeralStart - 10_000 - 1;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = randomInt(10_000, highest + 1);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error(`no free port between 10000 and ${highest}`);
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
