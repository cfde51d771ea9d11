import { startServer, TestServer } from './support/app.js';
import { errorCodes, GqlWs, gql } from './support/graphql.js';

/**
 * Apollo Sandbox on GET /graphql, introspection, CSRF prevention, and GRAPHQL_SANDBOX=false.
 * The page in a real browser is test/browser/sandbox.e2e-spec.ts (`npm run test:browser`).
 */

const INTROSPECTION = '{ __schema { queryType { name } subscriptionType { name } } }';

const getHtml = (http: string) => fetch(`${http}/graphql`, { headers: { accept: 'text/html' } });

describe('Apollo Sandbox on (default)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it("serves Apollo's Sandbox landing page to a browser GET", async () => {
    const res = await getHtml(server.http);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>Apollo Server</title>');
    expect(html).toContain('embeddable-sandbox.cdn.apollographql.com');
    expect(html).toMatch(/id="embeddableSandbox"/);
    // The sandbox talks to this very endpoint.
    expect(html).toContain('initialEndpoint');
  });

  it('answers introspection', async () => {
    const res = await gql(server.http, INTROSPECTION);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      __schema: { queryType: { name: 'Query' }, subscriptionType: { name: 'Subscription' } },
    });
  });

  it('refuses requests a browser could send cross-site without a preflight (CSRF)', async () => {
    const form = await fetch(`${server.http}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ sids }' }),
    });
    expect(form.status).toBe(400);
    expect(await form.text()).toMatch(/CSRF/i);

    const bareGet = await fetch(`${server.http}/graphql?query=${encodeURIComponent('{ sids }')}`);
    expect(bareGet.status).toBe(400);

    const preflighted = await fetch(
      `${server.http}/graphql?query=${encodeURIComponent('{ sids }')}`,
      {
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    expect(preflighted.status).toBe(200);
    expect(((await preflighted.json()) as { data: { sids: unknown } }).data.sids).toEqual(
      expect.any(Array),
    );
  });
});

describe('GRAPHQL_SANDBOX=false', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ GRAPHQL_SANDBOX: false });
  });
  afterAll(() => server.close());

  it('serves no landing page', async () => {
    const res = await getHtml(server.http);
    const body = await res.text();
    expect(body).not.toContain('Apollo Server');
    expect(body).not.toContain('embeddable-sandbox');
    expect(res.status).toBe(400);
  });

  it('refuses introspection over HTTP and over graphql-ws', async () => {
    const res = await gql(server.http, INTROSPECTION);
    expect(res.data ?? null).toBeNull();
    expect(errorCodes(res.errors)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors?.[0].message).toMatch(/introspection/i);

    const client = await GqlWs.open(server.ws);
    try {
      const sub = client.subscribe(INTROSPECTION);
      await sub.ended;
      expect(JSON.stringify(sub.error)).toMatch(/introspection/i);
    } finally {
      await client.close();
    }
  });

  it('still answers ordinary queries', async () => {
    const res = await gql<{ sids: string[] }>(server.http, '{ sids }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.sids).toEqual(expect.any(Array));
  });
});
