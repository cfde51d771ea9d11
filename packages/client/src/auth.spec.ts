import { decodeProtectedHeader, jwtVerify } from 'jose';
import { accessToken, authHeaders, mintToken } from './auth.js';

const SECRET = 'a-test-secret-of-enough-length-for-hs256';
const key = new TextEncoder().encode(SECRET);

describe('mintToken', () => {
  it('signs HS256 with the secret and carries sub, exp, streams and admin (SPEC claims)', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await mintToken(SECRET, {
      sub: 'cam1',
      read: ['cam/*', 'depth'],
      write: ['cam/*'],
      ttl: '1h',
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    expect(payload).toEqual({
      sub: 'cam1',
      iat: expect.any(Number),
      exp: expect.any(Number),
      streams: { read: ['cam/*', 'depth'], write: ['cam/*'] },
      admin: false,
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
  });

  it('marks admin tokens and defaults to empty pattern lists and a one-hour lifetime', async () => {
    const token = await mintToken(SECRET, { sub: 'ops', admin: true });
    const { payload } = await jwtVerify(token, key);
    expect(payload.admin).toBe(true);
    expect(payload.streams).toEqual({ read: [], write: [] });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('reads a lifetime of plain digits as seconds', async () => {
    const { payload } = await jwtVerify(await mintToken(SECRET, { sub: 's', ttl: '90' }), key);
    expect(payload.exp! - payload.iat!).toBe(90);
  });

  it('does not verify with another secret', async () => {
    const token = await mintToken(SECRET, { sub: 's' });
    await expect(jwtVerify(token, new TextEncoder().encode('another secret'))).rejects.toThrow(
      /signature/,
    );
  });

  it('refuses an empty secret, a missing subject and a bad or negative lifetime', async () => {
    await expect(mintToken('', { sub: 's' })).rejects.toThrow(/AUTH_JWT_SECRET/);
    await expect(mintToken(SECRET, { sub: '' })).rejects.toThrow(/subject/);
    await expect(mintToken(SECRET, { sub: 's', ttl: 'soon' })).rejects.toThrow(/time period/);
    await expect(mintToken(SECRET, { sub: 's', ttl: '-1h' })).rejects.toThrow(/> 0/);
    await expect(mintToken(SECRET, { sub: 's', ttl: '0' })).rejects.toThrow(/> 0/);
  });
});

describe('where the token goes', () => {
  it('is an Authorization header by default, and the access_token query when asked', () => {
    expect(authHeaders({ token: 't1' })).toEqual({ authorization: 'Bearer t1' });
    expect(accessToken({ token: 't1' })).toBeUndefined();
    expect(authHeaders({ token: 't1', tokenIn: 'query' })).toEqual({});
    expect(accessToken({ token: 't1', tokenIn: 'query' })).toBe('t1');
    expect(authHeaders({})).toEqual({});
    expect(accessToken({ tokenIn: 'query' })).toBeUndefined();
  });
});
