import { rmSync } from 'node:fs';

/** Stops the cluster of cluster-target-setup.mjs: exactly its processes, by pid. */
export default function clusterTargetTeardown() {
  for (const pid of (process.env.REDIS_CLUSTER_TARGET_PIDS ?? '').split(',')) {
    if (!pid) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const dir = process.env.REDIS_CLUSTER_TARGET_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
