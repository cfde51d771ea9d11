import { formatEntryTime, strftime } from './strftime.js';

describe('formatEntryTime', () => {
  // 2021-11-28T18:45:33.432Z, a Sunday, day 332 of the year (the seed README's example id).
  const millis = 1638125133432;

  it('gives ISO-8601 UTC without a format', () => {
    expect(formatEntryTime(millis)).toBe('2021-11-28T18:45:33.432Z');
    expect(formatEntryTime(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('applies a strftime pattern in UTC', () => {
    expect(formatEntryTime(millis, '%Y-%m-%d %H:%M:%S')).toBe('2021-11-28 18:45:33');
    expect(formatEntryTime(millis, '%Y-%m-%dT%H:%M:%S.%f%z')).toBe(
      '2021-11-28T18:45:33.432000+0000',
    );
  });

  it('returns null for times a date cannot hold', () => {
    expect(formatEntryTime(2 ** 60)).toBeNull();
    expect(formatEntryTime(2 ** 60, '%Y')).toBeNull();
  });
});

describe('strftime', () => {
  const d = new Date(Date.UTC(2021, 10, 28, 18, 5, 3, 7)); // Sunday 2021-11-28 18:05:03.007
  const morning = new Date(Date.UTC(2024, 0, 1, 0, 9, 0, 0)); // Monday 2024-01-01 00:09

  it.each([
    ['%Y', '2021'],
    ['%y', '21'],
    ['%C', '20'],
    ['%m', '11'],
    ['%d', '28'],
    ['%e', '28'],
    ['%j', '332'],
    ['%H', '18'],
    ['%k', '18'],
    ['%I', '06'],
    ['%l', ' 6'],
    ['%M', '05'],
    ['%S', '03'],
    ['%L', '007'],
    ['%f', '007000'],
    ['%p', 'PM'],
    ['%a', 'Sun'],
    ['%A', 'Sunday'],
    ['%b', 'Nov'],
    ['%h', 'Nov'],
    ['%B', 'November'],
    ['%u', '7'],
    ['%w', '0'],
    ['%s', '1638122703'],
    ['%z', '+0000'],
    ['%Z', 'UTC'],
    ['%F', '2021-11-28'],
    ['%D', '11/28/21'],
    ['%x', '11/28/21'],
    ['%T', '18:05:03'],
    ['%X', '18:05:03'],
    ['%R', '18:05'],
    ['%c', 'Sun Nov 28 18:05:03 2021'],
    ['%n%t', '\n\t'],
    ['100%%', '100%'],
  ])('%s -> %j', (format, expected) => {
    expect(strftime(d, format)).toBe(expected);
  });

  it('pads single digits and handles midnight in 12-hour forms', () => {
    expect(strftime(morning, '%d %e %j %I %l %p %u %a')).toBe('01  1 001 12 12 AM 1 Mon');
  });

  it('copies unknown directives and a trailing % as is', () => {
    expect(strftime(d, 'x %Q y %')).toBe('x %Q y %');
    expect(strftime(d, 'no directives')).toBe('no directives');
  });
});
