import { spawnSync } from 'node:child_process';
import { freePort, RedisServer } from './redis-server.js';

export interface RedisClusterOptions {
  /** Masters (default 3). */
  masters?: number;
  /** Replicas per master (default 0). */
  replicas?: number;
  /**
   * Append-only file fsynced on every write, so that a node killed and restarted keeps what it
   * acknowledged. Default: no persistence.
   */
  persistent?: boolean;
}

/** One `redis-server --cluster-enabled yes` process of a throwaway cluster. */
export class ClusterNode extends RedisServer {
  constructor(port: number, persistent: boolean) {
    super(port, persistent, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      // A killed master is replaced after 1 s without answers (tests wait for it).
      '--cluster-node-timeout',
      '1000',
    ]);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** One command on this node, answered as redis-cli prints it (`--no-raw` off: raw text). */
  command(...args: string[]): string {
    const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], {
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`redis-cli ${args.join(' ')} on ${this.port}: ${result.stderr}`);
    }
    return result.stdout.trim();
  }

  /** This node's cluster id. */
  id(): string {
    return this.command('CLUSTER', 'MYID');
  }

  /** `master` or `slave`, from ROLE. */
  role(): string {
    return this.command('ROLE').split('\n')[0];
  }
}

/**
 * A throwaway Redis Cluster for tests: `masters` × (1 + `replicas`) `redis-server` processes on
 * free ports (each in a private directory), joined with `redis-cli --cluster create`. `stop()`
 * kills exactly these processes (by pid) and removes their directories.
 */
export class RedisCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  /** Seed list for `REDIS_URL` with `REDIS_CLUSTER=true`: every node, comma-separated. */
  get url(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicas ?? 0;
    const ports: number[] = [];
    // freePort keeps the bus port (port + 10000) free as well.
    while (ports.length < masters * (1 + replicas)) ports.push(await freePort());
    const nodes = ports.map((port) => new ClusterNode(port, options.persistent ?? false));
    const cluster = new RedisCluster(nodes);
    try {
      await Promise.all(nodes.map((n) => n.start()));
      const create = spawnSync(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((n) => n.address),
          '--cluster-replicas',
          String(replicas),
          '--cluster-yes',
        ],
        { encoding: 'utf8' },
      );
      if (create.status !== 0) {
        throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
      }
      await cluster.waitHealthy();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /**
   * Resolves once every running node reports `cluster_state:ok`, all 16384 slots are served by
   * running masters, and each running node agrees on who serves them (fails after `timeoutMs`).
   */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.nodes.filter((n) => n.running);
      try {
        const states = running.map((n) => n.command('CLUSTER', 'INFO'));
        const slots = running.map((n) => n.command('CLUSTER', 'SLOTS'));
        const ok = states.every(
          (s) => s.includes('cluster_state:ok') && s.includes('cluster_slots_ok:16384'),
        );
        const runningPorts = new Set(running.map((n) => n.port));
        const served = running.every((n) =>
          slotOwnersRunning(n.command('CLUSTER', 'NODES'), runningPorts),
        );
        // A replica that has not synced yet would not take over from a killed master.
        const synced = running.every((n) =>
          replicaSynced(n.command('ROLE').split('\n'), runningPorts),
        );
        if (ok && served && synced && slots.every((s) => s === slots[0])) return;
      } catch {
        // a node busy starting or failing over: ask again
      }
      if (Date.now() > deadline) {
        const view = running.map((n) => `${n.port}:\n${n.command('CLUSTER', 'NODES')}`);
        throw new Error(`cluster did not become healthy:\n${view.join('\n')}`);
      }
      await delay(100);
    }
  }

  /** The running masters. */
  masters(): ClusterNode[] {
    return this.nodes.filter((n) => n.running && n.role() === 'master');
  }

  /** The hash slot of `key` (CLUSTER KEYSLOT). */
  keySlot(key: string): number {
    return Number(this.anyRunning().command('CLUSTER', 'KEYSLOT', key));
  }

  /** The master that serves `slot` now. */
  ownerOf(slot: number): ClusterNode {
    const owner = this.masters().find((m) => {
      const line = m
        .command('CLUSTER', 'NODES')
        .split('\n')
        .find((l) => l.includes('myself'));
      return line ? ownsSlot(line, slot) : false;
    });
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return owner;
  }

  /**
   * Moves `slot` (and its keys) to `target` with the steps of `redis-cli --cluster reshard`:
   * IMPORTING on the target, MIGRATING on the source, MIGRATE of every key, then SETSLOT NODE on
   * both and on every other master. Clients see ASK during the move and MOVED after it.
   */
  async moveSlot(slot: number, target: ClusterNode): Promise<void> {
    const source = this.ownerOf(slot);
    if (source === target) return;
    const targetId = target.id();
    const sourceId = source.id();
    target.command('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
    source.command('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
    for (;;) {
      const keys = source
        .command('CLUSTER', 'GETKEYSINSLOT', String(slot), '100')
        .split('\n')
        .filter((k) => k.length > 0);
      if (keys.length === 0) break;
      const reply = source.command(
        'MIGRATE',
        '127.0.0.1',
        String(target.port),
        '',
        '0',
        '5000',
        'KEYS',
        ...keys,
      );
      if (reply !== 'OK' && reply !== 'NOKEY') throw new Error(`MIGRATE: ${reply}`);
      await delay(0);
    }
    target.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
    source.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
    for (const m of this.masters()) {
      if (m !== source && m !== target)
        m.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
    }
    await this.waitHealthy();
  }

  /** Kills every node (by pid) and removes their directories. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.dispose()));
  }

  private anyRunning(): ClusterNode {
    const node = this.nodes.find((n) => n.running);
    if (!node) throw new Error('no cluster node is running');
    return node;
  }
}

/** True unless `role` (ROLE, one line a field) is a replica of a running master not in sync yet. */
function replicaSynced(role: string[], running: Set<number>): boolean {
  if (role[0] !== 'slave' || !running.has(Number(role[2]))) return true;
  return role[3] === 'connected';
}

/** True when every master that serves slots in `nodes` (CLUSTER NODES) is running and not failed. */
function slotOwnersRunning(nodes: string, running: Set<number>): boolean {
  return nodes
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f[2]?.includes('master') && f.length > 8)
    .every((f) => !f[2].includes('fail') && running.has(Number(f[1].split(/[:@]/)[1])));
}

/** True when `line` (a CLUSTER NODES line) lists `slot` among its slot ranges. */
function ownsSlot(line: string, slot: number): boolean {
  return line
    .split(' ')
    .slice(8)
    .some((range) => {
      if (range.startsWith('[')) return false; // a slot being imported or migrated
      const [from, to] = range.split('-').map(Number);
      return slot >= from && slot <= (to ?? from);
    });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
