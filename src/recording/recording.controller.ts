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
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service.js';
import { RequireStreamAccess } from '../auth/stream-access.guard.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { HttpErrorFilter } from '../http/http-error.filter.js';
import { McapExportService } from './mcap-export.service.js';
import { ImportSummary, McapImportService } from './mcap-import.service.js';
import { ExportQuery, ImportQuery } from './recording-query.dto.js';

const EXPORT_PATH = /\/data\/([^/]+)\/export\/?$/;

/**
 * Record and replay: `GET /data/{sid}/export` writes streams to an MCAP file, `POST /data/import`
 * appends an MCAP file's messages to streams. Declared before the other data routes, so that
 * `POST /data/import` is not taken for a push to a stream called `import`. Their OpenAPI
 * description is in `../http/openapi-document.ts`.
 */
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
      const principal = await this.auth.authenticateRequest(req, 'http');
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
