import { Browser } from 'playwright-core';
import { ReadHub } from '../../src/streams/hub/read-hub.js';
import type { TestServer } from '../support/app.js';
import { TestRedis, uniqueKey } from '../support/redis.js';
import { expectEventually } from '../support/ws.js';
import { BrowserEnv, guardedPage, screenshotPath, startBrowserEnv } from './browser.js';

/**
 * GraphiQL at /graphiql works with no network beyond the service: every request to another
 * origin is refused and recorded, and a query and a subscription (graphql-ws) still run.
 */

let server: TestServer;
let redis: TestRedis;
let browser: Browser;
let env: BrowserEnv;

beforeAll(async () => {
  env = await startBrowserEnv();
  ({ server, redis, browser } = env);
}, 60_000);

afterAll(() => env?.close());

/** Opens GraphiQL with `query` in its editor (GraphiQL keeps the editor's text in localStorage). */
async function openGraphiQL(query: string) {
  const guarded = await guardedPage(browser, server.http);
  await guarded.page.addInitScript((text) => {
    const storage = (
      globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
    ).localStorage;
    storage.setItem('graphiql:query', text);
  }, query);
  const response = await guarded.page.goto(`${server.http}/graphiql`);
  expect(response?.status()).toBe(200);
  // The editor is ready once it shows the query.
  await expectEventually(
    async () => (await guarded.page.locator('.graphiql-query-editor').innerText()).includes('{'),
    60_000,
  );
  return guarded;
}

/** The result pane's text (its editor renders spaces as no-break spaces). */
const responseText = async (page: import('playwright-core').Page) =>
  (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');

describe('GraphiQL at /graphiql, offline', () => {
  it('runs a query', async () => {
    const key = uniqueKey('graphiql:query');
    env.keys.push(key);
    await redis.xAdd(key, '*', { d: 'for graphiql' });
    const { page, foreign, problems } = await openGraphiQL(
      `{ stream(sid: "${key}") { sid length lastEntryData } }`,
    );
    try {
      expect(await page.title()).toBe('redis-streamer GraphiQL');
      await page.locator('.graphiql-execute-button').click();
      await expectEventually(
        async () => (await responseText(page)).includes('"length": 1'),
        30_000,
      );
      expect(await responseText(page)).toContain(key);
      await page.screenshot({ path: screenshotPath('graphiql-query') });
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('runs a subscription over graphql-ws', async () => {
    const key = uniqueKey('graphiql:sub');
    env.keys.push(key);
    const { page, foreign, problems } = await openGraphiQL(
      `subscription { data(sids: ["${key}"]) { sid time utf8 } }`,
    );
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const hub = server.app.get(ReadHub);
    const listening = hub.stats().listeners;
    try {
      await page.locator('.graphiql-execute-button').click();
      // The subscription runs once the server has it on the read hub.
      await expectEventually(() => hub.stats().listeners > listening, 30_000);
      await redis.xAdd(key, '*', { d: 'live through graphql-ws' });
      await expectEventually(
        async () => (await responseText(page)).includes('live through graphql-ws'),
        30_000,
      );
      expect(sockets.every((url) => url.startsWith(`${server.ws}/graphql`))).toBe(true);
      await page.screenshot({ path: screenshotPath('graphiql-subscription') });
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
