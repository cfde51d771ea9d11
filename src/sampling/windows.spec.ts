import { LiveDecimator, windowEndId, windowOf } from './windows.js';
import { nearer } from './tuple.js';

const e = (ms: number, seq = 0) => ({ id: `${ms}-${seq}`, data: Buffer.alloc(0) });

describe('decimation windows', () => {
  it('aligns windows on the epoch', () => {
    expect(windowOf(1999, 500)).toBe(3);
    expect(windowEndId(3, 500)).toBe('1999-18446744073709551615');
  });

  it('lets the newest entry of a window through when a later window begins', () => {
    const d = new LiveDecimator(1000);
    expect(d.push(e(1000))).toBeNull();
    expect(d.push(e(1500))).toBeNull();
    expect(d.due()).toBe(2000);
    expect(d.push(e(2100))).toEqual({ entry: e(1500), skipped: 1 });
    expect(d.flush()).toEqual({ entry: e(2100), skipped: 0 });
    // a late entry of a window already let through is skipped, and counted with the next one
    expect(d.push(e(2900))).toBeNull();
    expect(d.push(e(3000))).toBeNull();
    expect(d.flush()).toEqual({ entry: e(3000), skipped: 1 });
    expect(d.flush()).toBeNull();
  });
});

describe('nearest partner', () => {
  it('takes the nearer candidate, the earlier one on a tie, none beyond the tolerance', () => {
    expect(nearer(1000, e(990), e(1004), 20)).toEqual(e(1004));
    expect(nearer(1000, e(990), e(1010), 20)).toEqual(e(990));
    expect(nearer(1000, e(1010), e(990), 20)).toEqual(e(990));
    expect(nearer(1000, e(970), null, 20)).toBeNull();
    expect(nearer(1000, null, e(1020), 20)).toEqual(e(1020));
  });
});
