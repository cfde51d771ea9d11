import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode } from '../common/errors.js';
import {
  ASSETS_ROUTE,
  CONSOLE_CSP,
  ConsoleAssets,
  ConsolePage,
  GRAPHIQL_CSP,
} from './console-assets.js';

/** Asset names as Vite writes them: `name-hash.ext`, no folders. */
const ASSET_NAME = /^[\w.-]+$/;
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The web console (`/console`), the local GraphiQL (`/graphiql`) and their assets, served from
 * the folder the Vite build writes. Pages are revalidated on every load; assets carry a content
 * hash in their name and are cached for good.
 */
@Controller()
export class ConsoleController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get('console')
  console(@Res() res: Response): void {
    this.page(res, ConsolePage.Console, CONSOLE_CSP);
  }

  @Get('graphiql')
  graphiql(@Res() res: Response): void {
    this.page(res, ConsolePage.GraphiQL, GRAPHIQL_CSP);
  }

  @Get(`${ASSETS_ROUTE.slice(1)}/:file`)
  asset(@Param('file') file: string, @Res() res: Response): void {
    // Workers get their CSP from their own response.
    res.setHeader('Content-Security-Policy', GRAPHIQL_CSP);
    if (!ASSET_NAME.test(file) || file.startsWith('.')) {
      notFound(res, file);
      return;
    }
    res.sendFile(
      file,
      { root: this.assets.assetsDir, maxAge: ONE_YEAR_MS, immutable: true, dotfiles: 'deny' },
      (err) => {
        if (err && !res.headersSent) notFound(res, file);
      },
    );
  }

  private page(res: Response, page: ConsolePage, csp: string): void {
    res.setHeader('Content-Security-Policy', csp);
    if (!this.assets.has(page)) {
      res.status(503).json({
        error: {
          code: ErrorCode.Unavailable,
          message: `the web console is not built: run "npm run build:console" (looked in ${this.assets.root})`,
        },
      });
      return;
    }
    res.sendFile(page, { root: this.assets.root, headers: { 'Cache-Control': 'no-cache' } });
  }
}

function notFound(res: Response, file: string): void {
  res.status(404).json({
    error: { code: 'NOT_FOUND', message: `no console asset ${JSON.stringify(file.slice(0, 64))}` },
  });
}
