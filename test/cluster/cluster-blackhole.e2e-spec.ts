import { useClusterGateway, sidsOnDistinctMasters } from '../support/cluster.js';
import { AckedPusher } from '../support/pusher.js';
import { expectEventually } from '../support/ws.js';

describe('a cluster master that stops answering (frozen, connections kept open)', () => {
  const gateway = useClusterGateway({}, { REDIS_COMMAND_TIMEOUT_MS: 500 });

  const readyz = async () => {
    const res = await fetch(`${gateway.server.http}/readyz`);
    await res.arrayBuffer();
    return res.status;
  };

  it('is noticed by the command watchdog: pushers get 1013, /readyz 503, and both recover', async () => {
    const { cluster, server, client } = gateway;
    const [sid] = sidsOnDistinctMasters(client, 'frozen', 1);
    const owner = cluster.ownerOf(cluster.keySlot(sid));
    const pusher = await AckedPusher.start(`${server.ws}/data/${sid}/push?ack=1`, 2, 5);
    await pusher.waitAcked(50);
    process.kill(owner.pid!, 'SIGSTOP');
    try {
      await server.quietly(async () => {
        const closed = await pusher.closed;
        expect(closed.code).toBe(1013);
        expect(pusher.errorFrame?.code).toBe('UNAVAILABLE');
        await expectEventually(async () => (await readyz()) === 503, 10_000);
      });
    } finally {
      process.kill(owner.pid!, 'SIGCONT');
    }
    await cluster.waitHealthy();
    await expectEventually(async () => (await readyz()) === 200, 15_000);
    const again = await AckedPusher.start(`${server.ws}/data/${sid}/push?ack=1`, 2, 5);
    try {
      await again.waitAcked(20);
    } finally {
      again.close();
    }
  }, 60_000);
});
