import { jest } from '@jest/globals';
import { releaseStartupGarbage } from './startup-garbage.js';

describe('releaseStartupGarbage', () => {
  const holder = globalThis as { gc?: unknown };
  const original = holder.gc;
  afterEach(() => {
    holder.gc = original;
  });

  it('runs one full, memory-reducing collection when node exposes gc()', () => {
    const gc = jest.fn();
    holder.gc = gc;
    releaseStartupGarbage();
    expect(gc).toHaveBeenCalledTimes(1);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  });

  it('collects with the gc node exposes when it runs, and with none without --expose-gc', () => {
    delete holder.gc;
    releaseStartupGarbage();
    const gc = jest.fn();
    holder.gc = gc;
    releaseStartupGarbage();
    expect(gc).toHaveBeenCalledTimes(1);
  });
});
