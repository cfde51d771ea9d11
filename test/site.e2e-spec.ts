import { startServer, TestServer } from './support/app.js';

/** `GET /` (the JSON index) and the SPEC's error shape on every 404. */

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('GET /', () => {
  it('answers a JSON index linking every endpoint', async () => {
    const res = await fetch(`${server.http}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { name: string; links: Record<string, string> };
    expect(body.name).toBe('redis-streamer');
    expect(body.links).toMatchObject({
      graphql: '/graphql',
      docs: '/docs',
      healthz: '/healthz',
      readyz: '/readyz',
      metrics: '/metrics',
      console: '/console',
    });
  });

  it('links only to endpoints that exist (the console is served by its own module)', async () => {
    const { links } = (await (await fetch(`${server.http}/`)).json()) as {
      links: Record<string, string>;
    };
    for (const [name, path] of Object.entries(links)) {
      if (name === 'console') continue;
      const res = await fetch(`${server.http}${path}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      await res.arrayBuffer();
      expect({ path, status: res.status }).not.toEqual({ path, status: 404 });
    }
  });
});

describe('404', () => {
  it.each([
    ['GET', '/nope'],
    ['POST', '/nope/deeper'],
    ['DELETE', '/data/cam'],
    ['GET', '/data/cam/push/extra'],
  ])('%s %s answers {"error": {"code": "NOT_FOUND", …}}', async (method, path) => {
    const res = await fetch(`${server.http}${path}`, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: { code: 'NOT_FOUND', message: `no endpoint at ${method} ${path}` },
    });
  });
});
