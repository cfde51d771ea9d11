/** Bytes of large buffers counted between two young-generation collections. */
export const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

type ExposedGc = (options: { type: 'minor'; execution: 'sync' }) => void;

/**
 * Bounds the 64 KiB socket chunks the data path leaves behind: `ws` copies each large pushed
 * frame out of the chunks it arrived in, and the hub's entries are views into the chunks Redis
 * replies arrive in. Only a young-generation collection frees them, and the data path allocates
 * little else on V8's heap, so V8 would collect them late: they would pile up to V8's
 * external-memory limit and trigger full collections. One young-generation collection per
 * `COLLECT_EVERY_BYTES` counted keeps that pile at a few MB (docs/performance.md, "Memory"). A
 * no-op unless node runs with `--expose-gc` (as `npm start`, `start:prod` and the container do).
 */
export class YoungGarbage {
  private bytes = 0;

  constructor(
    private readonly collect: ExposedGc | undefined = (globalThis as { gc?: ExposedGc }).gc,
  ) {}

  /** Counts `bytes` of large buffers that are garbage, or will be once written. */
  add(bytes: number): void {
    if (this.collect === undefined) return;
    this.bytes += bytes;
    if (this.bytes < COLLECT_EVERY_BYTES) return;
    this.bytes = 0;
    this.collect({ type: 'minor', execution: 'sync' });
  }
}
