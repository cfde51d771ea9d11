import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { Browser, chromium, Locator, Page, Route } from 'playwright-core';
import { startServer, TestServer } from '../support/app.js';
import { connectRedis, TestRedis } from '../support/redis.js';

/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';
/** The console build (`npm run build:console`, run by `npm run test:browser` first). */
export const CONSOLE_DIR = join(process.cwd(), 'dist/web');
/** Screenshots the tests write (git-ignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-output');

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  if (!existsSync(join(CONSOLE_DIR, 'index.html'))) {
    throw new Error(`${CONSOLE_DIR} is not built: npm run build:console`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}

/** A page whose every request outside `origin` is refused and remembered. */
export interface GuardedPage {
  page: Page;
  /** Requests the page tried outside the service (should stay empty). */
  foreign: string[];
  /** Console messages about refused content (CSP) and uncaught page errors. */
  problems: string[];
}

export async function guardedPage(browser: Browser, origin: string): Promise<GuardedPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const foreign: string[] = [];
  const problems: string[] = [];
  await page.route(
    (url) => !url.href.startsWith(`${origin}/`),
    async (route) => {
      foreign.push(route.request().url());
      await route.abort();
    },
  );
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { page, foreign, problems };
}

/**
 * Holds the page's GraphQL requests (the stream and device lists poll with them) until
 * `release()`; `held` are the query texts waiting so far.
 */
export async function holdGraphql(
  page: Page,
  origin: string,
): Promise<{ held: string[]; release(): Promise<void> }> {
  const routes: Route[] = [];
  const held: string[] = [];
  const url = `${origin}/graphql`;
  const hold = (route: Route) => {
    routes.push(route);
    held.push(route.request().postData() ?? '');
  };
  await page.route(url, hold);
  return {
    held,
    async release() {
      await page.unroute(url, hold);
      await Promise.all(routes.map((route) => route.continue()));
    },
  };
}

/**
 * The characters of an element's text that its font (with the browser's fallbacks) has no glyph
 * for: drawn on a canvas in the element's font, they look like a character no font has.
 */
export function missingGlyphs(element: Locator): Promise<string[]> {
  return element.evaluate((el) => {
    const doc = (globalThis as unknown as { document: DrawingDocument }).document;
    const style = (
      globalThis as unknown as { getComputedStyle(e: unknown): { font: string } }
    ).getComputedStyle(el);
    const draw = (text: string) => {
      const canvas = doc.createElement('canvas');
      canvas.width = 48;
      canvas.height = 48;
      const context = canvas.getContext('2d');
      context.font = style.font.replace(/[\d.]+px/, '32px');
      context.fillText(text, 4, 36);
      return canvas.toDataURL();
    };
    const nowhere = draw('\u{10FFFD}'); // a private-use code point: in no font
    const chars = [...new Set([...((el as { textContent: string | null }).textContent ?? '')])];
    return chars.filter((c) => c.trim() !== '' && draw(c) === nowhere);
  });
}

/** The little of the DOM `missingGlyphs` draws with (the tests compile without DOM types). */
interface DrawingDocument {
  createElement(tag: 'canvas'): {
    width: number;
    height: number;
    getContext(kind: '2d'): { font: string; fillText(text: string, x: number, y: number): void };
    toDataURL(): string;
  };
}

export function screenshotPath(name: string): string {
  return join(SCREENSHOTS, `${name}.png`);
}

/** A real JPEG of `width` × `height` pixels: a colour gradient with a stripe (so it is not blank). */
export function makeJpeg(width: number, height: number, hue = 0): Buffer {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = Math.min(255, (x * 255) / width + hue);
      rgba[i + 1] = (y * 255) / height;
      rgba[i + 2] = Math.abs(x - y) < 4 ? 255 : 80 + hue;
      rgba[i + 3] = 255;
    }
  }
  return jpeg.encode({ data: rgba, width, height }, 85).data;
}

/** The service on the built console, a Redis client and Chromium, for one test file. */
export interface BrowserEnv {
  server: TestServer;
  redis: TestRedis;
  browser: Browser;
  /** Keys the tests created: deleted by `close()`. */
  keys: string[];
  close(): Promise<void>;
}

export async function startBrowserEnv(): Promise<BrowserEnv> {
  const server = await startServer({ CONSOLE_DIR });
  const redis = await connectRedis();
  const browser = await launch();
  const keys: string[] = [];
  return {
    server,
    redis,
    browser,
    keys,
    async close() {
      await browser.close();
      if (keys.length > 0) await redis.del(keys);
      await redis.quit();
      await server.close();
    },
  };
}

/** The console in a guarded page of `env`'s service, its stream filter set to `filter`. */
export async function openConsole(env: BrowserEnv, filter: string): Promise<GuardedPage> {
  const guarded = await guardedPage(env.browser, env.server.http);
  expect((await guarded.page.goto(`${env.server.http}/console`))?.status()).toBe(200);
  await guarded.page.fill('input.filter', filter);
  return guarded;
}

/** Nothing but the service was asked for, and nothing was refused by the page's policy. */
export function expectContained(guarded: GuardedPage): void {
  expect(guarded.foreign).toEqual([]);
  expect(guarded.problems).toEqual([]);
}
