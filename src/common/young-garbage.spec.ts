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

  it('does nothing without --expose-gc', () => {
    expect(() => new YoungGarbage(undefined).add(2 * COLLECT_EVERY_BYTES)).not.toThrow();
  });
});
