import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A cluster node's bus listens on its client port plus this (Redis Cluster's fixed rule). */
export const CLUSTER_BUS_OFFSET = 10_000;

/** Lowest port handed out (clear of the well-known and registered service ports in common use). */
const LOWEST = 10_000;

/** Ports this process handed out: never twice, even before their server binds them. */
const handedOut = new Set<number>();

/**
 * A port for a test server (redis-server, a cluster node and its bus, a service process) that
 * nothing listens on now and nothing else will take before the server binds it, even after a
 * restart on the same port. Ports of the kernel's ephemeral range can be taken at any time as the
 * local port of an outgoing connection or by a `listen(0)`, so these come from below that range,
 * bus port (`+ CLUSTER_BUS_OFFSET`) included.
 */
export async function freePort(): Promise<number> {
  const highest = ephemeralRangeStart() - CLUSTER_BUS_OFFSET - 1;
  if (highest <= LOWEST)
    throw new Error('the ephemeral port range leaves no room for test servers');
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = randomInt(LOWEST, highest + 1);
    if (handedOut.has(port)) continue;
    if ((await canListen(port)) && (await canListen(port + CLUSTER_BUS_OFFSET))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOWEST} and ${highest}`);
}

/** First port of the kernel's ephemeral range (Linux; the usual default elsewhere). */
function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1')
      .trim()
      .split(/\s+/);
    const port = Number(low);
    return Number.isInteger(port) && port > 0 ? port : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
