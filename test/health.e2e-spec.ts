import { startServer, TestServer } from './support/app.js';
import { uniqueKey } from './support/redis.js';
import { TestSocket } from './support/ws.js';

/** Liveness/readiness endpoints and the HTTP protections every response gets. */
describe('health endpoints', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers /healthz with 200 and a JSON status', async () => {
    const res = await fetch(`${server.http}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('answers /readyz with 200 when Redis answers PING', async () => {
    const res = await fetch(`${server.http}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      info: { redis: { status: 'up' }, lifecycle: { status: 'up' } },
    });
  });

  it('sends standard security headers and a strict CSP on API responses', async () => {
    const res = await fetch(`${server.http}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('leaves the Apollo Sandbox landing page and Swagger UI without the strict CSP', async () => {
    const landing = await fetch(`${server.http}/graphql`, { headers: { accept: 'text/html' } });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toMatch(/<html/i);
    expect(landing.headers.get('content-security-policy')).toBeNull();
    expect(landing.headers.get('x-content-type-options')).toBe('nosniff');
    const docs = await fetch(`${server.http}/docs`);
    await docs.arrayBuffer();
    expect(docs.headers.get('content-security-policy')).toBeNull();
  });

  it('allows any origin by default and exposes the data headers', async () => {
    const res = await fetch(`${server.http}/healthz`, {
      headers: { origin: 'https://anywhere.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/entry-offset/);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/x-last-entry-id/);
  });

  it('refuses a JSON body over 1 MiB with 413 and a JSON error', async () => {
    const query = `{ sids } # ${'x'.repeat(1024 * 1024)}`;
    const res = await fetch(`${server.http}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'TOO_LARGE' } });
  });

  it('answers malformed JSON with 400 and a JSON error', async () => {
    const res = await fetch(`${server.http}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });
});

describe('CORS_ORIGINS', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ CORS_ORIGINS: 'https://a.example, https://b.example' });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('allows the listed origins only', async () => {
    const allowed = await fetch(`${server.http}/healthz`, {
      headers: { origin: 'https://b.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://b.example');
    const other = await fetch(`${server.http}/healthz`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight for GraphQL POSTs from a listed origin', async () => {
    const res = await fetch(`${server.http}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://a.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });
});

describe('MAX_CONNECTIONS', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ MAX_CONNECTIONS: 2 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses WebSocket handshakes over the limit with HTTP 503 before the upgrade', async () => {
    const sid = uniqueKey('max-conn');
    const first = await TestSocket.open(`${server.ws}/data/${sid}/push`);
    const second = await TestSocket.open(`${server.ws}/data/${sid}/push`);
    try {
      const third = new TestSocket(`${server.ws}/data/${sid}/pull`);
      await expect(third.opened).rejects.toThrow(/503/);
      expect(third.refusedStatus).toBe(503);
      // A slot that frees up can be taken again.
      first.close();
      await first.closed;
      const fourth = await TestSocket.open(`${server.ws}/data/${sid}/pull`);
      fourth.close();
      await fourth.closed;
    } finally {
      first.close();
      second.close();
      await second.closed;
    }
  });
});
