import { Browser, WebSocket as PageSocket } from 'playwright-core';
import { startServer, TestServer } from '../support/app.js';
import { mint } from '../support/auth.js';
import { connectRedis, TestRedis, uniqueKey } from '../support/redis.js';
import { expectEventually } from '../support/ws.js';
import { CONSOLE_DIR, guardedPage, GuardedPage, launch, screenshotPath } from './browser.js';

/** The console against a service with auth on, opened without a token. */

const SECRET = 'console-auth-spec-secret-of-32-chars!';
const PREFIX = uniqueKey('console-auth');

let server: TestServer;
let redis: TestRedis;
let browser: Browser;
let guarded: GuardedPage;
const keys: string[] = [];

beforeAll(async () => {
  server = await startServer({ CONSOLE_DIR, AUTH_JWT_SECRET: SECRET });
  redis = await connectRedis();
  browser = await launch();
  guarded = await guardedPage(browser, server.http);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (keys.length > 0) await redis?.del(keys);
  await redis?.quit();
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

  it('sends the token with a synchronized view and in the Foxglove and Lichtblick links', async () => {
    const { page } = guarded;
    const [cam, imu] = [`${PREFIX}:cam`, `${PREFIX}:imu`];
    keys.push(cam, imu);
    await redis.xAdd(cam, '5000-0', { d: 'cam at 5000' });
    await redis.xAdd(imu, '5007-0', { d: 'imu at 5007' });
    const token = await mint({ read: [`${PREFIX}:*`] }, { secret: SECRET });
    await page.fill('input[name="token"]', token);
    await page.click('form.token button');
    await page.fill('input.filter', PREFIX);
    for (const key of [cam, imu]) {
      await page.locator(`tr[data-sid="${key}"] input.sync-pick`).check({ timeout: 20_000 });
    }
    const socket = page.waitForEvent('websocket', (ws: PageSocket) => ws.url().includes('sync='));
    await page.click('button.sync-open');
    expect(new URL((await socket).url()).searchParams.get('access_token')).toBe(token);
    const view = page.locator(`article[data-sync-view="${cam}+${imu}"]`);
    await expectEventually(
      async () =>
        (await view.locator(`[data-member-sid="${imu}"] .dt`).textContent()) === '+7 ms · 5007-0',
      10_000,
    );
    expect(await page.locator('.error').count()).toBe(0);

    const endpoint = encodeURIComponent(
      `ws://${new URL(server.http).host}/foxglove?access_token=${token}`,
    );
    expect(await page.locator('a.open-foxglove').getAttribute('href')).toBe(
      `https://app.foxglove.dev/?ds=foxglove-websocket&ds.url=${endpoint}`,
    );
    expect(await page.locator('a.open-lichtblick').getAttribute('href')).toBe(
      `http://localhost:8080/?ds=foxglove-websocket&ds.url=${endpoint}`,
    );
    expect(guarded.foreign).toEqual([]);
    expect(guarded.problems).toEqual([]);
  });
});
