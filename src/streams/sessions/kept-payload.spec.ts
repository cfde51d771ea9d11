import { keptEntry, keptPayload } from './kept-payload.js';

/** A reply chunk as node-redis reads it from the socket, payloads being views into it. */
const chunk = () => Buffer.allocUnsafeSlow(64 * 1024).fill(7);

describe('keptPayload', () => {
  it('copies a small view into a big chunk, so keeping it does not keep the chunk', () => {
    const reply = chunk();
    const view = reply.subarray(1000, 1100);
    const kept = keptPayload(view);
    expect(kept.buffer).not.toBe(reply.buffer);
    expect(kept.equals(view)).toBe(true);
  });

  it('keeps large payloads and payloads that own their memory as they are', () => {
    const reply = chunk();
    const large = reply.subarray(0, 32 * 1024);
    expect(keptPayload(large)).toBe(large);
    const own = keptPayload(reply.subarray(0, 10));
    expect(own.buffer.byteLength).toBe(10);
    expect(keptPayload(own)).toBe(own);
  });

  it('copies a shared entry once: listeners after the first find it compact', () => {
    const entry = { id: '1-0', data: chunk().subarray(0, 100) };
    const first = keptEntry(entry).data;
    expect(keptEntry(entry).data).toBe(first);
  });
});
