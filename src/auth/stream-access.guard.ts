import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { LimitsConfig } from '../config/config-sections.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { parseSidList } from '../streams/ids/sid.js';
import { AccessPolicy } from './access-policy.js';
import { AuthService } from './auth.service.js';
import type { StreamAccess } from './principal.js';

const STREAM_ACCESS = Symbol('streamAccess');
/** `/data/{sid}` and `/data/{sid}/anything`: the segment as sent, still percent-encoded. */
const DATA_SID = /^\/data\/([^/?]+)/;

/**
 * HTTP's application of `AccessPolicy`: requires a token allowing `access` to every sid of the
 * route's `/data/{sid}` segment (checked before the body is read). With `{sid}` = `*` (POST with filenames as sids) the token must be
 * allowed to write every sid. No-op while auth is off.
 */
export const RequireStreamAccess = (access: StreamAccess) =>
  applyDecorators(SetMetadata(STREAM_ACCESS, access), UseGuards(StreamAccessGuard));

@Injectable()
export class StreamAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly policy: AccessPolicy,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.auth.enabled) return true;
    const access = this.reflector.get<StreamAccess>(STREAM_ACCESS, context.getHandler());
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    try {
      const segment = DATA_SID.exec((req.originalUrl ?? req.url).split('?', 1)[0])?.[1] ?? '';
      const everySid = segment === '*' && access === 'write';
      const sids = everySid ? [] : parseSidList(segment, this.config.MAX_SIDS_PER_REQUEST);
      const principal = await this.auth.authenticateRequest(req, 'http');
      this.policy.require(principal, access, sids, 'http');
      if (everySid) this.policy.requireWriteAll(principal, 'POST /data/*', 'http');
      return true;
    } catch (err) {
      if (err instanceof StreamerError && err.code === ErrorCode.Unauthenticated) {
        http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      }
      throw err;
    }
  }
}
