import { Browser, Page } from 'playwright-core';
import { MjpegService } from '../../src/data/mjpeg/mjpeg.service.js';
import type { TestServer } from '../support/app.js';
import { readEntries, TestRedis, uniqueKey } from '../support/redis.js';
import { expectEventually } from '../support/ws.js';
import {
  BrowserEnv,
  guardedPage,
  GuardedPage,
  holdGraphql,
  makeJpeg,
  missingGlyphs,
  screenshotPath,
  startBrowserEnv,
} from './browser.js';

/**
 * The web console in a headless Chromium against the real service and Redis: the stream list,
 * live views of images, text and JSON, metadata, pushing, deleting, and a bare MJPEG `<img>`.
 */

let server: TestServer;
let redis: TestRedis;
let browser: Browser;
let guarded: GuardedPage;
let page: Page;
/** Every stream of this run starts with this; the console's filter shows only them. */
const PREFIX = uniqueKey('console');

function sid(label: string): string {
  const key = `${PREFIX}:${label}`;
  env.keys.push(key, `XMETA:${key}`);
  return key;
}

const push = async (key: string, data: Buffer | string) =>
  String(await redis.xAdd(key, '*', { d: typeof data === 'string' ? Buffer.from(data) : data }));

const row = (key: string) => page.locator(`tr[data-sid="${key}"]`);
const view = (key: string) => page.locator(`article[data-view="${key}"]`);

let env: BrowserEnv;

beforeAll(async () => {
  env = await startBrowserEnv();
  ({ server, redis, browser } = env);
  guarded = await guardedPage(browser, server.http);
  page = guarded.page;
  const response = await page.goto(`${server.http}/console`);
  expect(response?.status()).toBe(200);
  expect(await page.title()).toBe('redis-streamer console');
  await page.fill('input.filter', PREFIX);
}, 60_000);

afterAll(() => env?.close());

afterEach(() => {
  // Nothing but the service was asked for, and nothing was refused by the page's policy.
  expect(guarded.foreign).toEqual([]);
  expect(guarded.problems).toEqual([]);
});

describe('web console', () => {
  it('lists a stream pushed while it is open, with its length and a live rate', async () => {
    const key = sid('listed');
    await push(key, 'first');
    // The first listing may take a while on a Redis shared with many large streams.
    await row(key).waitFor({ timeout: 30_000 });
    await push(key, 'second');
    await expectEventually(
      async () => (await row(key).locator('.length').textContent()) === '2',
      20_000,
    );
    expect(await row(key).locator('.time').textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(await row(key).locator('.time').getAttribute('title')).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
    expect(await row(key).locator('.rate').textContent()).toMatch(/^(–|\d+(\.\d)?k?)$/);

    await page.fill('input.filter', key);
    // the stream list narrows to this one stream (devices, listed above it, have rows of their own)
    expect(await page.locator('tr[data-sid]').count()).toBe(1);
    await page.fill('input.filter', PREFIX);
    await page.screenshot({ path: screenshotPath('console-list') });
  });

  it('shows JPEG entries as images, live, and text and JSON entries as text', async () => {
    const cam = sid('cam');
    const notes = sid('notes');
    await push(cam, makeJpeg(97, 61));
    await push(notes, 'hello');
    await row(cam).click();
    await row(notes).click();

    const image = view(cam).locator('img.frame');
    await expectEventually(
      () => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      10_000,
    ).then((w) => expect(w).toBe(97));

    await push(cam, makeJpeg(123, 80, 60));
    await expectEventually(
      async () =>
        (await image.evaluate(
          (img) => (img as unknown as { naturalWidth: number }).naturalWidth,
        )) === 123,
      10_000,
    );
    expect(
      await image.evaluate((img) => (img as unknown as { naturalHeight: number }).naturalHeight),
    ).toBe(80);

    await expectEventually(
      async () => (await view(notes).locator('pre.text').textContent()) === 'hello',
    );
    await push(notes, 'live text ✓');
    await expectEventually(
      async () => (await view(notes).locator('pre.text').textContent()) === 'live text ✓',
    );
    await push(notes, '{"temperature": 21.5, "unit": "C"}');
    await expectEventually(async () =>
      ((await view(notes).locator('pre.json').textContent()) ?? '').includes('"temperature": 21.5'),
    );
    expect(await view(notes).locator('.frame-count').textContent()).toBe('3');

    await push(notes, Buffer.from([0, 1, 2, 0xfe, 0xff]));
    await expectEventually(async () =>
      ((await view(notes).locator('pre.hex').textContent()) ?? '').startsWith('00 01 02 fe ff'),
    );
    await page.screenshot({ path: screenshotPath('console-live-views') });
  });

  it('marks entries a live view skipped', async () => {
    const fast = sid('fast');
    await push(fast, 'start');
    await row(fast).click();
    await expectEventually(
      async () => (await view(fast).locator('pre.text').textContent()) === 'start',
    );
    // Far more entries in one go than the view's 10 frames a second take.
    for (let i = 0; i < 200; i++) void push(fast, `burst ${i}`);
    const last = await push(fast, 'burst end');
    await expectEventually(
      async () => (await view(fast).locator('pre.text').textContent()) === 'burst end',
      10_000,
    );
    await view(fast).locator('.skipped-count').waitFor({ timeout: 10_000 });
    const skipped = Number(await view(fast).locator('.skipped-count').textContent());
    const frames = Number(await view(fast).locator('.frame-count').textContent());
    expect(skipped).toBeGreaterThan(0);
    expect(frames + skipped).toBe(202);
    expect(last).toBeTruthy();
    // The marker draws in the page's font (Debian's Chromium has no glyph for some symbols).
    expect(await missingGlyphs(view(fast).locator('.skipped'))).toEqual([]);
    await page.screenshot({ path: screenshotPath('console-skipped') });
    await view(fast).locator('button.close').click();
  });

  it('counts no skipped entries in a fresh view of a slow stream whose list row is a step behind', async () => {
    const slow = sid('slow');
    await push(slow, 'a');
    await expectEventually(async () => (await row(slow).locator('.length').textContent()) === '1');
    // The list stops at its next poll, so the row still says "a" when the view opens on "b".
    const lists = await holdGraphql(page, server.http);
    await expectEventually(() => lists.held.some((query) => query.includes('{ sids }')));
    await push(slow, 'b');
    await row(slow).click();
    await expectEventually(
      async () => (await view(slow).locator('pre.text').textContent()) === 'b',
    );
    await lists.release();
    await expectEventually(async () => (await row(slow).locator('.length').textContent()) === '2');
    // One more entry and list report, so the report of "b" was surely counted.
    await push(slow, 'c');
    await expectEventually(
      async () => (await view(slow).locator('pre.text').textContent()) === 'c',
    );
    await expectEventually(async () => (await row(slow).locator('.length').textContent()) === '3');
    expect(await view(slow).locator('.skipped').count()).toBe(0);
    expect(await view(slow).locator('.frame-count').textContent()).toBe('2');
    await view(slow).locator('button.close').click();
  });

  it('counts no skipped entries in a view opened by a #sid= link before the list has loaded', async () => {
    const linked = sid('linked');
    for (let i = 1; i <= 30; i++) await push(linked, `n${i}`);
    const fresh = await guardedPage(browser, server.http);
    try {
      const lists = await holdGraphql(fresh.page, server.http);
      await fresh.page.goto(`${server.http}/console#sid=${encodeURIComponent(linked)}`);
      const linkedView = fresh.page.locator(`article[data-view="${linked}"]`);
      await expectEventually(
        async () => (await linkedView.locator('pre.text').textContent()) === 'n30',
      );
      await lists.release();
      await fresh.page.fill('input.filter', linked);
      const linkedRow = fresh.page.locator(`tr[data-sid="${linked}"]`);
      await expectEventually(
        async () => (await linkedRow.locator('.length').textContent()) === '30',
      );
      await push(linked, 'n31');
      await expectEventually(
        async () => (await linkedView.locator('pre.text').textContent()) === 'n31',
      );
      await expectEventually(
        async () => (await linkedRow.locator('.length').textContent()) === '31',
      );
      expect(await linkedView.locator('.skipped').count()).toBe(0);
      expect(await linkedView.locator('.frame-count').textContent()).toBe('2');
      expect(fresh.foreign).toEqual([]);
      expect(fresh.problems).toEqual([]);
    } finally {
      await fresh.page.close();
    }
  });

  it('edits metadata (stored in Redis), pushes a text entry, and deletes a stream after confirming', async () => {
    const key = sid('meta');
    await push(key, 'x');
    await row(key).click();
    const panel = view(key);
    await panel.locator('details.tools summary').click();
    const textarea = panel.locator('textarea[name="meta"]');
    await expectEventually(async () => (await textarea.inputValue()) === '{}', 20_000);

    await textarea.fill('{"fps": 30, "camera": {"model": "x1"}}');
    await panel.locator('button.save-meta').click();
    await expectEventually(
      async () => (await panel.locator('.meta .status').textContent()) === 'saved',
      20_000,
    );
    expect(JSON.parse(String(await redis.get(`XMETA:${key}`)))).toEqual({
      fps: 30,
      camera: { model: 'x1' },
    });

    await textarea.fill('[1, 2]');
    await panel.locator('button.save-meta').click();
    expect(await panel.locator('.meta .status').textContent()).toBe(
      'metadata must be a JSON object',
    );

    await panel.locator('input[name="entry"]').fill('typed in the console');
    await panel.locator('form.push button').click();
    await expectEventually(async () =>
      ((await panel.locator('form.push .status').textContent()) ?? '').startsWith('pushed '),
    );
    const entries = await readEntries(redis, key);
    expect(entries.map((e) => e.data.toString())).toEqual(['x', 'typed in the console']);
    await page.screenshot({ path: screenshotPath('console-tools') });

    await panel.locator('button.danger').click();
    expect(await redis.exists(key)).toBe(1);
    await panel.locator('button.confirm-delete').click();
    await expectEventually(async () => (await redis.exists([key, `XMETA:${key}`])) === 0, 20_000);
    await expectEventually(async () => (await row(key).count()) === 0, 20_000);
  });
});

describe('MJPEG in a bare <img>', () => {
  it('updates when new frames arrive', async () => {
    const key = sid('mjpeg');
    await push(key, makeJpeg(64, 48));
    const mjpeg = await browser.newPage();
    try {
      await mjpeg.route(
        (url) => !url.href.startsWith(`${server.http}/`),
        (route) => route.abort(),
      );
      // An empty page of the service's own origin, so the <img> is same-origin.
      await mjpeg.goto(`${server.http}/console`);
      await mjpeg.evaluate(
        (src) => {
          const doc = (globalThis as unknown as { document: { body: { innerHTML: string } } })
            .document;
          doc.body.innerHTML = `<img id="live" src="${src}">`;
        },
        `/data/${encodeURIComponent(key)}/mjpeg`,
      );
      const width = () =>
        mjpeg
          .locator('#live')
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
      // The viewer is on the hub and has been sent the 64-pixel frame.
      const viewers = server.app.get(MjpegService);
      await expectEventually(() => viewers.state().some((v) => v.sid === key && v.cursor), 20_000);
      // Chromium puts a part on screen when the next part's headers arrive: one frame behind.
      await push(key, makeJpeg(150, 90, 40));
      await expectEventually(async () => (await width()) === 64, 20_000);
      await push(key, makeJpeg(210, 120, 90));
      await expectEventually(async () => (await width()) === 150, 20_000);
      await push(key, makeJpeg(90, 200, 120));
      await expectEventually(async () => (await width()) === 210, 20_000);
      await mjpeg.screenshot({ path: screenshotPath('mjpeg-img') });
    } finally {
      await mjpeg.close();
    }
  });
});
