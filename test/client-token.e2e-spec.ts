import { jwtVerify } from 'jose';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import {
  getEntries,
  GraphQLClient,
  postEntries,
  Puller,
  Pusher,
} from '../packages/client/src/index.js';
import { buildCliIfStale, runCli } from './support/cli.js';
import { expectEventually } from './support/ws.js';

/**
 * Where the client library and the CLI put an access token (SPEC "Authentication and
 * permissions"): checked against a small recording HTTP + WebSocket server, so this holds
 * whether or not the service verifies tokens.
 */

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  upgrade: boolean;
}

/**
 * Accepts every request and WebSocket, answers the minimum each client needs (a pull connection
 * gets one entry, `x`), records all.
 */
class Recorder {
  readonly seen: Seen[] = [];
  readonly url: string;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<Recorder> {
    const wss = new WebSocketServer({ noServer: true });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const recorder = new Recorder(server, wss);
    server.on('request', (req, res) => recorder.answer(req, res));
    server.on('upgrade', (req, socket, head) => {
      const seen = recorder.record(req, true);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const sid = /^\/data\/([^/]+)\/pull$/.exec(seen.path)?.[1];
        if (sid === undefined) return;
        ws.send(JSON.stringify([[decodeURIComponent(sid), '1-0', 0]]));
        ws.send(Buffer.from('x'));
      });
    });
    return recorder;
  }

  /** The requests (and handshakes) whose path starts with `prefix`. */
  to(prefix: string): Seen[] {
    return this.seen.filter((s) => s.path.startsWith(prefix));
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private record(req: IncomingMessage, upgrade: boolean): Seen {
    const url = new URL(req.url ?? '/', 'http://recorder');
    const seen = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      upgrade,
    };
    this.seen.push(seen);
    return seen;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.record(req, false);
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/graphql')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { streams: [] } }));
      } else if (req.method === 'POST') {
        res.setHeader('content-type', 'application/json');
        res.end('["1-0"]');
      } else {
        res.setHeader('entry-offset', '[]');
        res.setHeader('x-last-entry-id', '1-0');
        res.end();
      }
    });
  }
}

let recorder: Recorder;

beforeAll(async () => {
  recorder = await Recorder.start();
});
afterAll(() => recorder.close());

describe('client library', () => {
  it('Pusher sends the token as Authorization: Bearer on the handshake', async () => {
    const pusher = await Pusher.connect('tok-push', { url: recorder.url, token: 'T-push' });
    await pusher.close();
    const [handshake] = recorder.to('/data/tok-push/push');
    expect(handshake).toMatchObject({ upgrade: true, authorization: 'Bearer T-push' });
    expect(handshake.query.has('access_token')).toBe(false);
  });

  it("Pusher with tokenIn 'query' sends access_token instead (what a browser can do)", async () => {
    const pusher = await Pusher.connect('tok-query', {
      url: recorder.url,
      token: 'T-query',
      tokenIn: 'query',
      ack: true,
    });
    await pusher.close();
    const [handshake] = recorder.to('/data/tok-query/push');
    expect(handshake.authorization).toBeUndefined();
    expect(handshake.query.get('access_token')).toBe('T-query');
    expect(handshake.query.get('ack')).toBe('1');
  });

  it('Puller sends it on the cursor lookup (HTTP GET) and on the pull handshake', async () => {
    const puller = new Puller('tok-pull', { url: recorder.url, token: 'T-pull' });
    const next = puller.next();
    const handshake = await expectEventually(() =>
      recorder.to('/data/tok-pull/pull').find((s) => s.upgrade),
    );
    puller.close();
    await next;
    expect(handshake.authorization).toBe('Bearer T-pull');
    expect(handshake.query.get('last_entry_id')).toBe('1-0');
    const [lookup] = recorder.to('/data/tok-pull').filter((s) => !s.upgrade);
    expect(lookup).toMatchObject({ method: 'GET', authorization: 'Bearer T-pull' });
  });

  it('HTTP data helpers and GraphQLClient send it on every request', async () => {
    await postEntries('tok-raw', Buffer.from('x'), { url: recorder.url, token: 'T-http' });
    await postEntries('*', [{ sid: 'a', data: 'x' }], { url: recorder.url, token: 'T-http' });
    await getEntries('tok-get', { url: recorder.url, token: 'T-http' });
    await new GraphQLClient(recorder.url, { token: 'T-gql' }).query('{ streams { sid } }');
    const first = (prefix: string) => recorder.to(prefix)[0];
    expect({
      raw: first('/data/tok-raw'),
      multipart: first('/data/*'),
      get: first('/data/tok-get'),
      graphql: first('/graphql'),
    }).toMatchObject({
      raw: { method: 'POST', authorization: 'Bearer T-http' },
      multipart: { method: 'POST', authorization: 'Bearer T-http' },
      get: { method: 'GET', authorization: 'Bearer T-http' },
      graphql: { method: 'POST', authorization: 'Bearer T-gql' },
    });
  });
});

describe('CLI', () => {
  beforeAll(() => buildCliIfStale(), 120000);

  it('sends --token, or RS_TOKEN from the environment, with every command', async () => {
    const ls = await runCli(['ls', '--url', recorder.url, '--token', 'T-flag']);
    expect(ls.code).toBe(0);
    expect(recorder.to('/graphql').at(-1)?.authorization).toBe('Bearer T-flag');

    const push = await runCli(
      ['push_increment', 'tok-cli', '--max_value', '1', '--url', recorder.url],
      undefined,
      { RS_TOKEN: 'T-env' },
    );
    expect(push.code).toBe(0);
    expect(recorder.to('/data/tok-cli/push')[0].authorization).toBe('Bearer T-env');

    const pull = await runCli(
      ['pull_raw', 'tok-cli', '--limit', '1', '--url', recorder.url, '--token', 'T-pull'],
      undefined,
      { RS_TOKEN: 'T-env' },
    );
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain('tok-cli: 1-0 | x');
    // The flag wins over the environment, on the cursor lookup and on the handshake.
    expect(recorder.to('/data/tok-cli').find((s) => !s.upgrade)?.authorization).toBe(
      'Bearer T-pull',
    );
    expect(recorder.to('/data/tok-cli/pull')[0].authorization).toBe('Bearer T-pull');
  });

  it('token mints an HS256 JWT from AUTH_JWT_SECRET with the SPEC claims', async () => {
    const secret = 'cli-test-secret-0123456789abcdef';
    const run = await runCli(
      ['token', '--sub', 'cam1', '--read', 'cam/*', '--read', 'depth', '--write', 'cam/*'],
      undefined,
      { AUTH_JWT_SECRET: secret },
    );
    expect(run.code).toBe(0);
    const { payload, protectedHeader } = await jwtVerify(
      run.stdout.trim(),
      new TextEncoder().encode(secret),
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({
      sub: 'cam1',
      streams: { read: ['cam/*', 'depth'], write: ['cam/*'] },
      admin: false,
    });
    expect(payload.exp! - payload.iat!).toBe(3600);

    const admin = await runCli(['token', '--sub', 'ops', '--admin', '--ttl', '7d'], undefined, {
      AUTH_JWT_SECRET: secret,
    });
    const { payload: ops } = await jwtVerify(admin.stdout.trim(), new TextEncoder().encode(secret));
    expect(ops).toMatchObject({ sub: 'ops', admin: true, streams: { read: [], write: [] } });
    expect(ops.exp! - ops.iat!).toBe(7 * 86400);
  });

  it('token refuses to run without AUTH_JWT_SECRET or --sub', async () => {
    const noSecret = await runCli(['token', '--sub', 'x'], undefined, { AUTH_JWT_SECRET: '' });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toMatch(/AUTH_JWT_SECRET/);
    expect(noSecret.stdout).toBe('');
    const noSub = await runCli(['token'], undefined, { AUTH_JWT_SECRET: 'secret' });
    expect(noSub.code).not.toBe(0);
    expect(noSub.stderr).toMatch(/--sub/);
  });
});
