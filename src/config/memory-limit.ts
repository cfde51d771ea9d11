import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

/** Where the service's memory limit came from. */
type MemoryLimitSource = 'MEMORY_LIMIT_MB' | 'cgroup v2' | 'cgroup v1';

export interface MemoryLimit {
  bytes: number;
  source: MemoryLimitSource;
}

/** Reads a file's text, or null when it cannot be read. */
export type ReadText = (path: string) => string | null;

/** cgroup v1 writes "no limit" as a huge page-aligned number (PAGE_COUNTER_MAX). */
const UNLIMITED_V1 = 2 ** 60;

/**
 * The memory limit of this process: `MEMORY_LIMIT_MB` when set (> 0), else the tightest limit of
 * its own cgroup and the cgroup's ancestors (cgroup v2 `memory.max`, cgroup v1
 * `memory.limit_in_bytes` of the memory controller's hierarchy, found through
 * `/proc/self/cgroup`), else null: no limit known.
 */
export function readMemoryLimit(
  limitMb: number,
  read: ReadText = readTextOrNull,
  root = '/sys/fs/cgroup',
): MemoryLimit | null {
  if (limitMb > 0) return { bytes: limitMb * 1024 * 1024, source: 'MEMORY_LIMIT_MB' };
  const membership = read('/proc/self/cgroup');
  if (membership === null) return null;
  for (const line of membership.split('\n')) {
    const [, controllers, path] = line.split(':', 3);
    if (path === undefined) continue;
    if (controllers === '') {
      const bytes = tightest(read, posix.join(root, path), 'memory.max', root);
      if (bytes !== null) return { bytes, source: 'cgroup v2' };
    } else if (controllers.split(',').includes('memory')) {
      const base = posix.join(root, 'memory');
      const bytes = tightest(read, posix.join(base, path), 'memory.limit_in_bytes', base);
      if (bytes !== null) return { bytes, source: 'cgroup v1' };
    }
  }
  return null;
}

/**
 * The smallest limit in `file` from `dir` up to `top` (a container sees its own cgroup's files
 * at the top of the mount, under a path named after the host's hierarchy: missing levels are
 * skipped). Null when none sets a limit.
 */
function tightest(read: ReadText, dir: string, file: string, top: string): number | null {
  let limit: number | null = null;
  for (let at = dir; ; at = posix.dirname(at)) {
    const text = read(posix.join(at, file))?.trim();
    if (text !== undefined && /^\d+$/.test(text)) {
      const bytes = Number(text);
      if (bytes < UNLIMITED_V1 && (limit === null || bytes < limit)) limit = bytes;
    }
    if (at === top || at.length <= top.length) return limit;
  }
}

function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
