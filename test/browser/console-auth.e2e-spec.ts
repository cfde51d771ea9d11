import { Browser } from 'playwright-core';
import { startServer, TestServer } from '../support/app.js';
import { expectEventually } from '../support/ws.js';
import { CONSOLE_DIR, guardedPage, GuardedPage, launch, screenshotPath } from './browser.js';

/** The console against a service with auth on, opened without a token. */

let server: TestServer;
let browser: Browser;
let guarded: GuardedPage;

beforeAll(async () => {
  server = await startServer({
    CONSOLE_DIR,
    AUTH_JWT_SECRET: 'console-auth-spec-secret-of-32-chars!',
  });
  browser = await launch();
  guarded = await guardedPage(browser, server.http);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('web console with auth on', () => {
  it('says once, by the Token field, that a token is needed', async () => {
    const { page } = guarded;
    expect((await page.goto(`${server.http}/console`))?.status()).toBe(200);
    const notice = page.locator('.auth-needed');
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).toMatch(/Token field/);
    // Both lists were refused; the page says so once, and not as a raw error code.
    await expectEventually(async () => (await page.locator('.error').count()) === 1);
    expect(await page.locator('.error').allTextContents()).toEqual([await notice.textContent()]);
    expect(await page.content()).not.toContain('UNAUTHENTICATED');
    await page.screenshot({ path: screenshotPath('console-auth-needed') });
    expect(guarded.foreign).toEqual([]);
    expect(guarded.problems).toEqual([]);
  });
});
