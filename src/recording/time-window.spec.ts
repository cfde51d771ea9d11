import { idBefore, MAX_SEQ, parseBound } from './time-window.js';

describe('parseBound', () => {
  const now = 1_700_000_000_000;

  it.each([
    ['-', 'start', '-', null],
    ['', 'end', '+', null],
    ['+', 'end', '+', null],
    ['5-3', 'start', '5-3', null],
    ['007-01', 'end', '7-1', null],
    ['1700000000123', 'start', '1700000000123-0', 1700000000123],
    ['1700000000123', 'end', `1700000000123-${MAX_SEQ}`, 1700000000123],
    ['2023-11-14T22:13:20Z', 'start', '1700000000000-0', 1700000000000],
    ['now', 'start', `${now}-0`, now],
    ['now-30s', 'start', `${now - 30_000}-0`, now - 30_000],
    ['now+5m', 'end', `${now + 300_000}-${MAX_SEQ}`, now + 300_000],
    ['now-250', 'start', `${now - 250}-0`, now - 250],
  ] as const)('%s as %s', (raw, side, id, ms) => {
    expect(parseBound(raw, side, now)).toEqual({ id, ms });
  });

  it.each(['yesterday', '5-', '-5', 'now-3d', '2023-13-45T00:00:00Z', '+'])(
    'refuses %s as start',
    (raw) => {
      expect(() => parseBound(raw, 'start', now)).toThrow(/start must be/);
    },
  );
});

describe('idBefore', () => {
  it.each([
    ['5-3', '5-2'],
    ['5-0', `4-${MAX_SEQ}`],
    ['0-0', '0-0'],
    ['-', '0-0'],
  ])('%s → %s', (id, before) => expect(idBefore(id)).toBe(before));
});
