import { ErrorCode, StreamerError } from '../../common/errors.js';
import { parseSidList, sidProblem } from './sid.js';

describe('sidProblem', () => {
  it.each(['cam', 'dev/cam', 'ünïcödé', 'a'.repeat(256), 'with space'])('accepts %p', (sid) => {
    expect(sidProblem(sid)).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(257)],
    ['too long in bytes', 'é'.repeat(129)],
    ['a control character', 'a\nb'],
    ['a plus', 'a+b'],
  ])('refuses %s', (_name, sid) => {
    expect(sidProblem(sid)).not.toBeNull();
  });
});

describe('parseSidList', () => {
  it('splits on + and percent-decodes', () => {
    expect(parseSidList('cam+dev%2Fdepth', 10)).toEqual(['cam', 'dev/depth']);
  });

  it.each([
    ['bad percent-encoding', '%E0%A4%A', 10],
    ['an empty part', 'a++b', 10],
    ['a repeated sid', 'a+a', 10],
    ['too many sids', 'a+b+c', 2],
    ['an encoded plus', 'a%2Bb', 10],
    ['a reserved metadata key', 'XMETA%3Afoo', 10],
    ['a reserved metadata key among others', 'a+XMETA:foo', 10],
  ])('refuses %s', (_name, segment, max) => {
    let error: unknown;
    try {
      parseSidList(segment, max);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StreamerError);
    expect((error as StreamerError).code).toBe(ErrorCode.BadRequest);
  });
});
