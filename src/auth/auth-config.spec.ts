import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../config/app-config.js';

const SECRET = 's'.repeat(32);
const pem = (type: 'rsa' | 'ec', namedCurve = 'prime256v1') =>
  (type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve })
  ).publicKey
    .export({ type: 'spki', format: 'pem' })
    .toString();

describe('authentication settings', () => {
  test('off by default, 5 s of clock skew', () => {
    const config = loadConfig({});
    expect(config.AUTH_JWT_SECRET).toBeUndefined();
    expect(config.AUTH_JWT_PUBLIC_KEY).toBeUndefined();
    expect(config.AUTH_JWKS_URL).toBeUndefined();
    expect(config.AUTH_CLOCK_SKEW_S).toBe(5);
  });

  test('a secret shorter than 32 characters is refused without being echoed', () => {
    const short = 'short-secret';
    const error = (() => {
      try {
        loadConfig({ AUTH_JWT_SECRET: short });
      } catch (err) {
        return err as Error;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('AUTH_JWT_SECRET');
    expect(error.message).not.toContain(short);
  });

  test('only one key source at a time', () => {
    expect(() =>
      loadConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://issuer.test/jwks' }),
    ).toThrow(/AUTH_JWT_SECRET, AUTH_JWKS_URL: set only one/);
  });

  test('an RSA or P-256 PEM key is accepted, with \\n escapes for newlines', () => {
    const rsa = pem('rsa');
    expect(loadConfig({ AUTH_JWT_PUBLIC_KEY: rsa }).AUTH_JWT_PUBLIC_KEY).toBe(rsa);
    const ec = pem('ec', 'prime256v1');
    const escaped = ec.replace(/\n/g, '\\n');
    expect(loadConfig({ AUTH_JWT_PUBLIC_KEY: escaped }).AUTH_JWT_PUBLIC_KEY).toBe(ec);
  });

  test('a key that is not PEM, or another curve, is refused', () => {
    expect(() => loadConfig({ AUTH_JWT_PUBLIC_KEY: 'not a key' })).toThrow(
      /AUTH_JWT_PUBLIC_KEY: not a PEM public key/,
    );
    expect(() => loadConfig({ AUTH_JWT_PUBLIC_KEY: pem('ec', 'secp384r1') })).toThrow(
      /RSA \(RS256\) or EC P-256/,
    );
  });

  test('AUTH_JWKS_URL must be an http(s) URL; the skew is bounded', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'ftp://x/jwks' })).toThrow(/AUTH_JWKS_URL/);
    expect(() => loadConfig({ AUTH_CLOCK_SKEW_S: '-1' })).toThrow(/AUTH_CLOCK_SKEW_S/);
    expect(loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:9000/jwks' }).AUTH_JWKS_URL).toBe(
      'http://127.0.0.1:9000/jwks',
    );
  });
});
