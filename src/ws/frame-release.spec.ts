import { releaseFrame, RELEASED_FRAME_BYTES } from './frame-release.js';

describe('releaseFrame', () => {
  it('frees a large frame that owns its whole buffer', () => {
    const frame = Buffer.allocUnsafe(256 * 1024);
    releaseFrame(frame);
    expect(frame.buffer.byteLength).toBe(0);
    expect(frame.length).toBe(0);
    releaseFrame(frame); // a second call is harmless
  });

  it('leaves views into a shared buffer alone', () => {
    const chunk = Buffer.alloc(2 * RELEASED_FRAME_BYTES, 7);
    releaseFrame(chunk.subarray(0, RELEASED_FRAME_BYTES));
    releaseFrame(chunk.subarray(RELEASED_FRAME_BYTES));
    expect(chunk.buffer.byteLength).toBe(2 * RELEASED_FRAME_BYTES);
    expect(chunk[chunk.length - 1]).toBe(7);
  });

  it('leaves small frames to the garbage collector', () => {
    const frame = Buffer.alloc(RELEASED_FRAME_BYTES - 1, 1);
    releaseFrame(frame);
    expect(frame.length).toBe(RELEASED_FRAME_BYTES - 1);
  });
});
