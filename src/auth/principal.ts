import type { JWTPayload } from 'jose';

/** Read or write access to a stream. */
export type StreamAccess = 'read' | 'write';

/**
 * Who a token speaks for and what it may do, compiled once per token (per connection or HTTP
 * request): each pattern list becomes one anchored regular expression, so a check costs one
 * `RegExp.test` and nothing is compiled per message.
 */
export class Principal {
  private constructor(
    /** The token's `sub`, for logs (`null` when the token has none, or auth is off). */
    readonly sub: string | null,
    /** Where the token came from, for logs. */
    readonly remote: string,
    /** The token's `exp` in epoch milliseconds, or null when it never expires. */
    readonly expiresAt: number | null,
    readonly isAdmin: boolean,
    private readonly read: RegExp | null,
    private readonly write: RegExp | null,
    /** A write pattern matches every sid (`*`): allows `POST /data/*`. */
    readonly canWriteAll: boolean,
  ) {}

  /** Everything allowed: the principal of every request while auth is off. */
  static unrestricted(remote = ''): Principal {
    return new Principal(null, remote, null, true, null, null, true);
  }

  /** From verified claims; throws `ClaimsError` when `streams` or `admin` are malformed. */
  static fromClaims(claims: JWTPayload, remote: string): Principal {
    const streams = claims.streams ?? {};
    if (typeof streams !== 'object' || streams === null || Array.isArray(streams)) {
      throw new ClaimsError('"streams" claim must be an object {read, write}');
    }
    const { read, write } = streams as { read?: unknown; write?: unknown };
    const admin = claims.admin ?? false;
    if (typeof admin !== 'boolean') throw new ClaimsError('"admin" claim must be a boolean');
    const writePatterns = patternList(write, 'write');
    return new Principal(
      typeof claims.sub === 'string' ? claims.sub : null,
      remote,
      typeof claims.exp === 'number' ? claims.exp * 1000 : null,
      admin,
      compileGlobs(patternList(read, 'read')),
      compileGlobs(writePatterns),
      admin || writePatterns.some((p) => /^\*+$/.test(p)),
    );
  }

  canRead(sid: string): boolean {
    return this.isAdmin || (this.read !== null && this.read.test(sid));
  }

  canWrite(sid: string): boolean {
    return this.isAdmin || (this.write !== null && this.write.test(sid));
  }

  can(access: StreamAccess, sid: string): boolean {
    return access === 'read' ? this.canRead(sid) : this.canWrite(sid);
  }
}

export class ClaimsError extends Error {}

function patternList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string')) {
    throw new ClaimsError(`"streams.${name}" claim must be an array of strings`);
  }
  return value as string[];
}

/**
 * One anchored expression for a list of sid globs: `*` matches any run of characters (also `/`),
 * `?` exactly one character; everything else is literal. Null when the list is empty.
 */
export function compileGlobs(patterns: readonly string[]): RegExp | null {
  if (patterns.length === 0) return null;
  const alternatives = patterns.map((pattern) =>
    Array.from(pattern, (ch) => {
      if (ch === '*') return '.*';
      if (ch === '?') return '.';
      return ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    }).join(''),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'su');
}
