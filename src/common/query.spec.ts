import { StreamerError } from './errors.js';
import { boolParam, cursorsParam, intParam, numberParam } from './query.js';

const q = (s: string) => new URLSearchParams(s);

describe('query parameters', () => {
  it.each([
    ['1', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['false', false],
    ['False', false],
  ])('boolean %p', (value, expected) => {
    expect(boolParam(q(`x=${value}`), 'x', !expected)).toBe(expected);
  });

  it('uses defaults and refuses junk', () => {
    expect(boolParam(q(''), 'x', true)).toBe(true);
    expect(() => boolParam(q('x=maybe'), 'x', true)).toThrow(StreamerError);
    expect(intParam(q('n=7'), 'n', 1, 1, 10)).toBe(7);
    expect(() => intParam(q('n=11'), 'n', 1, 1, 10)).toThrow(StreamerError);
    expect(() => intParam(q('n=-1'), 'n', 1, 0, 10)).toThrow(StreamerError);
    expect(() => intParam(q('n=1e3'), 'n', 1, 0, 10000)).toThrow(StreamerError);
    expect(numberParam(q('f=2.5'), 'f', 0, 0, 100)).toBe(2.5);
  });

  it('takes one cursor for all sids or one per sid', () => {
    expect(cursorsParam(q(''), ['a', 'b'])).toEqual(['$', '$']);
    expect(cursorsParam(q('last_entry_id=0'), ['a', 'b'])).toEqual(['0', '0']);
    expect(cursorsParam(q('last_entry_id=%24%2B5-1'), ['a', 'b'])).toEqual(['$', '5-1']);
    // a literal + in a query string arrives as a space
    expect(cursorsParam(q('last_entry_id=$+-'), ['a', 'b'])).toEqual(['$', '-']);
    expect(() => cursorsParam(q('last_entry_id=1-1+2-2+3-3'), ['a', 'b'])).toThrow(StreamerError);
    expect(() => cursorsParam(q('last_entry_id=nope'), ['a'])).toThrow(StreamerError);
  });
});
