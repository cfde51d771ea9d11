import { existsSync } from 'node:fs';
import { startServer, TestServer } from '../support/app.js';
import { CHROMIUM, launchChromium } from './chromium.js';

/**
 * Apollo Sandbox in a headless Chromium. Sandbox's own app comes from Apollo's CDN, which tests
 * cannot reach, so the test checks what our server served.
 */

const SCREENSHOT = '/tmp/sandbox.png';

describe('Apollo Sandbox in a browser', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('loads in a headless Chromium: title, landing markup, screenshot', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      // Apollo's CDN is out of reach here: fail those requests at once instead of waiting.
      await page.route(
        (url) => !url.href.startsWith(server.http),
        (route) => route.abort(),
      );
      const response = await page.goto(`${server.http}/graphql`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('Apollo Server');
      expect(await page.locator('#embeddableSandbox').count()).toBe(1);
      expect(await page.locator('meta[name="description"]').getAttribute('content')).toBe(
        'Apollo server landing page',
      );
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
