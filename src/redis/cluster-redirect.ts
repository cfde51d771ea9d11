/**
 * What a Redis Cluster error reply says about the topology: `MOVED <slot> <host>:<port>` (the
 * slot is served elsewhere now), `ASK <slot> <host>:<port>` (the slot is being migrated and this
 * key already left), `TRYAGAIN` (a multi-key command during a migration) or `CLUSTERDOWN` (a
 * slot has no master, e.g. during a failover). Null for any other message.
 */
export type Redirect =
  | { kind: 'MOVED' | 'ASK'; slot: number; host: string; port: number }
  | { kind: 'TRYAGAIN' | 'CLUSTERDOWN' };

const TARGETED = /^(MOVED|ASK) (\d+) (\S*):(\d+)$/;

export function parseRedirect(message: string): Redirect | null {
  const text = message.trim();
  const targeted = TARGETED.exec(text);
  if (targeted) {
    return {
      kind: targeted[1] as 'MOVED' | 'ASK',
      slot: Number(targeted[2]),
      // An empty host means "the host you are connected to" (cluster-preferred-endpoint-type unknown-endpoint).
      host: targeted[3],
      port: Number(targeted[4]),
    };
  }
  if (text.startsWith('TRYAGAIN')) return { kind: 'TRYAGAIN' };
  if (text.startsWith('CLUSTERDOWN')) return { kind: 'CLUSTERDOWN' };
  return null;
}
