import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, TestServer } from './support/app.js';

/**
 * How the service serves the built console (`/console`, `/graphiql`, `/console/assets/*`) and
 * sends browsers from `/` to it. The pages here are stand-ins written to a temporary
 * CONSOLE_DIR, so this runs without a Vite build; test/browser/ drives the real one.
 */

const INDEX = '<!doctype html><title>console stand-in</title>';
const GRAPHIQL = '<!doctype html><title>graphiql stand-in</title>';
const SCRIPT = 'console.log("asset")';

describe('console pages, built', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'graphiql.html'), GRAPHIQL);
    writeFileSync(join(dir, 'assets', 'main-Ab12_x.js'), SCRIPT);
    writeFileSync(join(dir, 'secret.txt'), 'not an asset');
    server = await startServer({ CONSOLE_DIR: dir });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /console as HTML with a self-only policy, revalidated on each load', async () => {
    const res = await fetch(`${server.http}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/unsafe|https?:/);
  });

  it('serves /graphiql, whose editor may add inline styles but no foreign script', async () => {
    const res = await fetch(`${server.http}/graphiql`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(GRAPHIQL);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toMatch(/https?:/);
  });

  it('serves hashed assets for good, and 404 JSON for anything else', async () => {
    const asset = await fetch(`${server.http}/console/assets/main-Ab12_x.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(await asset.text()).toBe(SCRIPT);

    for (const path of ['missing.js', '..%2Fsecret.txt', '%2E%2E%2Fsecret.txt', '.hidden']) {
      const res = await fetch(`${server.http}/console/assets/${path}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('sends a browser asking for / to the console, and leaves other clients alone', async () => {
    const browser = await fetch(`${server.http}/`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      redirect: 'manual',
    });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/console');

    for (const accept of ['application/json', '*/*']) {
      const other = await fetch(`${server.http}/`, { headers: { accept }, redirect: 'manual' });
      expect(other.status).not.toBe(302);
    }
  });
});

describe('Apollo Sandbox landing page', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('links to the local GraphiQL where it says Sandbox cannot load offline', async () => {
    const res = await fetch(`${server.http}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/might be offline\.<\/p>\s*<p><a href="\/graphiql">Open GraphiQL<\/a>/);
  });
});

describe('console pages, not built', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-empty-'));
    server = await startServer({ CONSOLE_DIR: dir });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with a JSON error naming the build command', async () => {
    for (const page of ['console', 'graphiql']) {
      const res = await server.quietly(() => fetch(`${server.http}/${page}`));
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UNAVAILABLE');
      expect(body.error.message).toMatch(/npm run build:console/);
    }
  });
});
