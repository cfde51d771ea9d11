import { jest } from '@jest/globals';
import { COLLECT_EVERY_BYTES, YoungGarbage } from './young-garbage.js';

describe('YoungGarbage', () => {
  it('runs one young-generation collection per COLLECT_EVERY_BYTES counted', () => {
    const collect = jest.fn();
    const garbage = new YoungGarbage(collect);
    const chunk = 256 * 1024;
    const perCollection = COLLECT_EVERY_BYTES / chunk;
    for (let i = 0; i < perCollection - 1; i++) garbage.add(chunk);
    expect(collect).not.toHaveBeenCalled();
    garbage.add(chunk);
    expect(collect).toHaveBeenCalledWith({ type: 'minor', execution: 'sync' });
    for (let i = 0; i < perCollection; i++) garbage.add(chunk);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  describe('by default', () => {
    const holder = globalThis as { gc?: unknown };
    const original = holder.gc;
    afterEach(() => {
      holder.gc = original;
    });

    it('collects with the gc node exposes (--expose-gc), and never when built without one', () => {
      delete holder.gc;
      const withoutGc = new YoungGarbage();
      const gc = jest.fn();
      holder.gc = gc;
      withoutGc.add(2 * COLLECT_EVERY_BYTES);
      expect(gc).not.toHaveBeenCalled();
      new YoungGarbage().add(COLLECT_EVERY_BYTES);
      expect(gc).toHaveBeenCalledTimes(1);
      expect(gc).toHaveBeenCalledWith({ type: 'minor', execution: 'sync' });
    });
  });
});
