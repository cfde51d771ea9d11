import { StreamerError } from '../common/errors.js';
import { parseRates, syncParamsOf } from './sync-options.js';

describe('rate and sync parameters', () => {
  it('turns rates into windows; 0 means in full', () => {
    expect([...parseRates('cam:2,imu:0,dev%2Fdepth:30', ['cam', 'imu', 'dev/depth'])]).toEqual([
      ['cam', 500],
      ['dev/depth', 33],
    ]);
    expect([...parseRates('0.5', ['cam'])]).toEqual([['cam', 2000]]);
  });

  it.each([
    ['cam:fast', 'rate of "cam" must be a number'],
    ['cam:-1', 'rate of "cam" must be a number'],
    ['cam:1001', 'from 0 to 1000'],
    ['cam:1,cam:2', 'names "cam" twice'],
    ['depth:2', "not one of the request's streams"],
    ['2', 'sid:rate pairs'],
  ])('refuses rate=%s', (text, message) => {
    expect(() => parseRates(text, ['cam', 'imu'])).toThrow(message);
  });

  it('takes the reference out of the partners; the wait bound defaults to the tolerance', () => {
    expect(syncParamsOf({ sync: 'imu', tolerance_ms: 15 }, ['cam', 'imu', 'depth'])).toEqual({
      sync: { ref: 'imu', partners: ['cam', 'depth'], toleranceMs: 15, waitMs: 15 },
      rates: null,
    });
  });

  it.each([
    [{ sync: 'x' }, 'not in the URL'],
    [{ sync: 'cam', rate: 'imu:2' }, 'reference stream only'],
    [{ tolerance_ms: 5 }, 'need sync'],
  ])('refuses %j', (query, message) => {
    expect(() => syncParamsOf(query, ['cam', 'imu'])).toThrow(StreamerError);
    expect(() => syncParamsOf(query, ['cam', 'imu'])).toThrow(message);
  });
});
