import { startServer, TestServer } from './support/app.js';
import { bearer, gqlWsConnect, mint, SECRET, wsOpen, wsRefusal } from './support/auth.js';
import { deviceRedis, DeviceRedis } from './support/devices.js';
import { errorCodes, gql, GqlSubscription, Json } from './support/graphql.js';
import { expectEventually } from './support/ws.js';

/**
 * Devices with authentication on: a caller sees the devices whose streams (`<id>:*`) it may
 * read, changes those it may write, and names a device on a push connection only with write
 * permission on all of its streams.
 */

let target: DeviceRedis;
let server: TestServer;
const tokens: Record<'admin' | 'camA' | 'plainWriter', string> = {
  admin: '',
  camA: '',
  plainWriter: '',
};

beforeAll(async () => {
  target = await deviceRedis();
  server = await startServer({ ...target.overrides, AUTH_JWT_SECRET: SECRET });
  await server.ready();
  tokens.admin = await mint({ admin: true });
  tokens.camA = await mint({ read: ['cam-a:*'], write: ['cam-a:*'] });
  tokens.plainWriter = await mint({ write: ['plain', 'cam-a:*'] });
  for (const id of ['cam-a', 'cam-b']) {
    const res = await as('admin', `mutation ($id: String) { connectDevice(id: $id) }`, { id });
    expect(res.errors).toBeUndefined();
  }
});

afterAll(async () => {
  await server?.close();
  await target?.dispose();
});

function as(who: keyof typeof tokens, query: string, variables?: Json) {
  return gql<Json>(server.http, query, variables, bearer(tokens[who]));
}

describe('device queries', () => {
  it('list only the devices whose streams the caller may read', async () => {
    // On the cluster target other suites' devices are there too.
    const admin = await as('admin', `{ devices { id } all: devices(includeAll: true) { id } }`);
    for (const list of [admin.data!.devices, admin.data!.all]) {
      expect(list).toEqual(expect.arrayContaining([{ id: 'cam-a' }, { id: 'cam-b' }]));
    }
    const camA = await as('camA', `{ devices { id } all: devices(includeAll: true) { id } }`);
    expect(camA.data).toEqual({ devices: [{ id: 'cam-a' }], all: [{ id: 'cam-a' }] });
  });

  it('refuse naming a device the caller may not read', async () => {
    expect(errorCodes((await as('camA', `{ device(id: "cam-b") { id } }`)).errors)).toEqual([
      'FORBIDDEN',
    ]);
    const named = await as('camA', `{ devices(ids: ["cam-a", "cam-b"]) { id } }`);
    expect(errorCodes(named.errors)).toEqual(['FORBIDDEN']);
    const other = await as('camA', `{ device(id: "cam-a") { streamIds(device_id: "cam-b") } }`);
    expect(errorCodes(other.errors)).toEqual(['FORBIDDEN']);
    expect((await as('camA', `{ device(id: "cam-a") { id connected } }`)).data).toEqual({
      device: { id: 'cam-a', connected: true },
    });
  });
});

describe('device mutations', () => {
  it('need write permission on all of the device streams', async () => {
    for (const mutation of [
      `mutation { connectDevice(id: "cam-b", meta: {}) }`,
      `mutation { updateDeviceMeta(id: "cam-b", meta: {}) }`,
      `mutation { disconnectDevice(id: "cam-b") }`,
    ]) {
      expect(errorCodes((await as('camA', mutation)).errors)).toEqual(['FORBIDDEN']);
    }
    const allowed = await as('camA', `mutation { updateDeviceMeta(id: "cam-a", meta: {n: 1}) }`);
    expect(allowed.data).toEqual({
      updateDeviceMeta: { meta_set: true, 'fired:device.meta': true },
    });
    const stream = await as('camA', `mutation { updateStreamMeta(sid: "cam-b:x", meta: {}) }`);
    expect(errorCodes(stream.errors)).toEqual(['FORBIDDEN']);
  });
});

describe('push connections naming a device', () => {
  it('are refused with 403 without write permission on <id>:*', async () => {
    const auth = bearer(tokens.plainWriter);
    const refused = await wsRefusal(`${server.ws}/data/plain/push?device=cam-b`, auth);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('FORBIDDEN');
    const ws = await wsOpen(`${server.ws}/data/plain/push?device=cam-a`, auth);
    ws.close();
  });
});

describe('deviceEvents', () => {
  it('delivers only events of devices the caller may read, and refuses naming others', async () => {
    const connection = gqlWsConnect(server.ws, { authorization: `Bearer ${tokens.camA}` });
    expect(await connection.connected).toBe(true);
    try {
      const named = new GqlSubscription(
        connection.client,
        `subscription { deviceEvents(ids: ["cam-b"]) { deviceId } }`,
      );
      expect(errorCodes((await named.next()).errors)).toEqual(['FORBIDDEN']);
      await named.ended;

      const all = new GqlSubscription<{ deviceEvents: Json }>(
        connection.client,
        `subscription { deviceEvents { deviceId meta } }`,
      );
      // Metadata changes of both devices until one reaches the (then live) subscription.
      let n = 0;
      const first = await expectEventually(async () => {
        n++;
        await as('admin', `mutation { b: updateDeviceMeta(id: "cam-b", meta: {n: ${n}}) }`);
        await as('admin', `mutation { a: updateDeviceMeta(id: "cam-a", meta: {n: ${n}}) }`);
        return all.next(500).then(
          (result) => result.data?.deviceEvents,
          () => false,
        );
      }, 20_000);
      expect(first).toMatchObject({ deviceId: 'cam-a' });
      // Everything delivered since is cam-a's alone.
      while (all.pending() > 0) {
        expect((await all.nextData()).deviceEvents).toMatchObject({ deviceId: 'cam-a' });
      }
      all.unsubscribe();
    } finally {
      await connection.client.dispose();
    }
  });
});
