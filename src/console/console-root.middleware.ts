import type { NextFunction, Request, Response } from 'express';

/**
 * `GET /` from a browser (its Accept prefers `text/html` to JSON) goes to the console; every
 * other client gets whatever `/` answers otherwise.
 */
export function consoleRootRedirect(req: Request, res: Response, next: NextFunction): void {
  if (
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.path === '/' &&
    req.accepts(['application/json', 'text/html']) === 'text/html'
  ) {
    res.redirect(302, '/console');
    return;
  }
  next();
}
