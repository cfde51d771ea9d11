import { deviceIdProblem, devicesOf } from './device-id.js';

describe('device ids', () => {
  it('accept names and refuse what would break key tags and stream prefixes', () => {
    for (const ok of ['default', 'cam-1', 'hololens.2', 'robot/arm', 'Gerät 7']) {
      expect(deviceIdProblem(ok)).toBeNull();
    }
    for (const bad of [
      '',
      'a:b',
      '{a}',
      'a}b',
      'a+b',
      'a*',
      'a?',
      '[a]',
      'a\\b',
      'a\nb',
      'x'.repeat(129),
    ]) {
      expect(deviceIdProblem(bad)).toEqual(expect.any(String));
    }
    expect(deviceIdProblem(42)).toEqual(expect.any(String));
  });
});

describe('devicesOf', () => {
  it('is the named device alone when one is named', () => {
    expect(devicesOf(['cam-1:rgb', 'other'], 'rig')).toEqual(['rig']);
  });

  it('is else the distinct valid prefixes of <id>:<sid> streams', () => {
    expect(
      devicesOf(['cam-1:rgb', 'cam-1:depth', 'imu', ':odd', 'a{b:x', 'robot:arm:joint'], null),
    ).toEqual(['cam-1', 'robot']);
    expect(devicesOf(['plain'], null)).toEqual([]);
  });
});
