import { Inject, Injectable } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleConfig } from '../config/config-sections.js';

/** The pages of the built console folder (`npm run build:console` writes them). */
export enum ConsolePage {
  Console = 'index.html',
  GraphiQL = 'graphiql.html',
}

/** Where the pages' scripts, styles and workers are served from (Vite's `base`). */
export const ASSETS_ROUTE = '/console/assets';

const SELF_ONLY = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  // Images come from the service (MJPEG) or are decoded in the page (blob:, data:).
  'img-src': "'self' data: blob:",
  // GraphQL over HTTP, graphql-ws and the WebSocket pull: this origin only.
  'connect-src': "'self'",
  'font-src': "'self' data:",
  'worker-src': "'self' blob:",
  'object-src': "'none'",
  'base-uri': "'self'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

function policy(directives: Record<string, string>): string {
  return Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

/** The console's Content-Security-Policy: everything from this origin only. */
export const CONSOLE_CSP = policy(SELF_ONLY);
/**
 * GraphiQL's editor (Monaco) adds `<style>` elements at run time, so styles may be inline there;
 * scripts, connections and everything else stay on this origin.
 */
export const GRAPHIQL_CSP = policy({ ...SELF_ONLY, 'style-src': "'self' 'unsafe-inline'" });

/**
 * Locates the built console: `CONSOLE_DIR` when set, else `dist/web` beside the compiled service
 * (this file compiles to `dist/console/`).
 */
@Injectable()
export class ConsoleAssets {
  readonly root: string;

  constructor(@Inject(ConsoleConfig) config: ConsoleConfig) {
    this.root = config.CONSOLE_DIR
      ? resolve(config.CONSOLE_DIR)
      : fileURLToPath(new URL('../web/', import.meta.url));
  }

  /** The folder holding the hashed scripts, styles, fonts and workers. */
  get assetsDir(): string {
    return join(this.root, 'assets');
  }

  /** Whether `page` was built (checked per request: a build may land while the service runs). */
  has(page: ConsolePage): boolean {
    return existsSync(join(this.root, page));
  }
}
