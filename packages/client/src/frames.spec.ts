import { packPush, parseBatchHeader, splitBatch, toBuffer } from './frames.js';
import { httpBase, queryString, sidSegment, wsBase } from './urls.js';
import { parseErrorBody } from './errors.js';

describe('pull batches', () => {
  it('splits a body by start offsets, without copying', () => {
    const body = Buffer.from('abcdef');
    const entries = splitBatch(
      parseBatchHeader([
        ['s', '1-0', 0],
        ['t', '2-0', 2],
        ['s', '3-0', 2],
      ]),
      body,
    );
    expect(entries.map((e) => [e.sid, e.id, e.data.toString()])).toEqual([
      ['s', '1-0', 'ab'],
      ['t', '2-0', ''],
      ['s', '3-0', 'cdef'],
    ]);
    expect(entries[2].data.buffer).toBe(body.buffer);
    expect(splitBatch([], Buffer.alloc(0))).toEqual([]);
  });

  it('refuses headers that are not [[sid, id, offset], …]', () => {
    expect(() => parseBatchHeader({})).toThrow(/list/);
    expect(() => parseBatchHeader([['s', 1, 0]])).toThrow(/items/);
    expect(() => parseBatchHeader([['s', '1-0']])).toThrow(/items/);
  });
});

describe('push frames', () => {
  it('uses cumulative end offsets when no entry names its stream', () => {
    const { header, body } = packPush([{ data: 'ab' }, { data: '' }, { data: 'cde' }], 's');
    expect(JSON.parse(header)).toEqual([2, 2, 5]);
    expect(body.toString()).toBe('abcde');
  });

  it('uses [sid, end] items when any entry names one, the default for the others', () => {
    const { header } = packPush([{ sid: 'b', data: 'x' }, { data: 'yz' }], 'a');
    expect(JSON.parse(header)).toEqual([
      ['b', 1],
      ['a', 3],
    ]);
  });

  it('sends a single payload as is', () => {
    const data = Buffer.from('img');
    expect(packPush([{ data }], 's').body).toBe(data);
    expect(toBuffer(new Uint8Array([1, 2])).equals(Buffer.from([1, 2]))).toBe(true);
    expect(toBuffer(new Uint8Array([9, 1, 2]).subarray(1))).toEqual(Buffer.from([1, 2]));
  });
});

describe('urls', () => {
  it('derives HTTP and WebSocket bases', () => {
    expect(httpBase('localhost:8000/')).toBe('http://localhost:8000');
    expect(httpBase('ws://h:1')).toBe('http://h:1');
    expect(wsBase('https://h')).toBe('wss://h');
    expect(wsBase()).toBe('ws://localhost:8000');
  });

  it('percent-encodes sids and joins several with +', () => {
    expect(sidSegment(['dev/cam', 'a b'])).toBe('dev%2Fcam+a%20b');
    expect(() => sidSegment([])).toThrow();
  });

  it('builds query strings from defined values, booleans as 1/0', () => {
    expect(queryString({ a: 1, b: undefined, c: true, d: false, e: '$+0' })).toBe(
      '?a=1&c=1&d=0&e=%24%2B0',
    );
    expect(queryString({ a: undefined })).toBe('');
  });
});

describe('error bodies', () => {
  it('reads {"error": {"code", "message"}}; a numeric code becomes HTTP_<status>', () => {
    expect(parseErrorBody('{"error":{"code":"TOO_LARGE","message":"big"}}')).toEqual({
      code: 'TOO_LARGE',
      message: 'big',
    });
    expect(parseErrorBody('{"error":{"code":400,"message":"bad"}}')).toEqual({
      code: 'HTTP_400',
      message: 'bad',
    });
    expect(parseErrorBody('<html>')).toBeNull();
    expect(parseErrorBody('[1]')).toBeNull();
  });
});
