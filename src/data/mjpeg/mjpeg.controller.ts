import { Controller, Get, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequireStreamAccess } from '../../auth/stream-access.guard.js';
import { HttpErrorFilter } from '../../http/http-error.filter.js';
import { MjpegQuery } from '../dto/data-query.dto.js';
import { MjpegService } from './mjpeg.service.js';

const MJPEG_PATH = /\/data\/([^/]+)\/mjpeg\/?$/;

/** `GET /data/{sid}/mjpeg`: a live JPEG stream any browser shows in an `<img>` (SPEC "MJPEG view"). */
@Controller('data')
@UseFilters(HttpErrorFilter)
export class MjpegController {
  constructor(private readonly mjpeg: MjpegService) {}

  @Get(':sid/mjpeg')
  @RequireStreamAccess('read')
  watch(@Req() req: Request, @Res() res: Response, @Query() query: MjpegQuery): void {
    const url = req.originalUrl ?? req.url;
    const q = url.indexOf('?');
    // The segment as sent (still percent-encoded): `parseSidList` decodes it once.
    const segment = MJPEG_PATH.exec(q < 0 ? url : url.slice(0, q))?.[1] ?? '';
    this.mjpeg.open(segment, query.max_fps, res);
  }
}
