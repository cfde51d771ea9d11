import { deviceRedis, DeviceRedis } from './support/devices.js';
import { GqlSubscription, GqlWs, gqlData, Json } from './support/graphql.js';
import { ServiceProcess } from './support/service-process.js';
import { expectEventually, TestSocket } from './support/ws.js';

/**
 * Presence across gateways: two service processes on one Redis (or cluster), with a short
 * DEVICE_PRESENCE_TTL_S. A device connected through one is listed by the other; when the first
 * is SIGKILLed, its hold runs out and the other gateway reports and announces the disconnect.
 */

const TTL_S = 2;

let target: DeviceRedis;
let a: ServiceProcess;
let b: ServiceProcess;

beforeAll(async () => {
  await ServiceProcess.build();
  target = await deviceRedis();
  const env = { ...target.env, DEVICE_PRESENCE_TTL_S: String(TTL_S) };
  [a, b] = await Promise.all([ServiceProcess.start(env), ServiceProcess.start(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await target?.dispose();
});

async function connectedAt(gateway: ServiceProcess, id: string): Promise<boolean> {
  const data = await gqlData<{ devices: { id: string }[] }>(gateway.http, `{ devices { id } }`);
  return data.devices.some((device) => device.id === id);
}

/**
 * Resolves once `sub` (deviceEvents of gw-crash, on another process) delivers: metadata events
 * numbered 1, 2, ... are fired until one arrives. Every event fired after the one that arrived
 * is delivered too (in order), so this takes events up to the last one fired.
 */
async function untilLive(sub: GqlSubscription<{ deviceEvents: Json }>): Promise<void> {
  let fired = 0;
  const probe = async () => {
    fired++;
    await gqlData(b.http, `mutation { updateDeviceMeta(id: "gw-crash", meta: {probe: ${fired}}) }`);
  };
  const probeOf = (result: { data?: { deviceEvents: Json } | null }) =>
    (result.data?.deviceEvents.meta as Json | undefined)?.probe;
  let received = await expectEventually(async () => {
    await probe();
    return sub.next(500).then(probeOf, () => false);
  }, 20_000);
  while (received !== fired) received = probeOf(await sub.next());
}

describe('device presence across gateways', () => {
  it('a device pushing through one gateway is listed as connected by another', async () => {
    const push = await TestSocket.open(`${a.ws}/data/gw-dev:cam/push`);
    await expectEventually(() => connectedAt(b, 'gw-dev'));
    push.close();
    await push.closed;
    await expectEventually(async () => !(await connectedAt(b, 'gw-dev')));
    const seen = await gqlData<{ devices: Json[] }>(
      b.http,
      `{ devices(includeAll: true) { id connected } }`,
    );
    expect(seen.devices).toContainEqual({ id: 'gw-dev', connected: false });
  });

  it('a gateway shut down gracefully releases its devices at once, whatever the TTL', async () => {
    const longTtl = await ServiceProcess.start({ ...target.env, DEVICE_PRESENCE_TTL_S: '3600' });
    try {
      await TestSocket.open(`${longTtl.ws}/data/gw-term:cam/push`);
      await expectEventually(() => connectedAt(b, 'gw-term'));
    } finally {
      await longTtl.stop();
    }
    // A hold of an hour would keep it connected: only the release on shutdown disconnects it.
    await expectEventually(async () => !(await connectedAt(b, 'gw-term')));
  });

  it("a SIGKILLed gateway's devices are disconnected within the TTL, and it is announced", async () => {
    const events = await GqlWs.open(b.ws);
    try {
      const sub = events.subscribe<{ deviceEvents: Json }>(
        `subscription { deviceEvents(ids: ["gw-crash"]) { deviceId connected meta } }`,
      );
      await untilLive(sub);
      let push = await TestSocket.open(`${a.ws}/data/gw-crash:imu/push`);
      expect((await sub.nextData(10_000)).deviceEvents).toMatchObject({
        deviceId: 'gw-crash',
        connected: true,
      });
      expect(await connectedAt(b, 'gw-crash')).toBe(true);

      await a.kill();
      await push.closed;
      await expectEventually(async () => !(await connectedAt(b, 'gw-crash')), 4 * TTL_S * 1000);
      expect((await sub.nextData(4 * TTL_S * 1000)).deviceEvents).toMatchObject({
        deviceId: 'gw-crash',
        connected: false,
      });

      // Back through the surviving gateway: connected again.
      push = await TestSocket.open(`${b.ws}/data/gw-crash:imu/push`);
      expect((await sub.nextData()).deviceEvents).toMatchObject({
        deviceId: 'gw-crash',
        connected: true,
      });
      push.close();
      await push.closed;
      expect((await sub.nextData()).deviceEvents).toMatchObject({
        deviceId: 'gw-crash',
        connected: false,
      });
    } finally {
      await events.close();
    }
  });
});
