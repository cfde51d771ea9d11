import { compileGlobs, Principal } from './principal.js';

describe('compileGlobs', () => {
  const matches = (patterns: string[], sid: string) => compileGlobs(patterns)?.test(sid) ?? false;

  test('`*` matches any run of characters, slashes included, and the empty run', () => {
    expect(matches(['cam/*'], 'cam/1')).toBe(true);
    expect(matches(['cam/*'], 'cam/a/b')).toBe(true);
    expect(matches(['cam/*'], 'cam/')).toBe(true);
    expect(matches(['cam/*'], 'cam')).toBe(false);
    expect(matches(['cam/*'], 'xcam/1')).toBe(false);
    expect(matches(['*'], 'anything at all')).toBe(true);
  });

  test('`?` matches exactly one character (a code point)', () => {
    expect(matches(['cam?'], 'cam1')).toBe(true);
    expect(matches(['cam?'], 'cam')).toBe(false);
    expect(matches(['cam?'], 'cam12')).toBe(false);
    expect(matches(['cam?'], 'cam😀')).toBe(true);
  });

  test('everything else is literal, regular-expression characters included', () => {
    expect(matches(['a.b'], 'a.b')).toBe(true);
    expect(matches(['a.b'], 'axb')).toBe(false);
    expect(matches(['(x)|[y]{2}^$\\/-'], '(x)|[y]{2}^$\\/-')).toBe(true);
    expect(matches(['a+b'], 'aab')).toBe(false);
  });

  test('a list matches when any pattern does; an empty list matches nothing', () => {
    expect(matches(['a', 'b/*'], 'b/1')).toBe(true);
    expect(matches(['a', 'b/*'], 'c')).toBe(false);
    expect(compileGlobs([])).toBeNull();
  });
});

describe('Principal.fromClaims', () => {
  test('read and write are separate; admin may do everything', () => {
    const reader = Principal.fromClaims({ sub: 'r', streams: { read: ['cam/*'] } }, '::1');
    expect([reader.canRead('cam/1'), reader.canWrite('cam/1'), reader.isAdmin]).toEqual([
      true,
      false,
      false,
    ]);
    const admin = Principal.fromClaims({ admin: true }, '::1');
    expect([admin.canRead('x'), admin.canWrite('y'), admin.canWriteAll]).toEqual([
      true,
      true,
      true,
    ]);
  });

  test('exp becomes milliseconds; no streams claim means no permission', () => {
    const p = Principal.fromClaims({ sub: 's', exp: 100 }, '');
    expect(p.expiresAt).toBe(100_000);
    expect(p.sub).toBe('s');
    expect(p.canRead('a')).toBe(false);
  });

  test('only a write pattern of stars allows writing every sid', () => {
    expect(Principal.fromClaims({ streams: { write: ['*'] } }, '').canWriteAll).toBe(true);
    expect(Principal.fromClaims({ streams: { write: ['?'] } }, '').canWriteAll).toBe(false);
    expect(Principal.fromClaims({ streams: { write: ['cam/*'] } }, '').canWriteAll).toBe(false);
  });

  test.each([
    [{ streams: ['*'] }, /"streams" claim/],
    [{ streams: { read: 'cam/*' } }, /"streams.read"/],
    [{ streams: { write: [1] } }, /"streams.write"/],
    [{ admin: 'yes' }, /"admin"/],
  ])('malformed claims %j are refused', (claims, message) => {
    expect(() => Principal.fromClaims(claims, '')).toThrow(message);
  });
});
