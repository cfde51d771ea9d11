import { readFileSync } from 'node:fs';
import { CLUSTER_BUS_OFFSET, freePort } from './ports.js';

/**
 * Ports for test servers (redis-server, cluster nodes, service processes) are picked once and
 * bound later, sometimes after a restart. A port from the kernel's ephemeral range can be taken
 * meanwhile by any outgoing connection or `listen(0)`, and the server then fails to start: the
 * ports must come from below that range, cluster bus port included.
 */
describe('freePort', () => {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1')
    .trim()
    .split(/\s+/)
    .map(Number);

  it('picks distinct ports that no outgoing connection can take, their bus port too', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port + CLUSTER_BUS_OFFSET).toBeLessThan(ephemeralLow);
    }
  });
});
