import { ErrorCode, StreamerError } from '../common/errors.js';
import { checkFrameLength, packBatch, parseAckFrame, parsePushHeader } from './protocol.js';

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof StreamerError) return err.code;
    throw err;
  }
  return undefined;
}

describe('parsePushHeader', () => {
  it('reads the seed README form [len] for one sid', () => {
    expect(parsePushHeader('[5]', ['cam'])).toEqual([{ sid: 'cam', id: '*', end: 5 }]);
  });

  it('reads cumulative end offsets for one sid', () => {
    expect(parsePushHeader('[2, 2, 7]', ['cam'])).toEqual([
      { sid: 'cam', id: '*', end: 2 },
      { sid: 'cam', id: '*', end: 2 },
      { sid: 'cam', id: '*', end: 7 },
    ]);
  });

  it('maps offsets to URL sids by position when there are several', () => {
    expect(parsePushHeader('[3, 8]', ['cam', 'depth'])).toEqual([
      { sid: 'cam', id: '*', end: 3 },
      { sid: 'depth', id: '*', end: 8 },
    ]);
  });

  it('requires one offset per URL sid when there are several', () => {
    expect(codeOf(() => parsePushHeader('[3]', ['cam', 'depth']))).toBe(ErrorCode.MalformedData);
  });

  it('reads [sid, end] and [sid, id, end] items', () => {
    expect(
      parsePushHeader('[["b", 1], ["a", "5-1", 3], ["a", null, 4], ["b", "*", 4]]', ['a', 'b']),
    ).toEqual([
      { sid: 'b', id: '*', end: 1 },
      { sid: 'a', id: '5-1', end: 3 },
      { sid: 'a', id: '*', end: 4 },
      { sid: 'b', id: '*', end: 4 },
    ]);
  });

  it('accepts an empty header', () => {
    expect(parsePushHeader('[]', ['a'])).toEqual([]);
  });

  it.each([
    ['not JSON', '[1,'],
    ['not a list', '{"a": 1}'],
    ['a string offset', '["3"]'],
    ['a negative offset', '[-1]'],
    ['a fractional offset', '[1.5]'],
    ['decreasing offsets', '[4, 2]'],
    ['mixed forms', '[1, ["a", 2]]'],
    ['an item of the wrong arity', '[["a"]]'],
    ['a non-string sid', '[[1, 2]]'],
    ['a malformed explicit id', '[["a", "abc", 2]]'],
    ['a numeric explicit id', '[["a", 12, 2]]'],
  ])('refuses %s as malformed data', (_name, header) => {
    expect(codeOf(() => parsePushHeader(header, ['a']))).toBe(ErrorCode.MalformedData);
  });

  it('refuses a sid that is not in the URL as not allowed', () => {
    expect(codeOf(() => parsePushHeader('[["other", 2]]', ['a']))).toBe(ErrorCode.NotAllowed);
  });
});

describe('checkFrameLength', () => {
  it('accepts a frame ending at the last offset', () => {
    expect(() => checkFrameLength([{ sid: 'a', id: '*', end: 4 }], 4)).not.toThrow();
    expect(() => checkFrameLength([], 0)).not.toThrow();
  });

  it('refuses a frame of another length', () => {
    expect(codeOf(() => checkFrameLength([{ sid: 'a', id: '*', end: 4 }], 5))).toBe(
      ErrorCode.MalformedData,
    );
    expect(codeOf(() => checkFrameLength([], 1))).toBe(ErrorCode.MalformedData);
  });
});

describe('packBatch', () => {
  it('packs start offsets and concatenated payloads that the seed README snippet unpacks', () => {
    const { header, body } = packBatch([
      { sid: 'a', id: '1-0', data: Buffer.from('xy') },
      { sid: 'b"q', id: '2-0', data: Buffer.alloc(0) },
      { sid: 'a', id: '3-0', data: Buffer.from('zzz') },
    ]);
    const parsed = JSON.parse(header) as [string, string, number][];
    expect(parsed).toEqual([
      ['a', '1-0', 0],
      ['b"q', '2-0', 2],
      ['a', '3-0', 2],
    ]);
    expect(body.toString()).toBe('xyzzz');
    const offsets = parsed.map((h) => h[2]);
    const pieces = offsets.map((start, i) =>
      body.subarray(start, offsets[i + 1] ?? body.length).toString(),
    );
    expect(pieces).toEqual(['xy', '', 'zzz']);
  });

  it('sends a single payload without copying it', () => {
    const data = Buffer.from('frame');
    const { header, body } = packBatch([{ sid: 's', id: '9-9', data }]);
    expect(JSON.parse(header)).toEqual([['s', '9-9', 0]]);
    expect(body).toBe(data);
  });
});

describe('parseAckFrame', () => {
  it('takes ids and [sid, id] pairs', () => {
    expect(parseAckFrame('{"ack": ["1-0", ["cam", "2-0"]]}')).toEqual(['1-0', ['cam', '2-0']]);
    expect(parseAckFrame('{"ack": []}')).toEqual([]);
  });

  it.each(['not json', '{"ack": 5}', '[]', 'null', '{"ack": [1]}', '{"ack": [["cam"]]}'])(
    'refuses %s as malformed data',
    (text) => {
      expect(() => parseAckFrame(text)).toThrow(
        expect.objectContaining({ code: 'MALFORMED_DATA' }) as Error,
      );
    },
  );
});
