import keySlot from 'cluster-key-slot';
import { createCluster, RESP_TYPES } from 'redis';
import type { AppConfig } from '../../src/config/app-config.js';
import { startServer, TestServer } from './app.js';
import { RedisCluster, RedisClusterOptions } from './redis-cluster.js';
import { uniqueKey } from './redis.js';
import { TestSocket } from './ws.js';

export type TestClusterClient = ReturnType<typeof createTestClusterClient>;

function createTestClusterClient(cluster: RedisCluster) {
  return createCluster({
    rootNodes: cluster.nodes.filter((n) => n.running).map((n) => ({ url: n.url })),
    defaults: {
      socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) },
    },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** A node-redis cluster client for assertions on the cluster itself (payloads as Buffers). */
export async function connectCluster(cluster: RedisCluster): Promise<TestClusterClient> {
  const client = createTestClusterClient(cluster);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Entry ids and payloads of `sid` as the cluster has them. */
export async function clusterEntries(
  client: TestClusterClient,
  sid: string,
): Promise<{ id: string; data: string }[]> {
  const raw = (await client.sendCommand(sid, true, ['XRANGE', sid, '-', '+'])) as unknown as [
    Buffer,
    Buffer[],
  ][];
  return raw.map(([id, fields]) => ({ id: id.toString(), data: fields[1].toString() }));
}

/** The port of the master serving `sid`, as `client` sees the topology. */
export function ownerPort(client: TestClusterClient, sid: string): number {
  return client.slots[keySlot(sid)].master.port;
}

/** `count` fresh sids whose slots are served by `count` different masters (one per master). */
export function sidsOnDistinctMasters(
  client: TestClusterClient,
  label: string,
  count: number,
): string[] {
  const byMaster = new Map<number, string>();
  for (let i = 0; byMaster.size < count; i++) {
    if (i > 1000) throw new Error(`could not spread ${count} sids over masters`);
    const sid = uniqueKey(`${label}-${i}`);
    const owner = ownerPort(client, sid);
    if (!byMaster.has(owner)) byMaster.set(owner, sid);
  }
  return [...byMaster.values()];
}

/** Names of the connections one gateway instance holds, on every running node (CLIENT LIST). */
export function gatewayConnections(cluster: RedisCluster, instance: string): string[] {
  return cluster.nodes
    .filter((n) => n.running)
    .flatMap((n) =>
      n
        .command('CLIENT', 'LIST')
        .split('\n')
        .map((line) => /name=(\S*)/.exec(line)?.[1] ?? '')
        .filter((name) => name.startsWith('redis-streamer:') && name.endsWith(`:${instance}`))
        .map((name) => `${n.port}/${name.split(':')[1]}`),
    );
}

/**
 * A live puller of one sid that records every entry it gets, in order, and reopens from the last
 * id it got when the server closes it (counting the reopenings).
 */
export class RecordingPuller {
  readonly entries: { id: string; data: string }[] = [];
  reopened = 0;
  closes: string[] = [];
  private socket: TestSocket | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly ws: () => string,
    private readonly sid: string,
  ) {}

  static async start(ws: () => string, sid: string, from = '$'): Promise<RecordingPuller> {
    const puller = new RecordingPuller(ws, sid);
    puller.socket = await TestSocket.open(puller.url(from));
    puller.loop = puller.run();
    return puller;
  }

  private url(from: string): string {
    return `${this.ws()}/data/${encodeURIComponent(this.sid)}/pull?count=1000&block=500&last_entry_id=${from}`;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const socket = this.socket!;
      try {
        for (const entry of await socket.nextBatch(10_000)) {
          this.entries.push({ id: entry.id, data: entry.data.toString() });
        }
      } catch (err) {
        if (this.stopped) return;
        this.closes.push(`${socket.closeCode} ${socket.closeReason || (err as Error).message}`);
        socket.close();
        const last = this.entries.at(-1)?.id ?? '0';
        for (;;) {
          try {
            this.socket = await TestSocket.open(this.url(last));
            break;
          } catch {
            if (this.stopped) return;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        this.reopened++;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.close();
    await this.loop;
  }
}

export interface ClusterGateway {
  cluster: RedisCluster;
  server: TestServer;
  client: TestClusterClient;
}

/**
 * Registers beforeAll/afterAll that start a throwaway cluster, a gateway on it (ready) and an
 * assertion client, and stop them after the file's tests. The fields are set once beforeAll ran.
 */
export function useClusterGateway(
  options: RedisClusterOptions = {},
  config: Partial<AppConfig> = {},
): ClusterGateway {
  const fixture = {} as ClusterGateway;
  beforeAll(async () => {
    fixture.cluster = await RedisCluster.start({ masters: 3, ...options });
    fixture.server = await startServer({
      REDIS_URL: fixture.cluster.url,
      REDIS_CLUSTER: true,
      ...config,
    });
    await fixture.server.ready();
    fixture.client = await connectCluster(fixture.cluster);
  }, 60_000);
  afterAll(async () => {
    await fixture.client?.close();
    await fixture.server?.close();
    await fixture.cluster?.stop();
  });
  return fixture;
}
