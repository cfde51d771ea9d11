import type { INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OPENAPI_DOCUMENT } from './openapi-document.js';

/** Where the OpenAPI description is served: the UI here, the JSON at `${DOCS_PATH}-json`. */
const DOCS_PATH = 'docs';

/** The Swagger UI files the page loads, served from the `swagger-ui-dist` package (no CDN). */
const UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const INIT_SCRIPT = `window.onload = () => {
  window.ui = SwaggerUIBundle({
    url: '/${DOCS_PATH}-json',
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>redis-streamer API</title>
  <link rel="stylesheet" href="/${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="/${DOCS_PATH}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="/${DOCS_PATH}/swagger-ui-standalone-preset.js"></script>
  <script src="/${DOCS_PATH}/init.js"></script>
</body>
</html>
`;

/**
 * Serves the OpenAPI description of the HTTP endpoints: Swagger UI at `/docs` (its assets from
 * the `swagger-ui-dist` package, served locally) and the JSON at `/docs-json`. The document is
 * plain data (`openapi-document.ts`): no OpenAPI generator is loaded into the running service.
 */
export function setupOpenApi(app: INestApplication): void {
  const http = app.getHttpAdapter();
  const uiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const json = JSON.stringify(OPENAPI_DOCUMENT);
  http.get(`/${DOCS_PATH}-json`, (_req: Request, res: Response) => {
    res.type('application/json').send(json);
  });
  http.get(`/${DOCS_PATH}`, (_req: Request, res: Response) => {
    res.type('text/html').send(PAGE);
  });
  http.get(`/${DOCS_PATH}/init.js`, (_req: Request, res: Response) => {
    res.type('text/javascript').send(INIT_SCRIPT);
  });
  for (const [file, type] of Object.entries(UI_FILES)) {
    http.get(`/${DOCS_PATH}/${file}`, (_req: Request, res: Response) => {
      res.sendFile(join(uiDir, file), {
        headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' },
      });
    });
  }
}
