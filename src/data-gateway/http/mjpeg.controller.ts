import { Controller, Get, Query, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequireStreamAccess } from '../../auth/stream-access.guard.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { DEFAULT_MJPEG_FPS, MAX_MJPEG_FPS, MjpegQuery } from '../dto/data-query.dto.js';
import { MjpegService } from './mjpeg.service.js';
import { ERROR_SCHEMA } from './openapi-schemas.js';

const MJPEG_PATH = /\/data\/([^/]+)\/mjpeg\/?$/;

/** `GET /data/{sid}/mjpeg`: a live JPEG stream any browser shows in an `<img>` (SPEC "MJPEG view"). */
@ApiTags('data')
@Controller('data')
@UseFilters(HttpErrorFilter)
export class MjpegController {
  constructor(private readonly mjpeg: MjpegService) {}

  @Get(':sid/mjpeg')
  @RequireStreamAccess('read')
  @ApiOperation({
    summary: 'Watch a stream of JPEG entries as MJPEG',
    description:
      'Answers `multipart/x-mixed-replace` and keeps the response open: the newest entry first (when it ' +
      'is a JPEG), then each new JPEG entry as one part (`Content-Type: image/jpeg`, `Content-Length`, ' +
      '`X-Entry-Id`). A slow client skips frames (the server holds at most one per client); entries ' +
      'that do not start with FF D8 are skipped. `<img src="/data/cam/mjpeg">` shows it live.',
  })
  @ApiParam({ name: 'sid', type: String, description: 'one stream id (percent-encoded)' })
  @ApiQuery({
    name: 'max_fps',
    required: false,
    description: 'at most this many frames a second (0 = as fast as the client reads)',
    schema: { type: 'number', default: DEFAULT_MJPEG_FPS, minimum: 0, maximum: MAX_MJPEG_FPS },
  })
  @ApiProduces('multipart/x-mixed-replace')
  @ApiResponse({ status: 200, description: 'a never-ending multipart body of JPEG frames' })
  @ApiResponse({
    status: 400,
    description: 'bad stream id, several stream ids, or a bad max_fps',
    schema: ERROR_SCHEMA,
  })
  @ApiResponse({ status: 503, description: 'server shutting down', schema: ERROR_SCHEMA })
  watch(@Req() req: Request, @Res() res: Response, @Query() query: MjpegQuery): void {
    const url = req.originalUrl ?? req.url;
    const q = url.indexOf('?');
    // The segment as sent (still percent-encoded): `parseSidList` decodes it once.
    const segment = MJPEG_PATH.exec(q < 0 ? url : url.slice(0, q))?.[1] ?? '';
    this.mjpeg.open(segment, query.max_fps, res);
  }
}
