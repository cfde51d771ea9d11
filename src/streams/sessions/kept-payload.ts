import { Entry } from '../repositories/stream.types.js';

/** Payloads under this size are copied when kept (a copy costs little, a pinned chunk a lot). */
const COPY_KEPT_BELOW = 4096;

/**
 * `data`, or a copy of it when it is small and a view into a bigger buffer: node-redis hands out
 * payloads as views into its 64 KiB socket chunks, so keeping a 100 B view would keep the whole
 * chunk alive. The copy owns exactly its bytes (not a slice of Node's buffer pool, which would pin
 * a pool slab the same way), so keeping it again costs nothing. Call it where payloads are kept for
 * a while (queues, slots), not on the way through.
 */
export function keptPayload(data: Buffer): Buffer {
  if (data.length >= COPY_KEPT_BELOW || data.length === data.buffer.byteLength) return data;
  const copy = Buffer.allocUnsafeSlow(data.length);
  data.copy(copy);
  return copy;
}

/**
 * `entry` with `keptPayload` applied in place: the hub shares one entry object among its
 * listeners, so the first one that keeps it makes the copy and the others find it compact.
 */
export function keptEntry(entry: Entry): Entry {
  entry.data = keptPayload(entry.data);
  return entry;
}
