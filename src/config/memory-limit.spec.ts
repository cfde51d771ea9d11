import { readMemoryLimit } from './memory-limit.js';

/** A file system of `files` (path → text); anything else cannot be read. */
function files(map: Record<string, string>) {
  return (path: string) => map[path] ?? null;
}

const MiB = 1024 * 1024;

describe('readMemoryLimit', () => {
  it('takes MEMORY_LIMIT_MB first, without reading the cgroup', () => {
    const read = () => {
      throw new Error('read');
    };
    expect(readMemoryLimit(192, read)).toEqual({ bytes: 192 * MiB, source: 'MEMORY_LIMIT_MB' });
  });

  it('reads cgroup v2 memory.max of its own cgroup, the tightest up to the root', () => {
    const fs = files({
      '/proc/self/cgroup': '0::/system.slice/app.service\n',
      '/sys/fs/cgroup/system.slice/app.service/memory.max': 'max\n',
      '/sys/fs/cgroup/system.slice/memory.max': `${256 * MiB}\n`,
    });
    expect(readMemoryLimit(0, fs)).toEqual({ bytes: 256 * MiB, source: 'cgroup v2' });
  });

  it('reads cgroup v1 memory.limit_in_bytes of the memory controller, ignoring "unlimited"', () => {
    const fs = files({
      '/proc/self/cgroup': '5:cpu,cpuacct:/\n4:memory:/process_api/abc\n0::/\n',
      '/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes': `${192 * MiB}\n`,
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
    });
    expect(readMemoryLimit(0, fs)).toEqual({ bytes: 192 * MiB, source: 'cgroup v1' });
  });

  it("finds a container's limit at the top of its mount when its host path is missing", () => {
    const fs = files({
      '/proc/self/cgroup': '4:memory:/docker/0123abcd\n',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${512 * MiB}\n`,
    });
    expect(readMemoryLimit(0, fs)).toEqual({ bytes: 512 * MiB, source: 'cgroup v1' });
  });

  it('is null without a limit or without cgroups', () => {
    const unlimited = files({
      '/proc/self/cgroup': '0::/\n',
      '/sys/fs/cgroup/memory.max': 'max\n',
    });
    expect(readMemoryLimit(0, unlimited)).toBeNull();
    expect(readMemoryLimit(0, files({}))).toBeNull();
  });
});
