import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * `BENCH_AUTH=1`: the started server checks tokens (HS256, `AUTH_JWT_SECRET` or a random secret)
 * and every bench client sends an admin token in its handshake, so a run measures what
 * authentication costs.
 */
export interface BenchAuth {
  /** AUTH_JWT_SECRET for the started server. */
  secret: string;
  /** The handshake header of every bench client. */
  authorization: string;
}

async function benchAuth(): Promise<BenchAuth> {
  // With --url, the running server's AUTH_JWT_SECRET must be given to the bench too.
  const secret = process.env.AUTH_JWT_SECRET ?? randomBytes(32).toString('base64url');
  const token = await new SignJWT({ admin: true })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(secret));
  return { secret, authorization: `Bearer ${token}` };
}

export const BENCH_AUTH: BenchAuth | null =
  process.env.BENCH_AUTH === '1' ? await benchAuth() : null;
