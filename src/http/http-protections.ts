import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ServerConfig } from '../config/config-sections.js';
import { ErrorCode } from '../common/errors.js';

/** JSON request bodies (GraphQL queries and mutations) are small; 1 MiB is plenty. */
const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Pages with a policy of their own: Apollo Sandbox and Swagger UI (scripts and styles from
 * elsewhere), and the web console and GraphiQL (this origin only, set by ConsoleModule).
 */
const PAGES_WITH_OWN_CSP = /^\/(graphql|docs|console|graphiql)(\/|$|-)/;
/** Response headers of the HTTP data endpoints that browsers may read cross-origin. */
const EXPOSED_HEADERS = ['entry-offset', 'x-last-entry-id', 'x-request-id'];

/**
 * Standard security headers, CORS and body limits for every HTTP response.
 *
 * helmet's defaults are kept except where they would break the service's own pages or its
 * cross-origin clients: the strict Content-Security-Policy (`default-src 'none'`) is sent on
 * every response except the Apollo Sandbox landing page (`GET /graphql`) and Swagger UI
 * (`/docs`), which load scripts from a CDN and inline; and resources may be loaded
 * cross-origin (CORS_ORIGINS decides who may read them).
 */
export function applyHttpProtections(app: NestExpressApplication, config: ServerConfig): void {
  app.use(
    helmet({
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      crossOriginEmbedderPolicy: false,
    }),
  );
  const csp = helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  });
  app.use((req: Request, res: Response, next: NextFunction) =>
    PAGES_WITH_OWN_CSP.test(req.path) ? next() : csp(req, res, next),
  );

  app.enableCors({
    origin: corsOrigins(config.CORS_ORIGINS),
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });

  app.useBodyParser('json', { limit: JSON_BODY_LIMIT_BYTES });
  app.useBodyParser('urlencoded', { limit: JSON_BODY_LIMIT_BYTES, extended: true });
  // Parser failures (too large, malformed JSON) answer JSON like every other HTTP error instead
  // of Express's HTML page.
  app.use(bodyParserErrors);
}

/** `*` = any origin; otherwise a comma separated list of exact origins. */
export function corsOrigins(value: string): string | string[] {
  const origins = value
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  return origins.includes('*') ? '*' : origins;
}

interface HttpError extends Error {
  status?: number;
  statusCode?: number;
  type?: string;
}

function bodyParserErrors(err: HttpError, _req: Request, res: Response, next: NextFunction): void {
  const status = err.status ?? err.statusCode ?? 0;
  if (status < 400 || status >= 500 || res.headersSent) return next(err);
  const code = status === 413 ? ErrorCode.TooLarge : ErrorCode.BadRequest;
  const message =
    status === 413
      ? `request body over ${JSON_BODY_LIMIT_BYTES} bytes`
      : `malformed request body: ${err.message}`;
  res.status(status).json({ error: { code, message } });
}
