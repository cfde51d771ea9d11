import type { DataObserver } from '../../common/data-observer.js';
import { jest } from '@jest/globals';
import type { AccessPolicy } from '../../auth/access-policy.js';
import type { AuthService } from '../../auth/auth.service.js';
import type { AppConfig } from '../../config/app-config.js';
import type { StreamRepository } from '../../streams/repositories/stream.repository.js';
import { ConnectionEvents } from '../../ws/connection-events.js';
import { StreamRoutes } from '../../ws/stream-routes.js';
import type { UpgradeRouter } from '../../ws/upgrade-router.js';
import { MemoryPressure } from '../../common/memory-pressure.js';
import { planMemory } from '../../config/memory-plan.js';
import { PushGateway } from './push.gateway.js';

describe('PushGateway', () => {
  it('registers /data/{sid}/push: the handshake gives the push parameters', () => {
    const register = jest.fn();
    const config = { MAX_PAYLOAD_BYTES: 1024, MAX_SIDS_PER_REQUEST: 10 } as AppConfig;
    const auth = { enabled: false } as AuthService;
    const router = { register } as unknown as UpgradeRouter;
    const routes = new StreamRoutes(router, auth, {} as AccessPolicy, config);
    const route = () => register.mock.calls[0][0] as { kind: string; match(url: URL): unknown };
    new PushGateway(
      routes,
      {} as StreamRepository,
      {} as DataObserver,
      config,
      new ConnectionEvents(),
      planMemory(null),
      new MemoryPressure(planMemory(null)),
    ).onModuleInit();
    expect(route().kind).toBe('push');
    const url = (path: string) => new URL(path, 'http://localhost');
    expect(route().match(url('/data/a+dev%2Fcam/push?ack=1'))).toEqual({
      params: { sids: ['a', 'dev/cam'], header: true, ack: true, devices: [], alsoWrite: [] },
    });
    // A connection speaks for the devices of its `<id>:<sid>` streams, or for the one it names.
    expect(route().match(url('/data/rig:cam+rig:imu/push'))).toMatchObject({
      params: { devices: ['rig'], alsoWrite: [] },
    });
    expect(route().match(url('/data/a/push?device=rig'))).toMatchObject({
      params: { devices: ['rig'], alsoWrite: ['rig:*'] },
    });
    expect(route().match(url('/data/a/pull'))).toBeNull();
    expect(() => route().match(url('/data/a+b/push?header=0'))).toThrow(/single stream id/);
    expect(() => route().match(url('/data/a/push?ack=maybe'))).toThrow(/query parameter ack/);
  });
});
