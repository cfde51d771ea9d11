import { INestApplication } from '@nestjs/common';

/** Settings shared by `main.ts` and the tests' application factory. */
export function configureApp(app: INestApplication): INestApplication {
  app.enableShutdownHooks();
  return app;
}
