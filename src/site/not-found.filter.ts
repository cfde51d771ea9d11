import { ArgumentsHost, Catch, ExceptionFilter, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';

/**
 * Every HTTP 404 in the SPEC's error shape, `{"error": {"code": "NOT_FOUND", "message"}}`,
 * instead of Nest's `{"statusCode", "message", "error"}`. Other contexts (GraphQL) keep their own
 * error mapping: the exception is passed on untouched.
 */
@Catch(NotFoundException)
export class NotFoundFilter implements ExceptionFilter {
  catch(exception: NotFoundException, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return exception;
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return res.destroy();
    res.status(404).json({
      error: { code: 'NOT_FOUND', message: `no endpoint at ${req.method} ${req.path}` },
    });
    return undefined;
  }
}
