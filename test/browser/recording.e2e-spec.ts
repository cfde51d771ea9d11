import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { entryTexts, parseMcap } from '../support/mcap.js';
import { uniqueKey } from '../support/redis.js';
import {
  BrowserEnv,
  expectContained,
  GuardedPage,
  makeJpeg,
  openConsole,
  startBrowserEnv,
} from './browser.js';

/**
 * The console's MCAP downloads in a headless Chromium: the export link of a stream in the list
 * and the "record the last N seconds" button of a live view each save a file that an
 * independent MCAP reader (@mcap/core) opens, with the entries they promise.
 */

let env: BrowserEnv;
let guarded: GuardedPage;
let page: Page;
const PREFIX = uniqueKey('console-mcap');

beforeAll(async () => {
  env = await startBrowserEnv();
  guarded = await openConsole(env, PREFIX);
  page = guarded.page;
}, 60_000);

afterAll(() => env?.close());

afterEach(() => expectContained(guarded));

async function saved(download: Download): Promise<ReturnType<typeof parseMcap>> {
  expect(download.suggestedFilename()).toMatch(/\.mcap$/);
  return parseMcap(await readFile((await download.path())!));
}

describe('console MCAP downloads', () => {
  it('the export link of a listed stream downloads all of it as MCAP', async () => {
    const sid = `${PREFIX}:cam`;
    env.keys.push(sid);
    const frames = [makeJpeg(32, 24, 0), makeJpeg(32, 24, 60), makeJpeg(32, 24, 120)];
    for (const frame of frames) await env.redis.xAdd(sid, '*', { d: frame });
    const row = page.locator(`tr[data-sid="${sid}"]`);
    await row.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('a.export').click(),
    ]);
    const file = await saved(download);
    const [channel] = file.channels.values();
    expect(channel.topic).toBe(sid);
    expect(channel.messageEncoding).toBe('protobuf');
    expect(file.messages).toHaveLength(frames.length);
    // The click downloads; it does not open a live view.
    expect(await page.locator(`article[data-view="${sid}"]`).count()).toBe(0);
  });

  it('the record button of a live view downloads the last N seconds', async () => {
    const sid = `${PREFIX}:text`;
    env.keys.push(sid);
    await env.redis.xAdd(sid, `${Date.now() - 120_000}-0`, { d: 'two minutes ago' });
    await env.redis.xAdd(sid, '*', { d: 'just now' });
    const row = page.locator(`tr[data-sid="${sid}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const view = page.locator(`article[data-view="${sid}"]`);
    await view.waitFor();
    await view.locator('input.record-seconds').fill('30');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      view.locator('button.record-button').click(),
    ]);
    const file = await saved(download);
    expect(entryTexts(file)).toEqual(['just now']);
  });
});
