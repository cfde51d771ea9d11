import { ReadHub } from '../src/streams/hub/read-hub.js';
import { UpgradeRouter } from '../src/ws/upgrade-router.js';
import { startServer, TestServer } from './support/app.js';
import { deviceRedis, DeviceRedis } from './support/devices.js';
import { errorCodes, GqlWs, gql, gqlData, Json } from './support/graphql.js';
import type { TestRedis } from './support/redis.js';
import { expectEventually, TestSocket } from './support/ws.js';

/**
 * Devices against the real server and Redis (a private redis-server, or the cluster target):
 * the newest original's README device queries and mutations, its own test's calls, automatic
 * presence from push connections, the event streams and the `deviceEvents` subscription.
 */

// The original README's device snippets, character for character.
const README_LIST_DEVICES = `query GetDevices {
  connected: devices {
    id  # the name of the device
  }

  seen: devices(include_all: true) {
    id
  }
}`;

const README_DEVICE_STREAMS = `query GetDevices {
  devices {
    streamIds(device_id: $id)  # just return the names of the streams
    streams(device_id: $id) {  # return the full metadata for all streams
      streamId
      firstEntryId
      lastEntryId
      length
    }
  }
}`;

const README_DEVICE_STREAM_METADATA = `query GetStreams {
  devices {
    sids  # get just the names without querying everything else
    streams {
      # redis XINFO STREAM information
      id
      entriesAdded
      firstEntryId
      firstEntryData
      firstEntryString
      firstEntryJson
      firstEntryTime
      lastEntryId
      lastEntryData
      lastEntryTime
      lastGeneratedId
      maxDeletedEntryId
      groups
      length
      radixTreeKeys
      radixTreeNodes
      recordedFirstEntryId
      # error message for XINFO STREAMS
      error

      # user-defined stream metadata
      meta
    }
  }

}`;

const README_CONNECT = `mutation {
  connectDevice(id: $id, meta: $meta)
}`;

const README_DISCONNECT = `mutation {
  disconnectDevice(id: $id)
}`;

/**
 * GraphQL refuses variables an operation does not declare (the README's snippets leave the
 * declarations out, so no GraphQL server runs them as printed): the one change made to them.
 */
function declaring(snippet: string, declarations: string): string {
  return snippet.replace(/^(query \w+|mutation) \{/, `$1(${declarations}) {`);
}

/** What the original answers to a device's first `connectDevice` with metadata. */
const FIRST_CONNECT = {
  connection_status_changed: true,
  connected: true,
  is_new_device: true,
  meta_set: true,
  'fired:device.connected': true,
  'fired:device.meta': true,
};

const EVENTS = `subscription Events($ids: [String!]) {
  deviceEvents(ids: $ids) { event deviceId connected meta time }
}`;

let redisTarget: DeviceRedis;
let server: TestServer;
let redis: TestRedis;

beforeAll(async () => {
  redisTarget = await deviceRedis();
  server = await startServer(redisTarget.overrides);
  await server.ready();
  redis = await redisTarget.connect();
});

afterAll(async () => {
  await redis?.quit();
  await server?.close();
  await redisTarget?.dispose();
});

const http = () => server.http;

/** Appends one entry over HTTP; answers its id. */
async function post(sid: string, body: string): Promise<string> {
  const res = await fetch(`${http()}/data/${encodeURIComponent(sid)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  expect(res.status).toBe(200);
  const [id] = (await res.json()) as string[];
  return id;
}

/** The JSON bodies of an event stream's entries, oldest first, for one device. */
async function eventsOf(stream: string, deviceId: string): Promise<Json[]> {
  const entries = (await redis.sendCommand(['XRANGE', stream, '-', '+'])) as [Buffer, Buffer[]][];
  return entries
    .map(([, fields]) => JSON.parse(fields[1].toString()) as Json)
    .filter((body) => body.device_id === deviceId);
}

async function deviceState(id: string): Promise<{ connected: boolean; lastSeen: string | null }> {
  const data = await gqlData<{ device: { connected: boolean; lastSeen: string | null } }>(
    http(),
    `query ($id: String!) { device(id: $id) { connected lastSeen } }`,
    { id },
  );
  return data.device;
}

/**
 * Exactly one `device.connected` event of each kind was fired for `id`, in that order. The
 * disconnect is announced right after the state changed: wait until two events are there.
 */
async function expectOneConnectAndDisconnect(id: string): Promise<void> {
  const events = await expectEventually(async () => {
    const found = await eventsOf(':event:device.connected', id);
    return found.length >= 2 && found;
  });
  expect(events).toEqual([
    { device_id: id, connected: true },
    { device_id: id, connected: false },
  ]);
}

/** Waits until the server has seen its push connections go down to `count`. */
async function pushConnections(count: number): Promise<void> {
  await expectEventually(
    () => (server.app.get(UpgradeRouter).connectionCounts().push ?? 0) === count,
  );
}

describe("the original README's device snippets", () => {
  it('are refused as printed only for their undeclared variables', async () => {
    const res = await gql(http(), README_CONNECT, { id: 'my-device', meta: {} });
    expect(res.errors?.map((e) => e.message)).toEqual([
      'Variable "$id" is not defined.',
      'Variable "$meta" is not defined.',
    ]);
  });

  it('connect a device, list it, list its streams and disconnect it', async () => {
    const connect = await gql(http(), declaring(README_CONNECT, '$id: String, $meta: JSON'), {
      id: 'my-device',
      meta: { parameterA: 11.2, parameterB: 'xyz' },
    });
    expect(connect.errors).toBeUndefined();
    expect(connect.data).toEqual({
      connectDevice: FIRST_CONNECT,
    });

    const listed = await gqlData<{ connected: Json[]; seen: Json[] }>(http(), README_LIST_DEVICES);
    expect(listed.connected).toContainEqual({ id: 'my-device' });
    expect(listed.seen).toContainEqual({ id: 'my-device' });

    const first = await post('my-device:cam', 'frame 1');
    const last = await post('my-device:cam', 'frame 2');
    const streams = await gqlData<{ devices: Json[] }>(
      http(),
      declaring(README_DEVICE_STREAMS, '$id: String'),
      { id: 'my-device' },
    );
    expect(streams.devices.length).toBeGreaterThan(0);
    for (const device of streams.devices) {
      expect(device).toEqual({
        streamIds: ['cam'],
        streams: [{ streamId: 'my-device:cam', firstEntryId: first, lastEntryId: last, length: 2 }],
      });
    }

    const metadata = await gqlData<{ devices: { sids: string[]; streams: Json[] }[] }>(
      http(),
      README_DEVICE_STREAM_METADATA,
    );
    const mine = metadata.devices.find((device) => device.sids.includes('cam'));
    expect(mine?.streams).toEqual([
      expect.objectContaining({
        id: 'my-device:cam',
        entriesAdded: 2,
        firstEntryId: first,
        firstEntryData: Buffer.from('frame 1').toString('base64'),
        firstEntryString: 'frame 1',
        firstEntryJson: null,
        lastEntryId: last,
        length: 2,
        error: null,
        meta: {},
      }),
    ]);

    const disconnect = await gqlData(http(), declaring(README_DISCONNECT, '$id: String'), {
      id: 'my-device',
    });
    expect(disconnect).toEqual({
      disconnectDevice: {
        connection_status_changed: true,
        connected: false,
        'fired:device.connected': true,
      },
    });
    const after = await gqlData<{ connected: Json[]; seen: Json[] }>(http(), README_LIST_DEVICES);
    expect(after.connected).not.toContainEqual({ id: 'my-device' });
    expect(after.seen).toContainEqual({ id: 'my-device' });

    // What the original's consumers read: its event streams, under its names.
    expect(await eventsOf(':event:device.connected', 'my-device')).toEqual([
      { device_id: 'my-device', connected: true, meta: { parameterA: 11.2, parameterB: 'xyz' } },
      { device_id: 'my-device', connected: false },
    ]);
    expect(await eventsOf(':event:device.meta', 'my-device')).toEqual([
      { device_id: 'my-device', meta: { parameterA: 11.2, parameterB: 'xyz' } },
    ]);
  });
});

describe("the original's own device calls", () => {
  it('answer what it answers: connectDevice twice, updateStreamMeta, device streams', async () => {
    const connect = `mutation ConnectDevice { connectDevice(deviceId: "asdf", meta: {x: 1}) }`;
    expect(await gqlData(http(), connect)).toEqual({
      connectDevice: FIRST_CONNECT,
    });
    expect(await gqlData(http(), connect)).toEqual({
      connectDevice: {
        connection_status_changed: false,
        connected: true,
        is_new_device: false,
        meta_set: true,
        'fired:device.connected': true,
        'fired:device.meta': true,
      },
    });

    const setMeta = `mutation SetMeta {
  updateStreamMeta(streamId: "zzzz", meta: {x: 1, z: 3}, deviceId: "asdf")
}`;
    expect(await gqlData(http(), setMeta)).toEqual({ updateStreamMeta: { meta_set: true } });
    expect(
      await gqlData(
        http(),
        `mutation { updateStreamMeta(sid: "asdf:zzzz", meta: {y: 2}, update: true) }`,
      ),
    ).toEqual({ updateStreamMeta: { meta_set: true } });

    await post('asdf:zxcv', '{"x": 2}');
    await post('asdf:zxcv', '{"x": 3}');

    const everything = await gqlData<{ devices: Json[] }>(
      http(),
      `query GetEverythingDevices {
  devices(ids: ["asdf"]) {
    streamIds
    id
    meta
    connected
    streams {
      id
      sid
      length
      entriesAdded
      error
      firstEntryData
      firstEntryJson
      firstEntryString
      lastEntryData
      lastEntryJson
      lastEntryString
      meta
    }
  }
}`,
    );
    expect(everything.devices).toEqual([
      {
        streamIds: ['zxcv'],
        id: 'asdf',
        meta: { x: 1 },
        connected: true,
        streams: [
          {
            id: 'asdf:zxcv',
            sid: 'asdf:zxcv',
            length: 2,
            entriesAdded: 2,
            error: null,
            firstEntryData: 'eyJ4IjogMn0=',
            firstEntryJson: { x: 2 },
            firstEntryString: '{"x": 2}',
            lastEntryData: 'eyJ4IjogM30=',
            lastEntryJson: { x: 3 },
            lastEntryString: '{"x": 3}',
            meta: {},
          },
          {
            id: 'asdf:zzzz',
            sid: 'asdf:zzzz',
            length: null,
            entriesAdded: null,
            error: 'ERR no such key',
            firstEntryData: null,
            firstEntryJson: null,
            firstEntryString: null,
            lastEntryData: null,
            lastEntryJson: null,
            lastEntryString: null,
            meta: { x: 1, z: 3, y: 2 },
          },
        ],
      },
    ]);

    const one = await gqlData<{ device: { stream: Json } }>(
      http(),
      `{ device(id: "asdf") { stream(sid: "zxcv") { sid lastEntryJson } } }`,
    );
    expect(one.device.stream).toEqual({ sid: 'asdf:zxcv', lastEntryJson: { x: 3 } });

    const update = `mutation { updateDeviceMeta(id: "asdf", meta: {x: 5}) }`;
    expect(await gqlData(http(), update)).toEqual({
      updateDeviceMeta: { meta_set: true, 'fired:device.meta': true },
    });
    const meta = await gqlData<{ device: Json }>(http(), `{ device(id: "asdf") { meta } }`);
    expect(meta.device).toEqual({ meta: { x: 5 } });
    await gqlData(http(), `mutation { disconnectDevice(deviceId: "asdf") }`);
  });

  it('refuses invalid device ids and meta that is not an object with clear errors', async () => {
    const badId = await gql(http(), `mutation { connectDevice(id: "a:b", meta: {}) }`);
    expect(errorCodes(badId.errors)).toEqual(['BAD_USER_INPUT']);
    expect(badId.errors?.[0].message).toMatch(/device id must not contain/);
    const badMeta = await gql(http(), `mutation { updateDeviceMeta(id: "ok", meta: [1]) }`);
    expect(errorCodes(badMeta.errors)).toEqual(['BAD_USER_INPUT']);
    const ids = Array.from({ length: 1001 }, (_, i) => `d${i}`);
    const tooMany = await gql(http(), `query ($ids: [String!]) { devices(ids: $ids) { id } }`, {
      ids,
    });
    expect(errorCodes(tooMany.errors)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors?.[0].message).toMatch(/at most 1000 device ids/);
    const unnamed = await gql(http(), `mutation { disconnectDevice }`);
    expect(errorCodes(unnamed.errors)).toEqual(['BAD_USER_INPUT']);
    const refused = await TestSocket.open(`${server.ws}/data/x/push?device=a%7Bb`).catch(
      (err: Error) => err,
    );
    expect(String(refused)).toMatch(/HTTP 400/);
  });
});

describe('automatic presence', () => {
  it('a push connection naming its device keeps it connected until it closes', async () => {
    expect(await deviceState('dev-named')).toEqual({ connected: false, lastSeen: null });
    const push = await TestSocket.open(`${server.ws}/data/plain-stream/push?device=dev-named`);
    await expectEventually(async () => (await deviceState('dev-named')).connected);
    const { lastSeen } = await deviceState('dev-named');
    expect(Date.parse(lastSeen!)).toBeGreaterThan(Date.now() - 60_000);

    push.close();
    await push.closed;
    await expectEventually(async () => !(await deviceState('dev-named')).connected);
    await expectOneConnectAndDisconnect('dev-named');
  });

  it('pushes to <id>:<sid> streams count for <id>, while any of its connections is open', async () => {
    const imu = await TestSocket.open(`${server.ws}/data/robot-1:imu/push?ack=1`);
    const cams = await TestSocket.open(`${server.ws}/data/robot-1:rgb+robot-1:depth/push`);
    await imu.send(JSON.stringify([4]));
    await imu.send(Buffer.from('tick'));
    await imu.nextJson<string[]>();

    const listed = await expectEventually(async () => {
      const data = await gqlData<{ devices: { id: string; streamIds: string[] }[] }>(
        http(),
        `{ devices { id streamIds } }`,
      );
      return data.devices.find((d) => d.id === 'robot-1');
    });
    expect(listed.streamIds).toEqual(['imu']);

    cams.close();
    await pushConnections(1);
    // The device was connected and must stay so with `imu` open.
    expect((await deviceState('robot-1')).connected).toBe(true);
    imu.close();
    await imu.closed;
    await expectEventually(async () => !(await deviceState('robot-1')).connected);
    await expectOneConnectAndDisconnect('robot-1');
  });

  it('disconnectDevice leaves a device with open push connections connected', async () => {
    const push = await TestSocket.open(`${server.ws}/data/held:cam/push`);
    await expectEventually(async () => (await deviceState('held')).connected);
    await gqlData(http(), `mutation { connectDevice(id: "held") }`);
    const answer = await gqlData(http(), `mutation { disconnectDevice(id: "held") }`);
    expect(answer).toEqual({
      disconnectDevice: {
        connection_status_changed: false,
        connected: true,
        'fired:device.connected': false,
      },
    });
    push.close();
    await push.closed;
    await expectEventually(async () => !(await deviceState('held')).connected);
  });
});

describe('deviceEvents subscription', () => {
  it('delivers connects, metadata and disconnects of the devices asked for', async () => {
    const client = await GqlWs.open(server.ws);
    const hub = server.app.get(ReadHub);
    const before = hub.stats().listeners;
    try {
      const sub = client.subscribe<{ deviceEvents: Json }>(EVENTS, { ids: ['sub-dev'] });
      await expectEventually(() => hub.stats().listeners === before + 2);

      // Another device's events are not delivered.
      await gqlData(http(), `mutation { updateDeviceMeta(id: "other-dev", meta: {a: 1}) }`);
      const push = await TestSocket.open(`${server.ws}/data/sub-dev:cam/push`);
      const connected = await sub.nextData();
      expect(connected.deviceEvents).toMatchObject({
        event: 'device.connected',
        deviceId: 'sub-dev',
        connected: true,
        meta: null,
      });
      expect(connected.deviceEvents.time).toMatch(/^\d+-\d+$/);

      await gqlData(http(), `mutation { updateDeviceMeta(id: "sub-dev", meta: {fps: 30}) }`);
      expect((await sub.nextData()).deviceEvents).toMatchObject({
        event: 'device.meta',
        deviceId: 'sub-dev',
        connected: null,
        meta: { fps: 30 },
      });

      push.close();
      await push.closed;
      expect((await sub.nextData()).deviceEvents).toMatchObject({
        event: 'device.connected',
        deviceId: 'sub-dev',
        connected: false,
      });
      expect(sub.pending()).toBe(0);
      sub.unsubscribe();
      await expectEventually(() => hub.stats().listeners === before);
    } finally {
      await client.close();
    }
  });
});
