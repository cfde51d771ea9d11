import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Where the OpenAPI description is served: the UI here, the JSON at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';

/**
 * Serves the OpenAPI description of the HTTP endpoints: Swagger UI at `/docs` (its assets come
 * from the `swagger-ui-dist` package, served locally, no CDN) and the JSON at `/docs-json`.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('redis-streamer')
    .setDescription(
      'HTTP data endpoints of redis-streamer. WebSocket push/pull live at `ws://HOST/data/{sid}/push` ' +
        'and `/pull`, GraphQL at `/graphql` (see docs/protocol.md and docs/graphql.md).',
    )
    .setVersion('1.0.0')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'redis-streamer API',
  });
}
