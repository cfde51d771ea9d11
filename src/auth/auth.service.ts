import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ServerConfig } from '../config/config-sections.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { ClaimsError, Principal } from './principal.js';
import { TokenRefusal, TokenVerifier } from './token-verifier.js';

/** The parts of an HTTP request (or WebSocket handshake) a token is looked for in. */
export interface TokenCarrier {
  headers: IncomingHttpHeaders;
  url?: string;
  socket?: { remoteAddress?: string };
}

/** setTimeout's longest delay (about 24.8 days); longer expiries re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Authentication for every transport (SPEC "Authentication and permissions"): a token becomes a
 * `Principal`, whose permissions `AccessPolicy` checks. Refusals are `StreamerError`s
 * (UNAUTHENTICATED, UNAVAILABLE) each transport maps as usual, and are logged here at warn with
 * the remote address, the reason and `sub`, never the token.
 * While no key is configured every caller is `Principal.unrestricted()`.
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(ServerConfig) private readonly config: ServerConfig,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier | null,
  ) {}

  get enabled(): boolean {
    return this.verifier !== null;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) {
      this.logger.log('authentication on: every data, GraphQL and WebSocket call needs a token');
    } else if (!isLoopback(this.config.HOST)) {
      this.logger.warn(
        `authentication is off and HOST=${this.config.HOST} is not a loopback address: anyone ` +
          'who reaches the port can read, write and delete every stream (set AUTH_JWT_SECRET, ' +
          'AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL)',
      );
    }
  }

  /** The bearer token of a request: `Authorization: Bearer …`, else the `access_token` query parameter. */
  tokenOf(req: TokenCarrier): string | undefined {
    const header = bearer(req.headers.authorization);
    if (header !== undefined) return header;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if (q < 0 || !url.includes('access_token=', q)) return undefined;
    return new URLSearchParams(url.slice(q + 1)).get('access_token') ?? undefined;
  }

  /** A graphql-ws `connection_init` payload's `authorization` ("Bearer …"). */
  tokenOfConnectionParams(
    params: Readonly<Record<string, unknown>> | undefined,
  ): string | undefined {
    const value = params?.authorization ?? params?.Authorization;
    return typeof value === 'string' ? bearer(value) : undefined;
  }

  /** Verifies `token` into a principal; throws UNAUTHENTICATED (or UNAVAILABLE: key set unreachable). */
  async authenticate(token: string | undefined, remote: string, via: string): Promise<Principal> {
    if (!this.verifier) return Principal.unrestricted(remote);
    if (!token) throw this.refuse(ErrorCode.Unauthenticated, 'missing token', remote, via, null);
    let claims;
    try {
      claims = await this.verifier.verify(token);
    } catch (err) {
      const refusal = err as TokenRefusal;
      const code = refusal.unavailable ? ErrorCode.Unavailable : ErrorCode.Unauthenticated;
      throw this.refuse(code, refusal.message, remote, via, null, refusal.detail);
    }
    try {
      return Principal.fromClaims(claims, remote);
    } catch (err) {
      if (!(err instanceof ClaimsError)) throw err;
      const sub = typeof claims.sub === 'string' ? claims.sub : null;
      throw this.refuse(ErrorCode.Unauthenticated, err.message, remote, via, sub);
    }
  }

  /** Authenticates a request or handshake by its `Authorization` header or `access_token`. */
  authenticateRequest(req: TokenCarrier, via: string): Promise<Principal> {
    return this.authenticate(this.tokenOf(req), remoteOf(req), via);
  }

  /**
   * Calls `expire` once when the principal's token reaches `exp` (one timer per connection,
   * cleared when the socket closes). Nothing happens for tokens without `exp` or with auth off.
   */
  onExpiry(
    principal: Principal,
    socket: { once(event: 'close', listener: () => void): unknown },
    expire: () => void,
  ): void {
    const expiresAt = principal.expiresAt;
    if (expiresAt === null) return;
    let timer: NodeJS.Timeout;
    const arm = () => {
      const left = expiresAt - Date.now();
      if (left > MAX_TIMER_MS) {
        timer = setTimeout(arm, MAX_TIMER_MS);
        return;
      }
      timer = setTimeout(
        () => {
          this.logger.log(`token of ${principal.sub ?? '-'} from ${principal.remote} expired`);
          expire();
        },
        Math.max(0, left),
      );
    };
    arm();
    socket.once('close', () => clearTimeout(timer));
  }

  private refuse(
    code: ErrorCode,
    reason: string,
    remote: string,
    via: string,
    sub: string | null,
    detail = '',
  ): StreamerError {
    this.logger.warn(`${via} refused for ${remote || '-'} (sub ${sub ?? '-'}): ${reason}${detail}`);
    return new StreamerError(code, reason);
  }
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

export function remoteOf(req: TokenCarrier): string {
  return req.socket?.remoteAddress ?? '';
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
