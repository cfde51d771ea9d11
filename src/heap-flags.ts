/**
 * Prints the V8 flags for the memory plan (`--max-old-space-size`, `--max-semi-space-size`), one
 * per line, for `scripts/start` to put on node's command line: a running process cannot resize
 * its heap. With an invalid configuration it prints the defaults' flags; the service itself then
 * reports the configuration.
 */
import { loadConfig } from './config/app-config.js';
import { readMemoryLimit } from './config/memory-limit.js';
import { heapFlags, planMemory } from './config/memory-plan.js';

let limitMb = 0;
try {
  limitMb = loadConfig().MEMORY_LIMIT_MB;
} catch {
  // main.ts says what is wrong.
}
process.stdout.write(heapFlags(planMemory(readMemoryLimit(limitMb))).join('\n') + '\n');
