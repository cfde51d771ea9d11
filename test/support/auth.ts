import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload, KeyObject } from 'jose';
import { WebSocket } from 'ws';

/** The HS256 key of the auth tests' servers. */
export const SECRET = 'test-secret-of-at-least-32-characters!';

export interface Permissions {
  sub?: string;
  read?: string[];
  write?: string[];
  admin?: boolean;
}

export interface MintOptions {
  /** Seconds since the epoch; default one hour from now. `null`: no `exp`. */
  exp?: number | null;
  nbf?: number;
  aud?: string;
  iss?: string;
  /** HS256 with this secret (default SECRET), unless `key` is given. */
  secret?: string;
  /** An asymmetric private key and its algorithm. */
  key?: { key: CryptoKey | KeyObject; alg: 'RS256' | 'ES256'; kid?: string };
  /** Extra or replaced claims (e.g. a malformed `streams`). */
  claims?: JWTPayload;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A signed JWT carrying the service's claims: `sub`, `streams: {read, write}`, `admin`. */
export async function mint(permissions: Permissions, options: MintOptions = {}): Promise<string> {
  const claims: JWTPayload = {
    streams: { read: permissions.read ?? [], write: permissions.write ?? [] },
    ...(permissions.admin !== undefined ? { admin: permissions.admin } : {}),
    ...options.claims,
  };
  const alg = options.key?.alg ?? 'HS256';
  let jwt = new SignJWT(claims)
    .setProtectedHeader(options.key?.kid ? { alg, kid: options.key.kid } : { alg })
    .setIssuedAt()
    .setSubject(permissions.sub ?? 'tester');
  const exp = options.exp === undefined ? nowSeconds() + 3600 : options.exp;
  if (exp !== null) jwt = jwt.setExpirationTime(exp);
  if (options.nbf !== undefined) jwt = jwt.setNotBefore(options.nbf);
  if (options.aud !== undefined) jwt = jwt.setAudience(options.aud);
  if (options.iss !== undefined) jwt = jwt.setIssuer(options.iss);
  if (options.key) return jwt.sign(options.key.key);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (`alg: none`, empty signature) with the given claims. */
export function unsigned(permissions: Permissions): string {
  const payload = {
    sub: permissions.sub ?? 'tester',
    streams: { read: permissions.read ?? [], write: permissions.write ?? [] },
    admin: permissions.admin ?? false,
    exp: nowSeconds() + 3600,
  };
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** `token` with its payload replaced by `claims` (the signature left as it was). */
export function tampered(token: string, claims: JWTPayload): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64(claims)}.${signature}`;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Refusal {
  status: number;
  body: { error?: { code: string; message: string } };
}

/**
 * Opens a WebSocket that the server is expected to refuse before the upgrade: the HTTP status
 * and JSON body of the refusal. Fails when the socket opens instead.
 */
export function wsRefusal(url: string, headers: Record<string, string> = {}): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => undefined);
    ws.once('open', () => {
      ws.close();
      reject(new Error(`${url} opened; expected a refusal`));
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Refusal['body'] });
      });
    });
  });
}

/** A WebSocket that the server is expected to accept. */
export function wsOpen(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', reject);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`${url} refused with HTTP ${res.statusCode}`)),
    );
  });
}

export interface GqlWsConnection {
  client: Client;
  /** Resolves with `true` on `connection_ack`, or the close code when closed first. */
  connected: Promise<true | number>;
  /** The close code, once closed. */
  closed: Promise<number>;
}

/** A graphql-ws client sending `connectionParams` in `connection_init`. */
export function gqlWsConnect(
  ws: string,
  connectionParams?: Record<string, unknown>,
  headers: Record<string, string> = {},
): GqlWsConnection {
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: `${ws}/graphql`,
    webSocketImpl: WithHeaders,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
  });
  const closed = new Promise<number>((resolve) =>
    client.on('closed', (event) => resolve((event as { code: number }).code)),
  );
  const connected = new Promise<true | number>((resolve) => {
    client.on('connected', () => resolve(true));
    void closed.then(resolve);
  });
  return { client, connected, closed };
}

/** A JWKS endpoint on a free loopback port whose key set the test can swap. */
export class JwksServer {
  keys: JWK[] = [];
  fetches = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<JwksServer> {
    let self: JwksServer | null = null;
    const server = createServer((_req, res) => {
      self!.fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: self!.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new JwksServer(server, `http://127.0.0.1:${port}/.well-known/jwks.json`);
    return self;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
