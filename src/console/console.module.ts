import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ConsoleAssets } from './console-assets.js';
import { ConsoleController } from './console.controller.js';
import { consoleRootRedirect } from './console-root.middleware.js';

/**
 * The browser pages the service serves itself (no CDN): the web console and GraphiQL. They are
 * static files built by Vite from `console/`; they talk to the public API only.
 */
@Module({
  controllers: [ConsoleController],
  providers: [ConsoleAssets],
})
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(consoleRootRedirect).forRoutes({ path: '/', method: RequestMethod.GET });
  }
}
