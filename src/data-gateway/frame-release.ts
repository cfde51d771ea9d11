/** Frames at least this big are handed back to the allocator as soon as Redis has stored them. */
export const RELEASED_FRAME_BYTES = 64 * 1024;

/**
 * Frees the memory of a received frame now instead of at the next garbage collection, when the
 * frame owns its whole `ArrayBuffer` (`ws` allocates one per frame that spans socket chunks, or
 * hands over the socket chunk the frame filled). Call only once nothing reads `frame` any more:
 * its XADD has settled, so node-redis has written it and dropped it.
 *
 * Why: a large-frame pusher allocates a new 256 KiB buffer per frame, and V8 collects them only
 * after tens of MB of external memory have piled up, so every push connection's garbage adds to
 * the process's peak memory. Detaching the buffer (`transfer(0)`) releases its backing store at
 * once; any view left over reads as empty instead of pinning the bytes. Views into a shared
 * buffer (small frames, several frames in one socket chunk, batches cut with `subarray`) are
 * left to the garbage collector.
 */
export function releaseFrame(frame: Buffer): void {
  const backing = frame.buffer as ArrayBufferLike & Partial<Es2024ArrayBuffer>;
  if (
    frame.length >= RELEASED_FRAME_BYTES &&
    frame.byteOffset === 0 &&
    backing.byteLength === frame.length &&
    backing instanceof ArrayBuffer &&
    backing.detached === false
  )
    backing.transfer?.(0);
}

/** ES2024's `ArrayBuffer` members (Node 24 has them; the project compiles against ES2022 types). */
interface Es2024ArrayBuffer {
  readonly detached: boolean;
  transfer(length: number): ArrayBuffer;
}

/** Bytes of large frames received between two young-generation collections. */
export const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

type ExposedGc = (options: { type: 'minor'; execution: 'sync' }) => void;

/**
 * Bounds the socket chunks that large frames leave behind. `ws` copies a frame spanning several
 * 64 KiB socket chunks into one buffer, and the chunks become garbage that only a young-generation
 * collection frees; a large-frame pusher allocates almost nothing else on V8's heap, so V8 waits
 * until tens of MB of chunks have piled up. One collection (about a millisecond) per
 * `COLLECT_EVERY_BYTES` of large frames received keeps that pile at a few MB. Shared by all push
 * connections; a no-op unless node runs with `--expose-gc` (as `npm start`, `start:prod` and the
 * container do).
 */
export class FrameGarbage {
  private bytes = 0;

  constructor(
    private readonly collect: ExposedGc | undefined = (globalThis as { gc?: ExposedGc }).gc,
  ) {}

  /** Counts one received frame. */
  received(frame: Buffer): void {
    if (this.collect === undefined || frame.length < RELEASED_FRAME_BYTES) return;
    this.bytes += frame.length;
    if (this.bytes < COLLECT_EVERY_BYTES) return;
    this.bytes = 0;
    this.collect({ type: 'minor', execution: 'sync' });
  }
}
