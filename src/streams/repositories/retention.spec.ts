import { countTrimEvery, RetentionCache, retentionOf, retentionProblem } from './retention.js';

describe('retention', () => {
  const defaults = { maxLen: 1000, maxAgeMs: 0 };

  it('accepts {maxAgeMs, maxLen} of non-negative integers only', () => {
    expect(retentionProblem({ maxAgeMs: 10_000, maxLen: 0 })).toBeNull();
    expect(retentionProblem({})).toBeNull();
    expect(retentionProblem([])).toMatch(/object/);
    expect(retentionProblem({ maxLen: -1 })).toMatch(/maxLen/);
    expect(retentionProblem({ ttl: 5 })).toMatch(/unknown field/);
  });

  it("overrides each default with the stream's own field", () => {
    expect(retentionOf({ retention: { maxAgeMs: 5000 } }, defaults)).toEqual({
      maxLen: 1000,
      maxAgeMs: 5000,
    });
    expect(retentionOf({ retention: 'bad' }, defaults)).toEqual(defaults);
  });

  it('appends with the defaults until the metadata is loaded, then with it', async () => {
    let resolve: (meta: Record<string, unknown>) => void = () => undefined;
    const cache = new RetentionCache(defaults, () => new Promise((r) => (resolve = r)));
    expect(cache.next('s', 1_000_000).xadd).toEqual(['MAXLEN', '~', '1000']);
    resolve({ retention: { maxAgeMs: 10_000, maxLen: 100 } });
    await Promise.resolve();
    const plans = Array.from({ length: countTrimEvery(100) }, () => {
      const { xadd, trimTo } = cache.next('s', 1_000_000);
      return { xadd: [...xadd], trimTo };
    });
    expect(plans[0].xadd).toEqual(['MINID', '~', '990000']);
    // the count bound goes out as an XTRIM once every countTrimEvery(maxLen) appends
    expect(plans.map((p) => p.trimTo)).toEqual([...Array(9).fill(0), 100]);
  });

  it('forgets the least recently added stream beyond its size', () => {
    const loads: string[] = [];
    const cache = new RetentionCache(defaults, (sid) => (loads.push(sid), Promise.resolve({})), 2);
    cache.next('a', 0);
    cache.next('b', 0);
    cache.next('c', 0);
    cache.next('a', 0);
    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });
});
