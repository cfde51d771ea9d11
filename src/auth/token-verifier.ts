import { createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, errors, importSPKI, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import type { AuthConfig } from '../config/config-sections.js';

/** Algorithms a JWKS key may sign with: the asymmetric ones, never HS* (whose key would be public). */
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

type Verify = (token: string) => Promise<{ payload: JWTPayload }>;

/** Why a token was refused: the message is safe to send back; `unavailable`: not the token's fault. */
export class TokenRefusal extends Error {
  constructor(
    message: string,
    readonly unavailable = false,
    /** For the log only (may name internal addresses). */
    readonly detail = '',
  ) {
    super(message);
  }
}

/**
 * Verifies JWTs with `jose` against the one configured key source, with the algorithm pinned to
 * the key's type: HS256 for `AUTH_JWT_SECRET`, RS256 or ES256 for `AUTH_JWT_PUBLIC_KEY` (from the
 * key), RS256/ES256 for `AUTH_JWKS_URL`. `alg: none` and an HS256 token signed with a public key
 * are refused by the pinning, before any signature is checked.
 */
export class TokenVerifier {
  private constructor(
    private readonly check: Verify,
    /** Keys come from a remote key set, which may be unreachable. */
    private readonly remote = false,
  ) {}

  /** Null when no key source is configured (auth off). */
  static async fromConfig(config: AuthConfig): Promise<TokenVerifier | null> {
    const options: JWTVerifyOptions = {
      clockTolerance: config.AUTH_CLOCK_SKEW_S,
      ...(config.AUTH_AUDIENCE ? { audience: config.AUTH_AUDIENCE } : {}),
      ...(config.AUTH_ISSUER ? { issuer: config.AUTH_ISSUER } : {}),
    };
    if (config.AUTH_JWT_SECRET) {
      const secret = new TextEncoder().encode(config.AUTH_JWT_SECRET);
      const pinned = { ...options, algorithms: ['HS256'] };
      return new TokenVerifier((token) => jwtVerify(token, secret, pinned));
    }
    if (config.AUTH_JWT_PUBLIC_KEY) {
      const pem = config.AUTH_JWT_PUBLIC_KEY;
      const alg = createPublicKey(pem).asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256';
      const key = await importSPKI(pem, alg);
      const pinned = { ...options, algorithms: [alg] };
      return new TokenVerifier((token) => jwtVerify(token, key, pinned));
    }
    if (config.AUTH_JWKS_URL) {
      // Keys are cached; a token with an unknown `kid` refetches the set (at most every 5 s),
      // which is how a rotated key is picked up.
      const jwks = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), {
        timeoutDuration: 5_000,
        cooldownDuration: 5_000,
        cacheMaxAge: 10 * 60_000,
      });
      const pinned = { ...options, algorithms: JWKS_ALGORITHMS };
      return new TokenVerifier((token) => jwtVerify(token, jwks, pinned), true);
    }
    return null;
  }

  /** The verified claims; throws a `TokenRefusal` naming the problem (never the token). */
  async verify(token: string): Promise<JWTPayload> {
    try {
      return (await this.check(token)).payload;
    } catch (err) {
      throw refusalFor(err, this.remote);
    }
  }
}

function refusalFor(err: unknown, remote: boolean): TokenRefusal {
  if (err instanceof errors.JWTExpired) return new TokenRefusal('token expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new TokenRefusal('token not valid yet (nbf)');
    return new TokenRefusal(`token claim "${err.claim}" not accepted`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new TokenRefusal('token algorithm not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRefusal('token signature does not verify');
  if (err instanceof errors.JWKSNoMatchingKey)
    return new TokenRefusal('no key for the token\'s "kid"');
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return new TokenRefusal('several keys match the token; give it a "kid"');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return new TokenRefusal('malformed token');
  if (err instanceof errors.JOSENotSupported)
    return new TokenRefusal('token algorithm not supported');
  // What is left with a remote key set is fetching it: timeout, connection refused, not 200,
  // not a JWKS. The token may be fine: the client should try again later.
  if (remote) {
    const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause : err) : null;
    return new TokenRefusal(
      'cannot check tokens right now (key set unreachable); try again later',
      true,
      cause ? ` (${cause.message})` : '',
    );
  }
  return new TokenRefusal('invalid token');
}
