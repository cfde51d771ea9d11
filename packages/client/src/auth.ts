import { SignJWT } from 'jose';

/**
 * How a client presents its token (SPEC "Authentication and permissions"). In Node the token
 * goes in the `Authorization: Bearer` header of every HTTP request and WebSocket handshake;
 * `tokenIn: 'query'` sends it as the `access_token` query parameter instead, the only way a
 * browser's WebSocket can carry one.
 */
export interface AuthOptions {
  /** A JWT the server accepts (`redis-streamer token …` mints one). */
  token?: string;
  /** `header` (default): `Authorization: Bearer`; `query`: `access_token=` in the URL. */
  tokenIn?: 'header' | 'query';
}

/** The `Authorization` header for `options`, or none. */
export function authHeaders(options: AuthOptions): Record<string, string> {
  return options.token && options.tokenIn !== 'query'
    ? { authorization: `Bearer ${options.token}` }
    : {};
}

/** The `access_token` query value for `options`, or `undefined`. */
export function accessToken(options: AuthOptions): string | undefined {
  return options.token && options.tokenIn === 'query' ? options.token : undefined;
}

/** What a minted token allows (SPEC claims `sub`, `streams.read`, `streams.write`, `admin`). */
export interface TokenClaims {
  sub: string;
  /** Sid globs (`cam/*`, `?`, `*`) the bearer may pull and subscribe to. */
  read?: readonly string[];
  /** Sid globs the bearer may push to and set metadata of. */
  write?: readonly string[];
  /** Everything, including `deleteStream`. */
  admin?: boolean;
  /** Lifetime: seconds, or a span such as `30m`, `1h`, `7d` (default `1h`). */
  ttl?: string | number;
}

/** The default lifetime of a minted token. */
export const DEFAULT_TTL = '1h';

/**
 * Mints an HS256 JWT signed with `secret` (the server's `AUTH_JWT_SECRET`), with `sub`, `iat`,
 * `exp`, `streams: {read, write}` and `admin`.
 */
export async function mintToken(secret: string, claims: TokenClaims): Promise<string> {
  if (!secret) throw new Error('AUTH_JWT_SECRET is empty');
  if (!claims.sub) throw new Error('a token needs a subject (--sub)');
  const ttl = claims.ttl ?? DEFAULT_TTL;
  return new SignJWT({
    streams: { read: [...(claims.read ?? [])], write: [...(claims.write ?? [])] },
    admin: claims.admin === true,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiry(ttl))
    .sign(new TextEncoder().encode(secret));
}

/** `exp` for a lifetime: plain digits are seconds, anything else goes to jose's span parser. */
function expiry(ttl: string | number): number | string {
  if (typeof ttl === 'string' && ttl.trim().startsWith('-')) {
    throw new Error('the token lifetime must be > 0');
  }
  if (typeof ttl === 'number' || /^\d+$/.test(ttl)) {
    const seconds = Number(ttl);
    if (!(seconds > 0)) throw new Error('the token lifetime must be > 0');
    return Math.floor(Date.now() / 1000) + seconds;
  }
  return ttl;
}
