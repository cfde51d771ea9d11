import { jest } from '@jest/globals';
import {
  COLLECT_EVERY_BYTES,
  FrameGarbage,
  releaseFrame,
  RELEASED_FRAME_BYTES,
} from './frame-release.js';

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

describe('FrameGarbage', () => {
  it('runs one young-generation collection per COLLECT_EVERY_BYTES of large frames', () => {
    const collect = jest.fn();
    const garbage = new FrameGarbage(collect);
    const frame = Buffer.alloc(256 * 1024);
    const perCollection = COLLECT_EVERY_BYTES / frame.length;
    for (let i = 0; i < perCollection - 1; i++) garbage.received(frame);
    expect(collect).not.toHaveBeenCalled();
    garbage.received(frame);
    expect(collect).toHaveBeenCalledWith({ type: 'minor', execution: 'sync' });
    for (let i = 0; i < perCollection; i++) garbage.received(frame);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('does not count small frames, and does nothing without --expose-gc', () => {
    const collect = jest.fn();
    const garbage = new FrameGarbage(collect);
    const small = Buffer.alloc(RELEASED_FRAME_BYTES - 1);
    for (let i = 0; i < (2 * COLLECT_EVERY_BYTES) / small.length; i++) garbage.received(small);
    expect(collect).not.toHaveBeenCalled();
    expect(() =>
      new FrameGarbage(undefined).received(Buffer.alloc(COLLECT_EVERY_BYTES)),
    ).not.toThrow();
  });
});
