import keySlot from 'cluster-key-slot';
import { clusterEntries, RecordingPuller, useClusterGateway } from '../support/cluster.js';
import { AckedPusher } from '../support/pusher.js';
import { uniqueKey } from '../support/redis.js';
import { expectEventually } from '../support/ws.js';

describe('resharding under a live push and pull', () => {
  const gateway = useClusterGateway({}, { STREAM_MAXLEN: 0 });

  it('delivers every acked entry exactly once, in order, while the slot moves to another master', async () => {
    const { cluster, server, client } = gateway;
    const sid = uniqueKey('reshard');
    const slot = keySlot(sid);
    expect(cluster.keySlot(sid)).toBe(slot);
    const source = cluster.ownerOf(slot);
    const target = cluster.masters().find((m) => m !== source)!;
    const puller = await RecordingPuller.start(() => server.ws, sid, '0');
    const pusher = await AckedPusher.start(`${server.ws}/data/${sid}/push?ack=1`, 4, 5);
    /** Lets `n` more entries be acked (the gateway shares this process with the test). */
    const more = (n: number) => pusher.waitAcked(pusher.acked.length + n, 20_000);
    try {
      await more(100);
      // The steps of `redis-cli --cluster reshard` one at a time, with pushes acked between them:
      // writes land on the source while it migrates, follow ASK to the target once the key left,
      // and the blocked XREAD is answered MOVED once the slot is handed over.
      const [sourceId, targetId] = [source.id(), target.id()];
      target.command('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
      source.command('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
      await more(50);
      const migrated = source.command(
        'MIGRATE',
        '127.0.0.1',
        String(target.port),
        sid,
        '0',
        '5000',
      );
      expect(migrated).toBe('OK');
      const atMigrate = pusher.acked.length;
      await more(50);
      expect(await client.sendCommand(sid, true, ['EXISTS', sid])).toBe(1);
      for (const node of [
        target,
        source,
        ...cluster.masters().filter((m) => m !== source && m !== target),
      ]) {
        node.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
      }
      await cluster.waitHealthy();
      expect(cluster.ownerOf(slot)).toBe(target);
      await more(100);
      const duringMove = pusher.acked.length;
      // and back in one go with the harness, pushes in flight
      await cluster.moveSlot(slot, source);
      expect(cluster.ownerOf(slot)).toBe(source);
      await more(100);
      pusher.stop();
      await pusher.waitAcked(pusher.sent);
      const acked = pusher.acked;
      await expectEventually(() => puller.entries.length >= acked.length, 10_000);
      const delivered = puller.entries.map((e) => e.id);
      const stored = (await clusterEntries(client, sid)).map((e) => e.id);
      console.log(
        `reshard: slot ${slot} moved ${source.port} -> ${target.port} step by step ` +
          `(${atMigrate} acked when the key migrated, ${duringMove} once the slot was handed over) ` +
          `and back: acked ${acked.length}, delivered ${delivered.length}, in Redis ` +
          `${stored.length}; puller reopened ${puller.reopened} times`,
      );
      expect(pusher.errorFrame).toBeNull();
      expect(stored).toEqual(acked);
      expect(delivered).toEqual(acked);
      expect(puller.reopened).toBe(0);
    } finally {
      pusher.close();
      await puller.stop();
    }
  }, 60_000);
});
