import keySlot from 'cluster-key-slot';
import { clusterEntries, RecordingPuller, useClusterGateway } from '../support/cluster.js';
import { AckedPusher } from '../support/pusher.js';
import { uniqueKey } from '../support/redis.js';
import { expectEventually } from '../support/ws.js';

/** Pushes with ack=1 and opens a new connection whenever the server closes one. */
class ReconnectingPusher {
  readonly pushers: AckedPusher[] = [];
  readonly closes: string[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(private readonly url: string) {
    this.loop = this.run();
  }

  get acked(): string[] {
    return this.pushers.flatMap((p) => p.acked);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let pusher: AckedPusher;
      try {
        pusher = await AckedPusher.start(this.url, 4, 5);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      this.pushers.push(pusher);
      const { code } = await pusher.closed;
      if (!this.stopped) this.closes.push(`${code} ${pusher.errorFrame?.code ?? ''}`);
    }
  }

  async waitAcked(n: number, timeoutMs = 30_000): Promise<void> {
    await expectEventually(() => this.acked.length >= n, timeoutMs, 50);
  }

  /** Stops sending and waits for the acks of what is in flight on the open connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    const last = this.pushers.at(-1);
    last?.stop();
    if (last && !last.errorFrame) await last.waitAcked(last.sent).catch(() => undefined);
    last?.close();
    await this.loop;
  }
}

describe('a master failing over under a live push and pull', () => {
  const gateway = useClusterGateway(
    { replicas: 1 },
    {
      REDIS_WAIT_REPLICAS: 1,
      REDIS_COMMAND_TIMEOUT_MS: 1000,
      STREAM_MAXLEN: 0,
    },
  );

  it('keeps every acked entry and delivers each once, in order, after the failover', async () => {
    const { cluster, server, client } = gateway;
    const sid = uniqueKey('failover');
    const slot = keySlot(sid);
    const puller = await RecordingPuller.start(() => server.ws, sid, '0');
    const pusher = new ReconnectingPusher(`${server.ws}/data/${sid}/push?ack=1`);
    try {
      await pusher.waitAcked(200);
      const victim = cluster.ownerOf(slot);
      await server.quietly(async () => {
        await victim.kill();
        const killedAt = pusher.acked.length;
        await cluster.waitHealthy();
        const promoted = cluster.ownerOf(slot);
        expect(promoted).not.toBe(victim);
        // The old master comes back as the new one's replica, so WAIT 1 can be satisfied again.
        await victim.start();
        await cluster.waitHealthy();
        expect(victim.role()).toBe('slave');
        await pusher.waitAcked(pusher.acked.length + 200);
        console.log(
          `failover: master ${victim.port} of slot ${slot} killed after ${killedAt} acked entries, ` +
            `${promoted.port} promoted`,
        );
      });
      await pusher.stop();
      const acked = pusher.acked;
      const stored = (await clusterEntries(client, sid)).map((e) => e.id);
      await expectEventually(() => puller.entries.length >= stored.length, 15_000);
      const delivered = puller.entries.map((e) => e.id);
      const closes = new Map<string, number>();
      for (const c of pusher.closes) closes.set(c, (closes.get(c) ?? 0) + 1);
      console.log(
        `failover: acked ${acked.length}, in Redis ${stored.length}, delivered ` +
          `${delivered.length}; pushers closed ${JSON.stringify(Object.fromEntries(closes))} ` +
          `(reconnected), puller reopened ${puller.reopened} times`,
      );
      const storedSet = new Set(stored);
      expect(acked.filter((id) => !storedSet.has(id))).toEqual([]);
      expect(delivered).toEqual(stored);
      // the hub followed the slot to the promoted replica: the puller was never closed
      expect(puller.closes).toEqual([]);
    } finally {
      await pusher.stop();
      await puller.stop();
    }
  }, 120_000);
});
