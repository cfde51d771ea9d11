import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, StreamerError } from '../common/errors.js';
import type { Principal, StreamAccess } from './principal.js';

/** What a call may need: read or write access to streams, or an admin token. */
export type Permission = StreamAccess | 'admin';

/** Whether `principal` may `access` the stream `sid`. */
export function allows(principal: Principal, access: StreamAccess, sid: string): boolean {
  return principal.can(access, sid);
}

/** The items of a list whose stream (`sidOf`) `principal` may read: what a listing shows. */
export function readableBy<T>(
  principal: Principal,
  items: readonly T[],
  sidOf: (item: T) => string,
): T[] {
  if (principal.isAdmin) return items as T[];
  return items.filter((item) => principal.canRead(sidOf(item)));
}

/**
 * The one stream-access policy of every platform (SPEC "Authentication and permissions"): which
 * principal may read, write or administer which sids. HTTP applies it with
 * `@RequireStreamAccess()`, WebSocket routes with their `access` declaration, GraphQL with
 * `@Authorize()`; listings keep what `readableBy` lets through. A refusal is a FORBIDDEN
 * `StreamerError`, logged at warn with the remote address, the reason and `sub`, never the token.
 */
@Injectable()
export class AccessPolicy {
  private readonly logger = new Logger('Auth');

  /**
   * Throws FORBIDDEN unless `principal` has `permission`: on every sid (naming the first it may
   * not access), or for `admin` an admin token (`what` names the operation).
   */
  require(
    principal: Principal,
    permission: Permission,
    sids: readonly string[],
    via: string,
    what = '',
  ): void {
    if (permission === 'admin') {
      if (!principal.isAdmin) this.forbid(principal, `${what} needs an admin token`, via);
      return;
    }
    for (const sid of sids) {
      if (!allows(principal, permission, sid)) {
        this.forbid(
          principal,
          `no ${permission} permission on stream ${JSON.stringify(sid.slice(0, 64))}`,
          via,
        );
      }
    }
  }

  /** Throws FORBIDDEN unless `principal` may write every sid (a write pattern of stars). */
  requireWriteAll(principal: Principal, what: string, via: string): void {
    if (!principal.canWriteAll)
      this.forbid(principal, `${what} needs write permission on every stream`, via);
  }

  private forbid(principal: Principal, message: string, via: string): never {
    this.logger.warn(
      `${via} refused for ${principal.remote || '-'} (sub ${principal.sub ?? '-'}): ${message}`,
    );
    throw new StreamerError(ErrorCode.Forbidden, message);
  }
}
