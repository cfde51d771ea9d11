import { Page, WebSocket as PageSocket } from 'playwright-core';
import type { TestServer } from '../support/app.js';
import { TestRedis, uniqueKey } from '../support/redis.js';
import { expectEventually } from '../support/ws.js';
import {
  BrowserEnv,
  expectContained,
  GuardedPage,
  makeJpeg,
  openConsole,
  screenshotPath,
  startBrowserEnv,
} from './browser.js';

/**
 * The console's synchronized view (docs/sync.md) of streams pushed with hand-made ids, and its
 * "open in Foxglove / Lichtblick" links (docs/foxglove.md).
 */

let env: BrowserEnv;
let server: TestServer;
let redis: TestRedis;
let guarded: GuardedPage;
let page: Page;
const PREFIX = uniqueKey('console-sync');
/** The three streams of the synchronized view, the camera's being the reference. */
let cam: string;
let imu: string;
let depth: string;

function sid(label: string): string {
  const key = `${PREFIX}:${label}`;
  env.keys.push(key, `XMETA:${key}`);
  return key;
}

/** Appends an entry with an explicit id (the device's clock), as a pusher with ids does. */
const add = async (key: string, id: string, data: Buffer | string) =>
  String(await redis.xAdd(key, id, { d: typeof data === 'string' ? Buffer.from(data) : data }));

const row = (key: string) => page.locator(`tr[data-sid="${key}"]`);
const syncView = (keys: string[]) => page.locator(`article[data-sync-view="${keys.join('+')}"]`);
const member = (keys: string[], key: string) =>
  syncView(keys).locator(`.sync-member[data-member-sid="${key}"]`);

/** Ticks `keys` in the list's sync column, sets the reference and tolerance, opens the view. */
async function viewTogether(keys: string[], reference: string, toleranceMs?: number) {
  for (const key of keys) await row(key).locator('input.sync-pick').check();
  await page.selectOption('form.sync-picker select[name="reference"]', reference);
  if (toleranceMs !== undefined) await page.fill('input.sync-tolerance', String(toleranceMs));
  const socket = page.waitForEvent('websocket', (ws: PageSocket) => ws.url().includes('sync='));
  await page.click('button.sync-open');
  return new URL((await socket).url());
}

beforeAll(async () => {
  env = await startBrowserEnv();
  ({ server, redis } = env);
  [cam, imu, depth] = [sid('cam'), sid('imu'), sid('depth')];
  guarded = await openConsole(env, PREFIX);
  page = guarded.page;
}, 60_000);

afterAll(() => env?.close());

afterEach(() => expectContained(guarded));

describe('synchronized view', () => {
  it('shows each tuple side by side: the reference, partners with their time differences, a missing one', async () => {
    await add(cam, '1000-0', 'cam at 1000');
    await add(imu, '1004-0', 'imu at 1004');
    // depth's nearest entry is 500 ms away: missing in the tuple of 1000 (tolerance 20 ms)
    await add(depth, '1500-0', 'depth at 1500');
    for (const key of [cam, imu, depth]) await row(key).waitFor({ timeout: 30_000 });

    expect(await page.locator('input.sync-tolerance').count()).toBe(0);
    await row(cam).locator('input.sync-pick').check();
    expect(await page.locator('input.sync-tolerance').inputValue()).toBe('20');
    await row(cam).locator('input.sync-pick').uncheck();
    const url = await viewTogether([imu, cam, depth], cam);

    expect(url.pathname).toBe(`/data/${[cam, imu, depth].map(encodeURIComponent).join('+')}/pull`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      sync: cam,
      tolerance_ms: '20',
      tuples: '1',
      latest: '1',
      last_entry_id: '0',
    });
    // The picks are done with: the row's live view did not open, the ticks are cleared.
    expect(await page.locator('article[data-view]').count()).toBe(0);
    expect(await page.locator('input.sync-pick:checked').count()).toBe(0);

    const keys = [cam, imu, depth];
    await expectEventually(
      async () => (await member(keys, cam).locator('pre.text').textContent()) === 'cam at 1000',
      10_000,
    );
    expect(await member(keys, cam).locator('.dt').textContent()).toMatch(/^reference/);
    expect(await member(keys, imu).locator('.dt').textContent()).toBe('+4 ms · 1004-0');
    expect(await member(keys, imu).locator('pre.text').textContent()).toBe('imu at 1004');
    expect(await member(keys, depth).locator('.dt').textContent()).toBe('missing');
    expect(await member(keys, depth).getAttribute('class')).toContain('missing');
    expect(await member(keys, depth).locator('pre').count()).toBe(0);

    // Live: depth's entry after the reference time settles it; imu's (before it) is taken once
    // the wait bound passes.
    await add(imu, '1990-0', 'imu at 1990');
    await add(depth, '2015-0', '{"depth": 2015}');
    await add(cam, '2000-0', makeJpeg(80, 60));
    const image = member(keys, cam).locator('img.frame');
    await expectEventually(
      async () =>
        (await image.count()) === 1 &&
        (await image.evaluate(
          (img) => (img as unknown as { naturalWidth: number }).naturalWidth,
        )) === 80,
      10_000,
    );
    expect(await member(keys, imu).locator('.dt').textContent()).toBe('-10 ms · 1990-0');
    expect(await member(keys, imu).locator('pre.text').textContent()).toBe('imu at 1990');
    expect(await member(keys, depth).locator('.dt').textContent()).toBe('+15 ms · 2015-0');
    expect(await member(keys, depth).locator('pre.json').textContent()).toContain('"depth": 2015');
    expect(await syncView(keys).locator('.tuple-count').textContent()).toBe('2');
    await page.screenshot({ path: screenshotPath('console-sync-view') });
    await syncView(keys).locator('button.close').click();
    expect(await syncView(keys).count()).toBe(0);
  });

  it('pairs on the chosen reference stream within the chosen tolerance', async () => {
    // imu's newest is 1990; cam's nearest (2000) is 10 ms away: outside a 3 ms tolerance.
    const url = await viewTogether([cam, imu], imu, 3);
    expect(url.pathname).toBe(`/data/${[imu, cam].map(encodeURIComponent).join('+')}/pull`);
    expect(url.searchParams.get('sync')).toBe(imu);
    expect(url.searchParams.get('tolerance_ms')).toBe('3');
    const keys = [imu, cam];
    await expectEventually(
      async () => (await member(keys, imu).locator('pre.text').textContent()) === 'imu at 1990',
      10_000,
    );
    expect(await member(keys, cam).locator('.dt').textContent()).toBe('missing');
    expect(await syncView(keys).locator('.tolerance').textContent()).toBe('3');
    await syncView(keys).locator('button.close').click();
  });

  it('takes at most three streams', async () => {
    const extra = sid('extra');
    await add(extra, '1000-0', 'extra');
    await row(extra).waitFor({ timeout: 30_000 });
    for (const key of [cam, imu, depth]) await row(key).locator('input.sync-pick').check();
    expect(await row(extra).locator('input.sync-pick').isDisabled()).toBe(true);
    expect(await page.locator('button.sync-open').isEnabled()).toBe(true);
    await row(depth).locator('input.sync-pick').uncheck();
    await row(imu).locator('input.sync-pick').uncheck();
    // One stream is not a synchronized view yet.
    expect(await page.locator('button.sync-open').isDisabled()).toBe(true);
    await page.click('form.sync-picker button[type="button"]');
    expect(await page.locator('form.sync-picker').count()).toBe(0);
  });
});

describe('open in Foxglove / Lichtblick', () => {
  it("links the viewers to this service's Foxglove endpoint", async () => {
    const endpoint = encodeURIComponent(`ws://${new URL(server.http).host}/foxglove`);
    expect(await page.locator('a.open-foxglove').getAttribute('href')).toBe(
      `https://app.foxglove.dev/?ds=foxglove-websocket&ds.url=${endpoint}`,
    );
    expect(await page.locator('a.open-lichtblick').getAttribute('href')).toBe(
      `http://localhost:8080/?ds=foxglove-websocket&ds.url=${endpoint}`,
    );
    // Lichtblick runs where the lab serves it: its address is set in the page, and kept.
    await page.click('details.lichtblick-address summary');
    await page.fill('input[name="lichtblick"]', 'https://lichtblick.lab.example/');
    const lab = `https://lichtblick.lab.example/?ds=foxglove-websocket&ds.url=${endpoint}`;
    await expectEventually(
      async () => (await page.locator('a.open-lichtblick').getAttribute('href')) === lab,
    );
    await page.reload();
    expect(await page.locator('a.open-lichtblick').getAttribute('href')).toBe(lab);
  });
});
