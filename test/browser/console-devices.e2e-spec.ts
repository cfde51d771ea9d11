import { Browser, Page } from 'playwright-core';
import { startServer, TestServer } from '../support/app.js';
import { deviceRedis, DeviceRedis } from '../support/devices.js';
import { gqlData } from '../support/graphql.js';
import { expectEventually, TestSocket } from '../support/ws.js';
import { CONSOLE_DIR, guardedPage, GuardedPage, launch, screenshotPath } from './browser.js';

/**
 * The console's device list in a headless Chromium: devices with their streams grouped under
 * them, connected ones first, following presence live. Device keys have fixed names, so the
 * service runs on a private Redis here.
 */

let target: DeviceRedis;
let server: TestServer;
let browser: Browser;
let guarded: GuardedPage;
let page: Page;

beforeAll(async () => {
  target = await deviceRedis();
  server = await startServer({ ...target.overrides, CONSOLE_DIR });
  await server.ready();
  browser = await launch();
  guarded = await guardedPage(browser, server.http);
  page = guarded.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await target?.dispose();
});

afterEach(() => {
  expect(guarded.foreign).toEqual([]);
  expect(guarded.problems).toEqual([]);
});

async function post(sid: string, text: string): Promise<void> {
  const res = await fetch(`${server.http}/data/${encodeURIComponent(sid)}`, {
    method: 'POST',
    body: text,
  });
  expect(res.status).toBe(200);
}

const deviceOrder = () =>
  page
    .locator('tbody[data-device]')
    .evaluateAll((groups) =>
      groups.map((g) => `${g.getAttribute('data-device')} ${g.getAttribute('class')}`),
    );
const streamsOf = (id: string) =>
  page
    .locator(`tbody[data-device="${id}"] tr[data-device-sid]`)
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device-sid')));

describe('web console devices', () => {
  it('lists devices, connected first, with their streams, and follows their presence', async () => {
    // aa-gone: seen, with a stream, disconnected. zz-live: pushing now.
    await post('aa-gone:imu', '{"ax": 0.1}');
    await gqlData(server.http, `mutation { connectDevice(id: "aa-gone") }`);
    await gqlData(server.http, `mutation { disconnectDevice(id: "aa-gone") }`);
    const push = await TestSocket.open(`${server.ws}/data/zz-live:rgb/push?header=0`);
    await push.send(Buffer.from('frame'));
    await post('zz-live:depth', 'depth');

    expect((await page.goto(`${server.http}/console`))?.status()).toBe(200);
    await expectEventually(async () => {
      const order = await deviceOrder();
      return order.join(',') === 'zz-live connected,aa-gone disconnected';
    }, 10_000);
    await expectEventually(async () => (await streamsOf('zz-live')).length === 2);
    expect(await streamsOf('zz-live')).toEqual(['zz-live:depth', 'zz-live:rgb']);
    expect(await streamsOf('aa-gone')).toEqual(['aa-gone:imu']);
    await page.screenshot({ path: screenshotPath('console-devices') });

    // A device's stream opens its live view like a row of the stream list.
    await page.locator('tr[data-device-sid="zz-live:depth"]').click();
    await expectEventually(
      async () =>
        (await page.locator('article[data-view="zz-live:depth"] pre.text').textContent()) ===
        'depth',
      10_000,
    );

    // The filter narrows the devices as it narrows the streams.
    await page.fill('input.filter', 'imu');
    await expectEventually(async () => (await deviceOrder()).join(',') === 'aa-gone disconnected');
    await page.fill('input.filter', '');

    // The service's own event streams (written by connectDevice) are listed apart from the
    // user's streams.
    await expectEventually(
      async () => (await page.locator('[data-event-sid=":event:device.connected"]').count()) === 1,
    );
    const listed = await page
      .locator('tr[data-sid]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sid')));
    expect(listed.sort()).toEqual(['aa-gone:imu', 'zz-live:depth', 'zz-live:rgb']);
    expect(await page.locator('section.list > p.muted').textContent()).toMatch(/^3 of 3 streams/);

    push.close();
    await push.closed;
    await expectEventually(async () => {
      const order = await deviceOrder();
      return order.join(',') === 'aa-gone disconnected,zz-live disconnected';
    }, 10_000);
  });
});
