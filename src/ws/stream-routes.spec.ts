import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import type { AccessPolicy } from '../auth/access-policy.js';
import type { AuthService } from '../auth/auth.service.js';
import { badRequest } from '../common/errors.js';
import { BoolQuery } from '../common/query.js';
import type { AppConfig } from '../config/app-config.js';
import { guardConnection, StreamRoutes } from './stream-routes.js';
import type { UpgradeRouter } from './upgrade-router.js';

class EchoQuery {
  @BoolQuery() header = true;

  forSids(sids: string[]) {
    if (!this.header && sids.length > 1) throw badRequest('header=0 takes a single stream id');
    return { sids, header: this.header };
  }
}

/** A `StreamRoutes` over a router that only records registrations, with auth off. */
function streamRoutes() {
  const register = jest.fn();
  const router = { register } as unknown as UpgradeRouter;
  const auth = { enabled: false } as AuthService;
  const config = { MAX_PAYLOAD_BYTES: 1024, MAX_SIDS_PER_REQUEST: 10 } as AppConfig;
  const routes = new StreamRoutes(router, auth, {} as AccessPolicy, config);
  const route = () =>
    register.mock.calls[0][0] as { kind: string; authorize?: unknown; match(url: URL): unknown };
  return { routes, register, route };
}

const url = (path: string) => new URL(path, 'http://localhost');

describe('StreamRoutes', () => {
  it("registers a route's path with the upgrade router, which validates the handshake", () => {
    const { routes, route } = streamRoutes();
    routes.register({
      path: '/data/:sid/echo',
      kind: 'echo',
      query: EchoQuery,
      access: ({ sids }) => [{ access: 'read', sids }],
      connected: () => undefined,
    });
    expect(route().kind).toBe('echo');
    expect(route().authorize).toBeUndefined(); // auth off: nothing to check
    expect(route().match(url('/data/a+dev%2Fcam/echo'))).toEqual({
      params: { sids: ['a', 'dev/cam'], header: true },
    });
    expect(route().match(url('/data/a/pull'))).toBeNull();
    expect(() => route().match(url('/data/a+b/echo?header=0'))).toThrow(/single stream id/);
    expect(() => route().match(url('/data/a/echo?header=maybe'))).toThrow(/query parameter header/);
  });
});

describe('guardConnection', () => {
  const socket = () => ({ readyState: WebSocket.OPEN, send: jest.fn(), close: jest.fn() });
  const logger = { error: jest.fn() } as unknown as Logger;

  it('closes only that socket, with an error frame and 1011, when set-up throws', () => {
    const ws = socket();
    guardConnection(ws as unknown as WebSocket, logger, () => {
      throw new TypeError('bug');
    });
    expect(JSON.parse(String(ws.send.mock.calls[0][0]))).toEqual({
      error: { code: 'INTERNAL', message: 'internal error' },
    });
    expect(ws.close).toHaveBeenCalledWith(1011, 'internal error');
  });

  it('keeps the code of a service error', () => {
    const ws = socket();
    guardConnection(ws as unknown as WebSocket, logger, () => {
      throw badRequest('no');
    });
    expect(ws.close).toHaveBeenCalledWith(1007, 'no');
  });

  it('leaves a socket alone when set-up succeeds', () => {
    const ws = socket();
    guardConnection(ws as unknown as WebSocket, logger, () => undefined);
    expect(ws.send).not.toHaveBeenCalled();
    expect(ws.close).not.toHaveBeenCalled();
  });
});
