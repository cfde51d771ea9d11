import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import type { MulterModuleOptions } from '@nestjs/platform-express';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { LimitsConfig } from '../../config/config-sections.js';
import { badRequest } from '../../common/errors.js';
import { tooLarge } from '../../http/raw-body.js';

/** Most parts in one multipart body (entries and anything else). */
const MAX_PARTS = 10_000;

const MultipartParser = AnyFilesInterceptor();

/**
 * Nest's multer integration for `POST /data/{sid}`, with limits from the configuration: each
 * part is held in memory and bounded by MAX_PAYLOAD_BYTES, and so is the whole body, checked
 * against its Content-Length before a byte of it is read. A multipart body must declare its
 * length (every multipart client does): multer's per-part limits alone would let a chunked body
 * grow to MAX_PARTS times the limit. Other bodies pass through untouched (the controller reads
 * them, bounded, as one raw entry).
 */
@Injectable()
export class EntriesUploadInterceptor extends MultipartParser implements NestInterceptor {
  private readonly maxBytes: number;

  constructor(@Inject(LimitsConfig) config: LimitsConfig) {
    const options: MulterModuleOptions = {
      // Filenames are stream ids when the URL says `*`: keep them whole (`dev/cam`) and UTF-8.
      preservePath: true,
      defParamCharset: 'utf8',
      limits: {
        fileSize: config.MAX_PAYLOAD_BYTES,
        fieldSize: config.MAX_PAYLOAD_BYTES,
        parts: MAX_PARTS,
      },
    };
    super(options);
    this.maxBytes = config.MAX_PAYLOAD_BYTES;
  }

  override intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.maxBytes) throw tooLarge(this.maxBytes);
    if (req.is('multipart/*') && declared === undefined) {
      throw badRequest('a multipart body needs a Content-Length header');
    }
    return super.intercept(context, next) as Promise<Observable<unknown>>;
  }
}
