import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ServerConfig } from './config/config-sections.js';
import { setupOpenApi } from './site/openapi/openapi.js';
import { applyHttpProtections } from './http/http-protections.js';

/** Settings shared by `main.ts` and the tests' application factory; call before `init()`. */
export function configureApp(app: INestApplication): INestApplication {
  // On SIGTERM/SIGINT: run the shutdown hooks, then exit 0 (instead of re-raising the signal).
  app.enableShutdownHooks([], { useProcessExit: true });
  applyHttpProtections(app as NestExpressApplication, app.get(ServerConfig));
  setupOpenApi(app);
  return app;
}
