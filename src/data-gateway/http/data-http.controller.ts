import {
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequireStreamAccess } from '../../auth/stream-access.guard.js';
import { MAX_BLOCK_MS, MAX_COUNT, ReadQuery } from '../dto/data-query.dto.js';
import { DataHttpService, PostBody } from './data-http.service.js';
import type { UploadedPart } from './data-http.service.js';
import { EntriesUploadInterceptor } from './entries-upload.interceptor.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { ApiReadErrors, ERROR_SCHEMA, POST_REQUEST_BODY } from './openapi-schemas.js';

/** HTTP data endpoints: `POST /data/{sid}` and `GET /data/{sid}` (SPEC "HTTP data endpoints"). */
@ApiTags('data')
@Controller('data')
@UseFilters(HttpErrorFilter)
export class DataHttpController {
  constructor(private readonly data: DataHttpService) {}

  @Post(':sid')
  @RequireStreamAccess('write')
  @HttpCode(200)
  @UseInterceptors(EntriesUploadInterceptor)
  @ApiOperation({
    summary: 'Append entries to one or more streams',
    description:
      'multipart/form-data: every part named `entries` is one entry, stored in order. With `{sid}` = `*` ' +
      "each part's filename is its stream id; with several sids joined by `+` each part's filename picks " +
      'one of them. Any other body (application/octet-stream, image/jpeg, no type) is one entry for the ' +
      'single stream in the URL. Bodies and parts are bounded by MAX_PAYLOAD_BYTES (413 above).',
    requestBody: POST_REQUEST_BODY,
  })
  @ApiParam({
    name: 'sid',
    type: String,
    description: 'stream id (percent-encoded), `a+b`, or `*`',
  })
  @ApiOkResponse({
    description: 'the new entry ids, in the order of the entries',
    schema: { type: 'array', items: { type: 'string', example: '1700000000000-0' } },
  })
  @ApiResponse({
    status: 400,
    description: 'bad stream id or malformed body',
    schema: ERROR_SCHEMA,
  })
  @ApiResponse({
    status: 403,
    description: "a part's filename is not one of the URL's sids",
    schema: ERROR_SCHEMA,
  })
  @ApiResponse({
    status: 413,
    description: 'body or part over MAX_PAYLOAD_BYTES',
    schema: ERROR_SCHEMA,
  })
  @ApiResponse({ status: 415, description: 'JSON or urlencoded body', schema: ERROR_SCHEMA })
  @ApiResponse({
    status: 500,
    description: 'Redis refused (e.g. the key is not a stream)',
    schema: ERROR_SCHEMA,
  })
  @ApiResponse({ status: 503, description: 'Redis unreachable', schema: ERROR_SCHEMA })
  push(@Req() req: Request): Promise<string[]> {
    return this.data.append(sidSegment(req), postBodyOf(req));
  }

  @Get(':sid')
  @RequireStreamAccess('read')
  @ApiOperation({
    summary: 'Read entries after a cursor (optionally waiting for them)',
    description:
      'The body holds the payloads back to back; `entry-offset` says where each starts. Pass ' +
      '`x-last-entry-id` as `last_entry_id` next time to continue without gap or duplicate.',
  })
  @ApiParam({
    name: 'sid',
    type: String,
    description: 'stream id (percent-encoded), or several joined by `+`',
  })
  @ApiQuery({
    name: 'last_entry_id',
    required: false,
    description:
      'start after this id: `$` (default) = only entries newer than now, `0` or `-` = from the beginning, ' +
      'or an entry id; several sids may take one each, joined by `+`',
    schema: { type: 'string', default: '$' },
  })
  @ApiQuery({
    name: 'count',
    required: false,
    description: 'most entries per stream',
    schema: { type: 'integer', default: 1, minimum: 1, maximum: MAX_COUNT },
  })
  @ApiQuery({
    name: 'latest',
    required: false,
    description: 'only the newest entry of each stream (if newer than the cursor)',
    schema: { type: 'boolean', default: false },
  })
  @ApiQuery({
    name: 'block',
    required: false,
    description: 'ms to wait for an entry when none is there yet (0 = answer at once)',
    schema: { type: 'integer', default: 0, minimum: 0, maximum: MAX_BLOCK_MS },
  })
  @ApiOkResponse({
    description: 'the payloads back to back (empty when nothing newer came)',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    headers: {
      'entry-offset': {
        description: 'JSON `[[sid, entry_id, start_offset], …]` (non-ASCII escaped as \\uXXXX)',
        schema: { type: 'string', example: '[["counter","1700000000000-0",0]]' },
      },
      'x-last-entry-id': {
        description:
          'the last_entry_id to pass next time: per sid (joined by `+`) the newest id returned, or the ' +
          'cursor passed in when nothing newer came (`$` resolved to the newest id at request time)',
        schema: { type: 'string', example: '1700000000000-0' },
      },
    },
  })
  @ApiReadErrors()
  async pull(
    @Req() req: Request,
    @Query() query: ReadQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const result = await this.data.read(sidSegment(req), query, gone.signal);
    res.setHeader('entry-offset', result.entryOffset);
    res.setHeader('x-last-entry-id', result.lastEntryId);
    return new StreamableFile(result.body, {
      type: 'application/octet-stream',
      length: result.body.length,
    });
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
