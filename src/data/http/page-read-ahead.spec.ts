import { jest } from '@jest/globals';
import type { BoundedRange } from '../../streams/repositories/bounded-range.js';
import { PageReadAhead, READ_AHEAD_TTL_MS } from './page-read-ahead.js';

const page = (id: string): BoundedRange => ({
  entries: [{ id, data: Buffer.from(id) }],
  estimate: 1,
  more: true,
});

describe('PageReadAhead', () => {
  afterEach(() => jest.useRealTimers());

  it('hands a page over once, to the same stream, cursor and count', async () => {
    const ahead = new PageReadAhead(100, 10);
    let reads = 0;
    ahead.start('s', '1-0', 5, async () => (reads++, page('2-0')));
    ahead.start('s', '1-0', 5, async () => (reads++, page('2-0'))); // read already
    expect(reads).toBe(1);
    expect(ahead.take('s', '1-0', 4)).toBeNull();
    expect(ahead.take('t', '1-0', 5)).toBeNull();
    expect(ahead.take('s', '0-0', 5)).toBeNull();
    expect((await ahead.take('s', '1-0', 5))?.entries[0].id).toBe('2-0');
    expect(ahead.take('s', '1-0', 5)).toBeNull();
    expect(ahead.bytes).toBe(0);
  });

  it('reads no page past its byte budget, and makes room when pages are taken', () => {
    const ahead = new PageReadAhead(20, 10);
    let reads = 0;
    const read = async () => (reads++, page('x'));
    ahead.start('a', '1-0', 1, read);
    ahead.start('b', '1-0', 1, read);
    ahead.start('c', '1-0', 1, read);
    expect([reads, ahead.bytes]).toEqual([2, 20]);
    expect(ahead.take('c', '1-0', 1)).toBeNull();
    void ahead.take('a', '1-0', 1);
    ahead.start('c', '1-0', 1, read);
    expect([reads, ahead.bytes]).toEqual([3, 20]);
  });

  it('drops a page nobody takes in time; a failed read leaves no unhandled rejection', async () => {
    jest.useFakeTimers();
    const ahead = new PageReadAhead(100, 10);
    ahead.start('s', '1-0', 1, () => Promise.reject(new Error('redis down')));
    ahead.start('s', '2-0', 1, async () => page('3-0'));
    jest.advanceTimersByTime(READ_AHEAD_TTL_MS + 1);
    expect(ahead.take('s', '1-0', 1)).toBeNull();
    expect(ahead.take('s', '2-0', 1)).toBeNull();
    expect(ahead.bytes).toBe(0);
  });
});
