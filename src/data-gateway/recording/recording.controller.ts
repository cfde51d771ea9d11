import {
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
  UseFilters,
} from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService } from '../../auth/auth.service.js';
import { RequireStreamAccess } from '../../auth/stream-access.guard.js';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import { HttpErrorFilter } from '../http/http-error.filter.js';
import { ApiReadErrors, ERROR_SCHEMA } from '../http/openapi-schemas.js';
import { MCAP_CONTENT_TYPE, McapExportService } from './mcap-export.service.js';
import { ImportSummary, McapImportService } from './mcap-import.service.js';
import { ExportQuery, ImportQuery, MAX_SPEED, MIN_SPEED } from './recording-query.dto.js';

const EXPORT_PATH = /\/data\/([^/]+)\/export\/?$/;

/**
 * Record and replay: `GET /data/{sid}/export` writes streams to an MCAP file, `POST /data/import`
 * appends an MCAP file's messages to streams. Declared before the other data routes, so that
 * `POST /data/import` is not taken for a push to a stream called `import`.
 */
@ApiTags('record and replay')
@Controller('data')
@UseFilters(HttpErrorFilter)
export class RecordingController {
  constructor(
    private readonly exports: McapExportService,
    private readonly imports: McapImportService,
    private readonly auth: AuthService,
  ) {}

  @Get(':sid/export')
  @RequireStreamAccess('read')
  @ApiOperation({
    summary: 'Export a time window of one or more streams as an MCAP file',
    description:
      "One MCAP channel per stream; each entry is a message whose log time is its entry id's time " +
      "(sequence = the id's sequence number), merged across streams in id order. JPEG/PNG streams " +
      'become sensor_msgs/msg/CompressedImage (CDR) channels, `format: json` streams json channels, ' +
      'others application/octet-stream. An `end` in the future records live until then.',
  })
  @ApiParam({
    name: 'sid',
    type: String,
    description: 'stream id (percent-encoded), or several joined by `+`',
  })
  @ApiQuery({
    name: 'start',
    required: false,
    description:
      'first entry: `-` (default, the oldest), an entry id, epoch ms, ISO-8601 or `now-30s`',
    schema: { type: 'string', default: '-' },
  })
  @ApiQuery({
    name: 'end',
    required: false,
    description:
      'last entry: `+` (default, the newest now), an entry id, epoch ms, ISO-8601 or `now+30s` (future: live)',
    schema: { type: 'string', default: '+' },
  })
  @ApiQuery({
    name: 'compression',
    required: false,
    description: 'chunk compression',
    schema: { type: 'string', enum: ['zstd', 'none'], default: 'zstd' },
  })
  @ApiProduces(MCAP_CONTENT_TYPE)
  @ApiResponse({ status: 200, description: 'the MCAP file (Content-Disposition names it)' })
  @ApiReadErrors()
  async export(
    @Req() req: Request,
    @Res() res: Response,
    @Query() query: ExportQuery,
  ): Promise<void> {
    const path = (req.originalUrl ?? req.url).split('?', 1)[0];
    await this.exports.export(EXPORT_PATH.exec(path)?.[1] ?? '', query, res);
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Append the messages of an MCAP file to streams (replay)',
    description:
      "Each channel's messages go to the stream `prefix` + topic, in file order. `speed` paces them by " +
      'their recorded log times; `ids=keep` stores them under their recorded ids where the stream allows. ' +
      'Needs write permission on every target stream. On a malformed file: 400, with what was written ' +
      'before the bad record.',
  })
  @ApiQuery({ name: 'prefix', required: false, schema: { type: 'string', default: '' } })
  @ApiQuery({
    name: 'speed',
    required: false,
    description: 'replay at this pace (1 = as recorded); without it, as fast as possible',
    schema: { type: 'number', minimum: MIN_SPEED, maximum: MAX_SPEED },
  })
  @ApiQuery({
    name: 'as_fast_as_possible',
    required: false,
    schema: { type: 'boolean', default: false },
  })
  @ApiQuery({
    name: 'ids',
    required: false,
    schema: { type: 'string', enum: ['keep', 'new'], default: 'new' },
  })
  @ApiOkResponse({ description: 'per stream: entries written, bytes, first and last id' })
  @ApiResponse({
    status: 400,
    description: 'malformed MCAP or query parameter',
    schema: ERROR_SCHEMA,
  })
  @ApiResponse({
    status: 403,
    description: 'no write permission on a target stream',
    schema: ERROR_SCHEMA,
  })
  @ApiResponse({ status: 415, description: 'a JSON or form body', schema: ERROR_SCHEMA })
  @ApiResponse({
    status: 413,
    description: 'body over IMPORT_MAX_BYTES, or a message over MAX_PAYLOAD_BYTES',
    schema: ERROR_SCHEMA,
  })
  async import(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query() query: ImportQuery,
  ): Promise<ImportSummary> {
    const params = query.params();
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
    if (/^(application\/json|application\/x-www-form-urlencoded|multipart\/)/.test(type)) {
      // The JSON and form parsers would have consumed such a body already.
      throw new UnsupportedMediaTypeException(
        `POST the MCAP file as the raw body (application/x-mcap or application/octet-stream), not ${type}`,
      );
    }
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    try {
      const principal = await this.auth.authorizeRequest(req, 'write', [], 'http');
      const length = req.headers['content-length'];
      return await this.imports.import(
        req,
        length === undefined ? null : Number(length),
        principal,
        params,
        gone.signal,
      );
    } catch (err) {
      if (err instanceof StreamerError && err.code === ErrorCode.Unauthenticated) {
        res.setHeader('WWW-Authenticate', 'Bearer');
      }
      // The rest of the body is not read: do not keep the connection for another request.
      res.setHeader('Connection', 'close');
      throw err;
    }
  }
}
