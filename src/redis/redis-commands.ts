import keySlot from 'cluster-key-slot';
import type { RedisClientType, RedisClusterType, RESP_TYPES } from 'redis';

/** A node-redis client of one Redis server (standalone, or one node of a cluster). */
export type RedisConnection = RedisClientType;
export type RedisClusterClient = RedisClusterType;

export type CommandArgs = (string | Buffer)[];
/** Per-command options the repository uses (payloads as Buffers). */
export interface SendOptions {
  typeMapping?: { [RESP_TYPES.BLOB_STRING]: BufferConstructor };
}

/** Where a hash slot is served. */
export interface NodeAddress {
  host: string;
  port: number;
}

/** Sends one command to one server. */
export type Sender = <T>(args: CommandArgs, options?: SendOptions) => Promise<T>;

/**
 * The command channel the repository talks through (REDIS_COMMAND, REDIS_WRITE): one connection
 * to a single Redis, or a cluster client that routes each command to the master of its key's
 * slot (following MOVED and ASK). Commands sent back to back for keys of one node are pipelined
 * on that node's connection and answered in call order.
 */
export interface RedisCommands {
  /**
   * Sends `args`; on a cluster, to the master serving `key`'s hash slot (`key` must be the
   * command's only key: Redis Cluster refuses keys of different slots in one command).
   */
  send<T>(key: string | undefined, args: CommandArgs, options?: SendOptions): Promise<T>;
  /**
   * Sends `args` to one node of a cluster (the single server, on one Redis): for commands about
   * that node's own connections, such as CLIENT UNBLOCK. Rejects for a node not in the topology.
   */
  sendToNode<T>(node: NodeAddress | null, args: CommandArgs): Promise<T>;
  /** `fn` once per master (the single server, on one Redis), with a sender bound to it. */
  eachMaster<T>(fn: (send: Sender) => Promise<T>): Promise<T[]>;
  /**
   * The pipeline that commands on `key` go through, in which they are stored in call order:
   * always 0 on one Redis, the key's hash slot on a cluster (slots move between nodes, so two
   * slots are two pipelines even when one node serves both now).
   */
  pipelineOf(key: string): number;
  /** True when every command goes through one pipeline (one Redis): stored in call order. */
  readonly onePipeline: boolean;
  /** True while every master answers commands. */
  readonly isReady: boolean;
  /** Resolves when every master answers PING; rejects at once while one is offline. */
  ping(): Promise<void>;
}

/** `RedisCommands` over one connection to a single Redis. */
export class SingleRedis implements RedisCommands {
  constructor(readonly client: RedisConnection) {}

  send<T>(_key: string | undefined, args: CommandArgs, options?: SendOptions): Promise<T> {
    return this.client.sendCommand<T>(args, options);
  }

  sendToNode<T>(_node: NodeAddress | null, args: CommandArgs): Promise<T> {
    return this.client.sendCommand<T>(args);
  }

  async eachMaster<T>(fn: (send: Sender) => Promise<T>): Promise<T[]> {
    return [await fn((args, options) => this.client.sendCommand(args, options))];
  }

  readonly onePipeline = true;

  pipelineOf(): number {
    return 0;
  }

  get isReady(): boolean {
    return this.client.isReady;
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }
}

/** `RedisCommands` over a node-redis cluster client (masters only, no reads from replicas). */
export class ClusterRedis implements RedisCommands {
  /** Set once the first topology discovery succeeded (before, nothing can be routed). */
  connected = false;

  constructor(readonly cluster: RedisClusterClient) {}

  send<T>(key: string | undefined, args: CommandArgs, options?: SendOptions): Promise<T> {
    if (!this.connected) return Promise.reject(notConnected());
    return this.cluster.sendCommand<T>(key, false, args, options);
  }

  async sendToNode<T>(node: NodeAddress | null, args: CommandArgs): Promise<T> {
    const known =
      node && this.connected && this.cluster.nodeByAddress.get(`${node.host}:${node.port}`);
    if (!known)
      throw new Error(`node ${node ? `${node.host}:${node.port}` : '?'} is not in the topology`);
    const client = await this.cluster.nodeClient(known);
    return client.sendCommand<T>(args);
  }

  async eachMaster<T>(fn: (send: Sender) => Promise<T>): Promise<T[]> {
    if (!this.connected) throw notConnected();
    return Promise.all(
      this.cluster.masters.map(async (master) => {
        const client = await this.cluster.nodeClient(master);
        return fn((args, options) => client.sendCommand(args, options));
      }),
    );
  }

  readonly onePipeline = false;

  pipelineOf(key: string): number {
    return keySlot(key);
  }

  get isReady(): boolean {
    const masters = this.cluster.masters;
    return this.connected && masters.length > 0 && masters.every((m) => m.client?.isReady);
  }

  async ping(): Promise<void> {
    await this.eachMaster((send) => send(['PING']));
  }

  /** The master serving `slot` as this client last saw the topology (null before discovery). */
  masterOf(slot: number): NodeAddress | null {
    const master = this.connected ? this.cluster.slots[slot]?.master : undefined;
    return master ? { host: master.host, port: master.port } : null;
  }
}

function notConnected(): Error {
  return new Error('cluster topology not discovered yet (no seed node answered)');
}
