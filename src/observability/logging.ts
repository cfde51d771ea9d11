import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import type { LevelWithSilent } from 'pino';
import type { LoggingConfig } from '../config/config-sections.js';

/** Probed every few seconds: never worth a log line. */
const QUIET_PATHS = /^\/(metrics|healthz|readyz)(\/|\?|$)/;

/**
 * JSON logs (pino) at `LOG_LEVEL`, one request log per HTTP request (not for probes and
 * scrapes). Successful requests are logged at debug so that the data endpoints do not log per
 * message at info; client errors at info, server errors at error.
 */
export function loggingParams(config: LoggingConfig): Params {
  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      timestamp: stdTimeFunctions.isoTime,
      // Request logs name the request, not every header (responses would repeat helmet's).
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: withoutToken(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && given.length <= 128 ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
      customLogLevel: (
        _req: IncomingMessage,
        res: ServerResponse,
        err?: Error,
      ): LevelWithSilent => {
        if (err || res.statusCode >= 500) return 'error';
        if (res.statusCode >= 400) return 'info';
        return 'debug';
      },
    },
  };
}

/** Request URLs are logged without the value of an `access_token` query parameter. */
function withoutToken(url: string): string {
  return url.includes('access_token=')
    ? url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]')
    : url;
}
