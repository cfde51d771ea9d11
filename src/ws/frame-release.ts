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
