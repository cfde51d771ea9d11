import {
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { RequireStreamAccess } from '../../auth/stream-access.guard.js';
import { ReadQuery } from '../dto/data-query.dto.js';
import { DataHttpService, PostBody } from './data-http.service.js';
import type { UploadedPart } from './data-http.service.js';
import { EntriesUploadInterceptor } from './entries-upload.interceptor.js';
import { HttpErrorFilter } from '../../http/http-error.filter.js';

/**
 * HTTP data endpoints: `POST /data/{sid}` and `GET /data/{sid}` (SPEC "HTTP data endpoints").
 * Their OpenAPI description is `openapi-document.ts`.
 */
@Controller('data')
@UseFilters(HttpErrorFilter)
export class DataHttpController {
  constructor(private readonly data: DataHttpService) {}

  @Post(':sid')
  @RequireStreamAccess('write')
  @HttpCode(200)
  @UseInterceptors(EntriesUploadInterceptor, AnyFilesInterceptor())
  push(@Req() req: Request): Promise<string[]> {
    return this.data.append(sidSegment(req), postBodyOf(req));
  }

  /** The payloads go out as Redis returned them, in one corked write (no joined copy). */
  @Get(':sid')
  @RequireStreamAccess('read')
  async pull(@Req() req: Request, @Query() query: ReadQuery, @Res() res: Response): Promise<void> {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const result = await this.data.read(sidSegment(req), query, gone.signal);
    if (result.onSent) res.once('finish', result.onSent);
    res.status(200);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', result.length);
    res.setHeader('entry-offset', result.entryOffset);
    res.setHeader('x-last-entry-id', result.lastEntryId);
    if (result.syncTuples !== undefined) res.setHeader('x-sync-tuples', result.syncTuples);
    res.cork();
    for (const part of result.parts) res.write(part);
    res.end();
    res.uncork();
  }
}

/**
 * The `{sid}` segment as sent (still percent-encoded): Express decodes route parameters, which
 * would turn `%2B` into a `+` separator and decode twice. `parseSidList` decodes it once.
 */
function sidSegment(req: Request): string {
  const path = (req.originalUrl ?? req.url).split('?', 1)[0];
  const match = /\/data\/([^/]+)\/?$/.exec(path);
  return match ? match[1] : '';
}

/** Sorts the body by content type: multipart (parsed by multer), JSON/urlencoded (refused), or raw. */
function postBodyOf(req: Request): PostBody {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const { files } = req as Request & { files?: unknown };
    const parts = (Array.isArray(files) ? files : []) as UploadedPart[];
    const fields = (req.body ?? {}) as Record<string, unknown>;
    return { kind: 'multipart', files: parts, fields };
  }
  if (type === 'application/json' || type === 'application/x-www-form-urlencoded') {
    return { kind: 'unsupported', contentType: type };
  }
  return { kind: 'raw', stream: req };
}
