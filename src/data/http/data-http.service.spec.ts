import { ErrorCode } from '../../common/errors.js';
import { asciiJson, planParts, UploadedPart } from './data-http.service.js';

const part = (data: string, originalname = 'blob', fieldname = 'entries'): UploadedPart => ({
  fieldname,
  originalname,
  buffer: Buffer.from(data),
});

const sidsOf = (planned: { sid: string; data: Buffer }[]) =>
  planned.map((p) => [p.sid, p.data.toString()]);

describe('planParts', () => {
  it('sends every part to the single sid of the URL, whatever its filename', () => {
    expect(sidsOf(planParts(['cam'], [part('a', 'x.jpg'), part('b')], {}))).toEqual([
      ['cam', 'a'],
      ['cam', 'b'],
    ]);
  });

  it('lets filenames choose with * (any valid sid) and with several sids (one of them)', () => {
    expect(sidsOf(planParts(null, [part('1', 'dev/cam'), part('2', 'b')], {}))).toEqual([
      ['dev/cam', '1'],
      ['b', '2'],
    ]);
    expect(sidsOf(planParts(['a', 'b'], [part('1', 'b')], {}))).toEqual([['b', '1']]);
    expect(() => planParts(['a', 'b'], [part('1', 'c')], {})).toThrow(
      expect.objectContaining({ code: ErrorCode.NotAllowed }),
    );
    expect(() => planParts(null, [part('1', '')], {})).toThrow(/filename must be its stream id/);
    expect(() => planParts(null, [part('1', 'a+b')], {})).toThrow(/"\+"/);
  });

  it('takes text fields in order, for a single sid only', () => {
    expect(sidsOf(planParts(['s'], [], { entries: ['x', 'y'] }))).toEqual([
      ['s', 'x'],
      ['s', 'y'],
    ]);
    expect(sidsOf(planParts(['s'], [], { entries: 'only' }))).toEqual([['s', 'only']]);
    expect(() => planParts(null, [], { entries: 'x' })).toThrow(/no filename/);
    expect(() => planParts(['s'], [part('f')], { entries: 'x' })).toThrow(/not both/);
  });

  it('refuses other part names and an empty body', () => {
    expect(() => planParts(['s'], [part('x', 'f', 'file')], {})).toThrow(/unexpected part "file"/);
    expect(() => planParts(['s'], [], { other: '1' })).toThrow(/unexpected field "other"/);
    expect(() => planParts(['s'], [], {})).toThrow(/no entries/);
    expect(() => planParts(['s'], [], { entries: { nested: '1' } })).toThrow(/plain values/);
  });
});

describe('asciiJson', () => {
  it('escapes every non-ASCII character so the JSON fits in a header, and parses back', () => {
    const json = JSON.stringify([['é日😀', '1-0', 0]]);
    const escaped = asciiJson(json);
    expect(escaped).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(escaped)).toEqual(JSON.parse(json));
  });
});
