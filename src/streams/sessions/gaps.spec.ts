import { skippedBeforeNewest, trimmedAfter } from './gaps.js';
import { StreamPosition } from '../repositories/stream.types.js';

/** 300 entries 1-1 .. 300-1 added, the first 200 trimmed. */
const trimmed: StreamPosition = {
  added: 300,
  length: 100,
  firstId: '201-1',
  maxDeletedId: '0-0',
  lastGeneratedId: '300-1',
  lastId: '300-1',
  beforeLastId: '299-1',
};

describe('gap counts', () => {
  it('are exact when the cursor ordinal is known and nothing was deleted in the middle', () => {
    expect(trimmedAfter('0-0', 0, trimmed)).toEqual({ missed: 200, exact: true, ordinal: 200 });
    expect(trimmedAfter('150-1', 150, trimmed)).toEqual({ missed: 50, exact: true, ordinal: 200 });
    expect(trimmedAfter('200-1', 200, trimmed)).toBeNull();
    expect(trimmedAfter('250-1', 250, trimmed)).toBeNull();
  });

  it('are a lower bound when the cursor ordinal is unknown or the stream has holes', () => {
    expect(trimmedAfter('150-1', null, trimmed)).toEqual({ missed: 0, exact: false, ordinal: 200 });
    const holes = { ...trimmed, maxDeletedId: '250-1' };
    expect(trimmedAfter('150-1', 150, holes)).toEqual({ missed: 0, exact: false, ordinal: null });
  });

  it('see an emptied stream', () => {
    const empty = { ...trimmed, length: 0, firstId: null, lastId: '0-0', beforeLastId: null };
    expect(trimmedAfter('100-1', 100, empty)).toEqual({ missed: 200, exact: true, ordinal: 300 });
    expect(trimmedAfter('300-1', 300, empty)).toBeNull();
  });

  it('count what latest skips before the newest entry', () => {
    expect(skippedBeforeNewest('0-0', 0, trimmed)).toEqual({ missed: 299, exact: true });
    expect(skippedBeforeNewest('300-1', 300, trimmed)).toBeNull();
    expect(skippedBeforeNewest('250-1', null, trimmed)).toEqual({ missed: 1, exact: false });
    expect(skippedBeforeNewest('299-1', null, trimmed)).toBeNull();
    expect(skippedBeforeNewest('100-1', null, trimmed)).toEqual({ missed: 99, exact: false });
  });
});
