import { StreamerError } from './errors.js';
import { BoolQuery, IntQuery, NumberQuery } from './query.js';
import { validateQuery } from './validation.js';

class Sample {
  @BoolQuery() flag = true;
  @IntQuery(1, 10) n = 1;
  @NumberQuery(0, 100) f = 0;
}

const parse = (query: string) => validateQuery(Sample, new URLSearchParams(query));

function refusal(query: string): string {
  try {
    parse(query);
  } catch (err) {
    expect(err).toBeInstanceOf(StreamerError);
    return (err as StreamerError).message;
  }
  throw new Error(`${query} was accepted`);
}

describe('query-string DTO fields', () => {
  it.each([
    ['1', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['false', false],
    ['False', false],
  ])('boolean %p', (value, expected) => {
    expect(parse(`flag=${value}`).flag).toBe(expected);
  });

  it('keeps the defaults for absent and empty parameters', () => {
    expect(parse('')).toMatchObject({ flag: true, n: 1, f: 0 });
    expect(parse('n=&f=')).toMatchObject({ n: 1, f: 0 });
  });

  it('parses numbers within their bounds', () => {
    expect(parse('n=7&f=2.5')).toMatchObject({ n: 7, f: 2.5 });
    expect(parse('n=1&n=9').n).toBe(1);
  });

  it('refuses junk, naming the parameter and the value', () => {
    expect(refusal('flag=maybe')).toBe(
      'query parameter flag must be a boolean (1/0, true/false), got "maybe"',
    );
    expect(refusal('n=11')).toBe('query parameter n must be an integer from 1 to 10, got "11"');
    expect(refusal('n=-1')).toMatch(/query parameter n must be an integer/);
    expect(refusal('n=1e3')).toMatch(/query parameter n/);
    expect(refusal('f=x&n=0')).toMatch(/^query parameter n .*; query parameter f /);
  });
});
