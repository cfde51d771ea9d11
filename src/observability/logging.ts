import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
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

/**
 * Nest's own start-up lines (every module initialised, every route mapped) are logged at debug:
 * at info the start-up log says what a person needs (where the service listens, its Redis).
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'GraphQLModule',
  'NestApplication',
]);

/** The application's logger: the JSON logger, with the framework's start-up lines at debug. */
export class ServiceLogger implements LoggerService {
  constructor(private readonly json: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      this.json.debug?.(message, ...rest);
    } else {
      this.json.log(message, ...rest);
    }
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.json.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.json.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.json.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.json.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.json.fatal?.(message, ...rest);
  }
}

/** The addresses a person opens, for a server listening on `host:port`. */
export function serviceAddresses(host: string, port: number): Record<string, string> {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  const base = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  return {
    'web console': `${base}/console`,
    GraphiQL: `${base}/graphiql`,
    GraphQL: `${base}/graphql`,
    'HTTP API docs': `${base}/docs`,
    metrics: `${base}/metrics`,
  };
}

/** The start-up banner printed on a terminal: what to open, one address a line. */
export function startupBanner(host: string, port: number): string {
  const addresses = Object.entries(serviceAddresses(host, port));
  const width = Math.max(...addresses.map(([name]) => name.length));
  const lines = addresses.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`);
  return `\nredis-streamer is listening on ${host}:${port}\n${lines.join('\n')}\n\n`;
}
