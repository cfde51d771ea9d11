import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { badRequest } from '../common/errors.js';
import { UpgradeRouter } from './upgrade-router.js';

/** The raw socket of a handshake: records what the router answers. */
class FakeSocket extends EventEmitter {
  writable = true;
  answer = '';
  destroyed = false;
  end(text: string): void {
    this.answer = text;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** A WebSocketServer stand-in whose handshake hands back a fake open socket. */
function fakeServer(): WebSocketServer & { accepted: number } {
  const server = {
    accepted: 0,
    handleUpgrade(_req: unknown, _socket: unknown, _head: unknown, done: (ws: WebSocket) => void) {
      server.accepted++;
      const ws: EventEmitter = Object.assign(new EventEmitter(), {
        readyState: WebSocket.OPEN,
        ping() {},
        terminate() {},
        close: (code: number) => ws.emit('close', code),
      });
      done(ws as unknown as WebSocket);
    },
  };
  return server as unknown as WebSocketServer & { accepted: number };
}

/** Routers made by a test: shut down after it, so no keepalive timer outlives the test. */
const routers: UpgradeRouter[] = [];
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.beforeApplicationShutdown()));
});

function setup(config: Partial<AppConfig> = {}) {
  const http = new EventEmitter();
  const adapterHost = { httpAdapter: { getHttpServer: () => http } } as unknown as HttpAdapterHost;
  const router = new UpgradeRouter(adapterHost, Object.assign(new AppConfig(), config));
  const server = fakeServer();
  const connected: string[] = [];
  router.register<string>({
    kind: 'echo',
    server,
    match: (url) => {
      if (!url.pathname.startsWith('/echo/')) return null;
      if (url.pathname === '/echo/bad') throw badRequest('bad echo');
      return url.pathname;
    },
    connected: (_ws, _req, path) => connected.push(path),
  });
  router.onApplicationBootstrap();
  routers.push(router);
  const upgrade = (url: string) => {
    const socket = new FakeSocket();
    http.emit('upgrade', { url } as IncomingMessage, socket, Buffer.alloc(0));
    return socket;
  };
  return { router, server, connected, upgrade, http };
}

describe('UpgradeRouter', () => {
  it('hands a matching handshake to its route and counts the connection by kind', () => {
    const { router, connected, upgrade } = setup();
    upgrade('/echo/one');
    expect(connected).toEqual(['/echo/one']);
    expect(router.connectionCounts()).toEqual({ echo: 1 });
  });

  it('refuses unknown paths with 404 and invalid ones with the error status, as JSON', () => {
    const { server, upgrade } = setup();
    expect(upgrade('/nowhere').answer).toMatch(/^HTTP\/1.1 404 .*"code":"NOT_FOUND"/s);
    const bad = upgrade('/echo/bad').answer;
    expect(bad).toMatch(/^HTTP\/1.1 400 /);
    expect(bad).toContain('{"error":{"code":"BAD_REQUEST","message":"bad echo"}}');
    expect(server.accepted).toBe(0);
  });

  it('refuses handshakes over MAX_CONNECTIONS with 503', () => {
    const { upgrade, connected } = setup({ MAX_CONNECTIONS: 1 });
    upgrade('/echo/a');
    expect(upgrade('/echo/b').answer).toMatch(/^HTTP\/1.1 503 .*OVERLOADED/s);
    expect(connected).toEqual(['/echo/a']);
  });

  it('counts handshakes still being authorized against MAX_CONNECTIONS', async () => {
    const { router, http } = setup({ MAX_CONNECTIONS: 2 });
    const server = fakeServer();
    const grants: (() => void)[] = [];
    router.register<string>({
      kind: 'slow',
      server,
      match: (url) => (url.pathname.startsWith('/slow/') ? url.pathname : null),
      authorize: (_req, path) => new Promise((resolve) => grants.push(() => resolve(path))),
      connected: () => undefined,
    });
    const sockets = ['/slow/a', '/slow/b', '/slow/c'].map((url) => {
      const socket = new FakeSocket();
      http.emit('upgrade', { url } as IncomingMessage, socket, Buffer.alloc(0));
      return socket;
    });
    // Two handshakes wait for their tokens to be checked: the third is over the limit now.
    expect(sockets[2].answer).toMatch(/^HTTP\/1.1 503 .*OVERLOADED/s);
    grants.forEach((grant) => grant());
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.accepted).toBe(2);
    expect(router.connectionCounts()).toEqual({ slow: 2 });
    // A refused authorization gives its place back.
    const { router: other, http: otherHttp } = setup({ MAX_CONNECTIONS: 1 });
    other.register<string>({
      kind: 'denied',
      server: fakeServer(),
      match: (url) => (url.pathname.startsWith('/denied/') ? url.pathname : null),
      authorize: () => Promise.reject(badRequest('no')),
      connected: () => undefined,
    });
    const denied = new FakeSocket();
    otherHttp.emit('upgrade', { url: '/denied/x' } as IncomingMessage, denied, Buffer.alloc(0));
    await new Promise((resolve) => setImmediate(resolve));
    expect(denied.answer).toMatch(/^HTTP\/1.1 400/);
    const next = new FakeSocket();
    otherHttp.emit('upgrade', { url: '/echo/y' } as IncomingMessage, next, Buffer.alloc(0));
    expect(next.answer).toBe('');
    expect(other.connectionCounts()).toEqual({ echo: 1 });
  });

  it('closes open sockets with 1001 on shutdown and stops taking handshakes', async () => {
    const { router, upgrade, http } = setup();
    upgrade('/echo/open');
    const closes: number[] = [];
    for (const ws of router['sockets'].keys()) {
      Object.assign(ws, {
        close: (code: number) => {
          closes.push(code);
          (ws as unknown as EventEmitter).emit('close', code);
        },
      });
    }
    await router.beforeApplicationShutdown();
    expect(closes).toEqual([1001]);
    expect(http.listenerCount('upgrade')).toBe(0);
  });
});
