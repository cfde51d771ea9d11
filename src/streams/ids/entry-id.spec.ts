import { compareIds, isValidAddId, normalizeId } from './entry-id.js';

describe('compareIds', () => {
  it.each([
    ['1-0', '1-0', 0],
    ['1-0', '1-1', -1],
    ['2-0', '10-0', -1],
    ['10-0', '9-99', 1],
    ['5-10', '5-9', 1],
    ['1700000000000-0', '1700000000000-12', -1],
    ['18446744073709551615-0', '9-0', 1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign);
    expect(Math.sign(compareIds(b, a))).toBe(sign === 0 ? 0 : -sign);
  });
});

describe('normalizeId', () => {
  it('completes and cleans ids', () => {
    expect(normalizeId('123')).toBe('123-0');
    expect(normalizeId('007-01')).toBe('7-1');
    expect(normalizeId('1-2')).toBe('1-2');
  });

  it.each(['', 'abc', '1-', '-1', '1-2-3', '1.5', '$'])('refuses %p', (value) => {
    expect(normalizeId(value)).toBeNull();
  });
});

describe('isValidAddId', () => {
  it.each(['*', '1-1', '5-*', '42'])('accepts %p', (id) => expect(isValidAddId(id)).toBe(true));
  it.each(['', 'x', '1-x', '*-1', ' 1-1'])('refuses %p', (id) =>
    expect(isValidAddId(id)).toBe(false),
  );
});
