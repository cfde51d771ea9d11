import { jest } from '@jest/globals';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { badRequest } from '../common/errors.js';
import { DataWsAdapter, guardConnection } from './data-ws.adapter.js';
import { PushQuery } from '../data/dto/data-query.dto.js';

describe('DataWsAdapter', () => {
  const register = jest.fn();
  const app = {
    // Stands in for the router, the config and an auth service with auth off.
    get: () => ({ register, MAX_PAYLOAD_BYTES: 1024, MAX_SIDS_PER_REQUEST: 10, enabled: false }),
  } as unknown as INestApplicationContext;

  it('opens no port of its own', () => {
    const adapter = new DataWsAdapter(app);
    expect(() =>
      adapter.create(8080, {
        path: '/data/:sid/push',
        kind: 'push',
        access: 'write',
        query: PushQuery,
      }),
    ).toThrow(/application's port only/);
    expect(register).not.toHaveBeenCalled();
  });

  it("registers a gateway's path with the upgrade router, which validates the handshake", () => {
    const adapter = new DataWsAdapter(app);
    adapter.create(0, { path: '/data/:sid/push', kind: 'push', access: 'write', query: PushQuery });
    const route = register.mock.calls[0][0] as { kind: string; match(url: URL): unknown };
    expect(route.kind).toBe('push');
    const url = (path: string) => new URL(path, 'http://localhost');
    expect(route.match(url('/data/a+dev%2Fcam/push?ack=1'))).toEqual({
      params: { sids: ['a', 'dev/cam'], header: true, ack: true, devices: [], alsoWrite: [] },
    });
    // A connection speaks for the devices of its `<id>:<sid>` streams, or for the one it names.
    expect(route.match(url('/data/rig:cam+rig:imu/push'))).toMatchObject({
      params: { devices: ['rig'], alsoWrite: [] },
    });
    expect(route.match(url('/data/a/push?device=rig'))).toMatchObject({
      params: { devices: ['rig'], alsoWrite: ['rig:*'] },
    });
    expect(route.match(url('/data/a/pull'))).toBeNull();
    expect(() => route.match(url('/data/a+b/push?header=0'))).toThrow(/single stream id/);
    expect(() => route.match(url('/data/a/push?ack=maybe'))).toThrow(/query parameter ack/);
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
