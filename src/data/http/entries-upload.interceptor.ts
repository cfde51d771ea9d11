import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { MulterModuleOptions } from '@nestjs/platform-express';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { LimitsConfig } from '../../config/config-sections.js';
import { badRequest } from '../../common/errors.js';
import { tooLarge } from '../../http/raw-body.js';

/** Most parts in one multipart body (entries and anything else). */
const MAX_PARTS = 10_000;

/**
 * Nest's multer settings for `POST /data/{sid}` (`MulterModule` of the data module, applied by
 * `AnyFilesInterceptor`): each part is held in memory and bounded by MAX_PAYLOAD_BYTES.
 */
export function entriesUploadOptions(config: LimitsConfig): MulterModuleOptions {
  return {
    // Filenames are stream ids when the URL says `*`: keep them whole (`dev/cam`) and UTF-8.
    preservePath: true,
    defParamCharset: 'utf8',
    limits: {
      fileSize: config.MAX_PAYLOAD_BYTES,
      fieldSize: config.MAX_PAYLOAD_BYTES,
      parts: MAX_PARTS,
    },
  };
}

/**
 * Runs before multer on `POST /data/{sid}`: the whole body is bounded by MAX_PAYLOAD_BYTES too,
 * checked against its Content-Length before a byte of it is read. A multipart body must declare
 * its length (every multipart client does): multer's per-part limits alone would let a chunked
 * body grow to MAX_PARTS times the limit. Other bodies pass through untouched (the controller
 * reads them, bounded, as one raw entry).
 */
@Injectable()
export class EntriesUploadInterceptor implements NestInterceptor {
  private readonly maxBytes: number;

  constructor(@Inject(LimitsConfig) config: LimitsConfig) {
    this.maxBytes = config.MAX_PAYLOAD_BYTES;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.maxBytes) throw tooLarge(this.maxBytes);
    if (req.is('multipart/*') && declared === undefined) {
      throw badRequest('a multipart body needs a Content-Length header');
    }
    return next.handle();
  }
}
