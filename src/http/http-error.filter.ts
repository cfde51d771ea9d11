import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ErrorCode, httpStatusFor, StreamerError } from '../common/errors.js';

/** The JSON body of every HTTP error answer: `{"error": {"code", "message"}}`, and any details. */
export interface HttpErrorBody {
  error: { code: string; message: string };
  [detail: string]: unknown;
}

/**
 * Maps what the HTTP data endpoints throw to `{"error": {"code", "message"}}` answers.
 * `StreamerError`s keep their code and message (they name the client's problem, or Redis's
 * refusal such as WRONGTYPE); Nest's own HTTP exceptions (multer's limits, 404) keep their
 * status; anything else is a bug: logged once with its stack, answered with a generic 500.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    if (res.headersSent) {
      // The body was already streaming; all that can be done is to cut the connection.
      res.destroy();
      return;
    }
    // A body over the limit was not read to its end: do not keep reading it on this connection.
    if (status === 413) res.setHeader('Connection', 'close');
    res.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: HttpErrorBody } {
    if (exception instanceof StreamerError) return this.fromStreamerError(exception);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, body: errorBody(codeForStatus(status), messageOf(exception)) };
    }
    this.logger.error(
      `unexpected failure in an HTTP data request: ${exception instanceof Error ? exception.stack : String(exception)}`,
    );
    return { status: 500, body: errorBody(ErrorCode.Internal, 'internal server error') };
  }

  private fromStreamerError(error: StreamerError): { status: number; body: HttpErrorBody } {
    const { status, body } = this.mapStreamerError(error);
    return { status, body: { ...error.details, ...body } };
  }

  private mapStreamerError(error: StreamerError): { status: number; body: HttpErrorBody } {
    const status = httpStatusFor(error.code);
    switch (error.code) {
      case ErrorCode.MalformedData:
      case ErrorCode.BadRequest:
      case ErrorCode.NotAllowed:
      case ErrorCode.TooLarge:
      case ErrorCode.ShuttingDown:
      case ErrorCode.Overloaded:
      case ErrorCode.Unauthenticated:
      case ErrorCode.Forbidden:
      case ErrorCode.TokenExpired:
        return { status, body: errorBody(error.code, error.message) };
      case ErrorCode.Internal:
        this.logger.warn(`HTTP data request failed: ${error.message}`);
        return { status, body: errorBody(error.code, error.message) };
      case ErrorCode.Unavailable:
        // The underlying message names Redis's address; the client only needs to retry.
        this.logger.warn(error.message);
        return {
          status,
          body: errorBody(error.code, 'Redis is unreachable right now; try again later'),
        };
    }
  }
}

function errorBody(code: string, message: string): HttpErrorBody {
  return { error: { code, message } };
}

/** Codes for Nest's HTTP exceptions, in the same vocabulary as `ErrorCode` where one fits. */
function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return ErrorCode.BadRequest;
    case 413:
      return ErrorCode.TooLarge;
    case 503:
      return ErrorCode.Unavailable;
    default:
      return (STATUS_CODES[status] ?? `HTTP ${status}`).toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
