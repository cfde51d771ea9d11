import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import keySlot from 'cluster-key-slot';
import { createClient, createCluster } from 'redis';
import { RedisConfig } from '../config/config-sections.js';
import { CommandWatchdog } from './command-watchdog.js';
import {
  ClusterRedis,
  NodeAddress,
  RedisClusterClient,
  RedisCommands,
  RedisConnection,
  SingleRedis,
} from './redis-commands.js';

export type { RedisConnection } from './redis-commands.js';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ConnectionOptions {
  /**
   * For connections that carry blocking reads: no command watchdog and no keepalive PING (it
   * would wait behind the read); the reader bounds its own reads.
   */
  blocking?: boolean;
  /** Cluster mode: the node to connect to (standalone mode always uses REDIS_URL). */
  node?: NodeAddress;
}

/** How often the cluster topology is re-read while a master is unreachable (failover). */
const TOPOLOGY_REFRESH_MS = 500;

/**
 * Creates and owns every Redis connection: the shared command channel, the write channel
 * (appends) and the dedicated connections for blocking reads. With `REDIS_CLUSTER` the two
 * channels are node-redis cluster clients (one connection per master each) and blocking
 * connections go to the master that serves a given slot. Connections reconnect with capped
 * exponential backoff and never queue commands while offline (they fail fast instead, so
 * callers can report 1013). A non-blocking connection whose commands go unanswered for
 * REDIS_COMMAND_TIMEOUT_MS is replaced (its commands fail). All of them are closed on
 * application shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly open = new Set<RedisConnection>();
  private readonly url: string;
  private readonly commandTimeoutMs: number;
  private readonly watchdogs = new Map<RedisConnection, CommandWatchdog>();
  /** Where each watched connection reports its replies (its current watchdog). */
  private readonly watched = new WeakMap<RedisConnection, { progress: () => void }>();
  private readonly clusters: ClusterRedis[] = [];
  private topologyTimer: NodeJS.Timeout | null = null;
  /** Cluster mode: the seed nodes, and the credentials/TLS every node connection uses. */
  private readonly seeds: { url: string }[] = [];
  private readonly nodeDefaults: { username?: string; password?: string; tls: boolean } = {
    tls: false,
  };
  /** True with `REDIS_CLUSTER`: `REDIS_URL` lists seed nodes of a Redis Cluster. */
  readonly clustered: boolean;
  /** Tags this process's connections in CLIENT LIST (`redis-streamer:<kind>:<instance>`). */
  readonly instance = randomBytes(4).toString('hex');
  private lastErrorLog = 0;
  private closing = false;
  /** Errors reported by any connection (refused connects, resets, ...), for the metrics endpoint. */
  errorCount = 0;

  constructor(@Inject(RedisConfig) config: RedisConfig) {
    this.url = config.REDIS_URL ?? DEFAULT_REDIS_URL;
    this.commandTimeoutMs = config.REDIS_COMMAND_TIMEOUT_MS;
    this.clustered = config.REDIS_CLUSTER;
    if (this.clustered) {
      for (const seed of this.url.split(',')) this.seeds.push({ url: seed.trim() });
      const first = new URL(this.seeds[0].url);
      if (first.username) this.nodeDefaults.username = decodeURIComponent(first.username);
      if (first.password) this.nodeDefaults.password = decodeURIComponent(first.password);
      this.nodeDefaults.tls = first.protocol === 'rediss:';
    }
  }

  /**
   * The command channel named `name` (REDIS_COMMAND, REDIS_WRITE): one connection, or on a
   * cluster a cluster client with one connection per master.
   */
  channel(name: string): RedisCommands {
    return this.clustered ? this.createCluster(name) : new SingleRedis(this.create(name));
  }

  /** A new connection, connecting in the background (usable once `isReady`). */
  create(name: string, options: ConnectionOptions = {}): RedisConnection {
    const target = this.clustered ? this.nodeOptions(options.node) : { url: this.url, socket: {} };
    const client: RedisConnection = createClient({
      ...target,
      name: `redis-streamer:${name}:${this.instance}`,
      disableOfflineQueue: true,
      // The watchdog's probes keep command connections alive; blocking ones read all the time.
      pingInterval: 0,
      socket: {
        ...target.socket,
        connectTimeout: 5_000,
        // A released connection must not come back: stop retrying once it is no longer ours.
        reconnectStrategy: (retries: number) => (this.open.has(client) ? backoff(retries) : false),
      },
    });
    client.on('error', (err: Error) => this.logError(name, err));
    client.on('ready', () => this.logger.log(`Redis connection "${name}" ready`));
    // destroy() during the first connect does not stop it: close the socket when it lands.
    client.on('connect', () => {
      if (!this.open.has(client)) setImmediate(() => closeQuietly(client));
    });
    this.open.add(client);
    client.connect().catch((err: Error) => this.logError(name, err));
    if (!options.blocking) this.watch(name, client, () => this.open.has(client));
    return client;
  }

  /** The hash slot of `key` (cluster mode; `{tag}` hash tags honoured). */
  slotOf(key: string): number {
    return keySlot(key);
  }

  /** Cluster mode: the master serving `slot` as the command channel last saw it. */
  masterOf(slot: number): NodeAddress | null {
    return this.clusters[0]?.masterOf(slot) ?? null;
  }

  /** Cluster mode: re-reads the topology (after MOVED, or while a master is unreachable). */
  async refreshTopology(): Promise<void> {
    await Promise.all(this.clusters.map((c) => this.rediscover(c)));
  }

  /** Cluster clients with connections per master; the first answers `masterOf`. */
  private createCluster(name: string): ClusterRedis {
    const cluster = createCluster({
      rootNodes: this.seeds,
      defaults: {
        ...this.nodeOptions(),
        name: `redis-streamer:${name}:${this.instance}`,
        disableOfflineQueue: true,
        pingInterval: 0,
        socket: {
          ...this.nodeOptions().socket,
          connectTimeout: 5_000,
          // Node connections the cluster dropped are destroyed by it and never reconnect.
          reconnectStrategy: (retries: number) => (this.closing ? false : backoff(retries)),
        },
      },
      useReplicas: false,
    });
    const commands = new ClusterRedis(cluster as unknown as RedisClusterClient);
    this.clusters.push(commands);
    cluster.on('error', (err: Error) => this.logError(name, err));
    cluster.on('node-error', (err: Error) => this.logError(name, err));
    cluster.on('node-ready', ({ host, port }: NodeAddress) =>
      this.logger.log(`Redis connection "${name}" to ${host}:${port} ready`),
    );
    void this.connectCluster(name, commands);
    this.topologyTimer ??= setInterval(() => this.superviseClusters(), TOPOLOGY_REFRESH_MS);
    this.topologyTimer.unref();
    return commands;
  }

  /** The first discovery, retried until a seed node answers (the service starts without Redis). */
  private async connectCluster(name: string, commands: ClusterRedis): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        await commands.cluster.connect();
        commands.connected = true;
        this.superviseClusters();
        return;
      } catch (err) {
        this.logError(name, err as Error);
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt)).unref());
      }
    }
  }

  /**
   * Every TOPOLOGY_REFRESH_MS: a watchdog on each master connection, and a new look at the
   * topology while a master is unreachable (node-redis only rediscovers on MOVED, which a dead
   * master never sends: after a failover its slots would stay routed to it).
   */
  private superviseClusters(): void {
    for (const commands of this.clusters) {
      if (!commands.connected) continue;
      const masters = commands.cluster.masters;
      for (const master of masters) {
        const client = master.client as RedisConnection | undefined;
        if (client && !this.watchdogs.has(client)) {
          this.watch(`node ${master.address}`, client, () => this.isMasterOf(commands, client));
        }
      }
      if (masters.some((m) => !m.client?.isReady)) void this.rediscover(commands);
    }
    // Connections of nodes that are no longer masters were closed by their cluster client.
    for (const client of this.watchdogs.keys()) {
      if (!this.open.has(client) && !this.clusters.some((c) => this.isMasterOf(c, client))) {
        this.unwatch(client);
      }
    }
  }

  private isMasterOf(commands: ClusterRedis, client: RedisConnection): boolean {
    return commands.cluster.masters.some((m) => m.client === client);
  }

  private async rediscover(commands: ClusterRedis): Promise<void> {
    if (!commands.connected || this.closing) return;
    // Start from a master that answers, else from the seeds.
    const start =
      commands.cluster.masters.find((m) => m.client?.isReady)?.client ??
      ({ options: this.nodeOptions(nodeOf(this.seeds[0].url)) } as RedisConnection);
    try {
      await commands.cluster._slots.rediscover(start);
    } catch (err) {
      this.logError('discovery', err as Error);
    }
  }

  /** Options of a connection to one cluster node (credentials and TLS of the first seed). */
  private nodeOptions(node?: NodeAddress) {
    const { username, password, tls } = this.nodeDefaults;
    return {
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      socket: {
        ...(node ? { host: node.host, port: node.port } : {}),
        ...(tls ? { tls: true as const } : {}),
      },
    };
  }

  /**
   * The command watchdog on `client`, while `owned()`: it replaces the connection when commands
   * go unanswered. Every reply shows the connection alive (a long reply is not a dead peer).
   */
  private watch(name: string, client: RedisConnection, owned: () => boolean): void {
    const watchdog = new CommandWatchdog(client, this.commandTimeoutMs, (reason) =>
      this.replace(name, client, owned, reason),
    );
    this.watchdogs.set(client, watchdog);
    // A node connection watched again (a master once more) keeps its one wrapper.
    const watched = this.watched.get(client);
    if (watched) {
      watched.progress = watchdog.progress;
      return;
    }
    const target = { progress: watchdog.progress };
    this.watched.set(client, target);
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((...args: Parameters<typeof send>) => {
      const reply = send(...args);
      reply.then(target.progress, target.progress);
      return reply;
    }) as typeof send;
  }

  private unwatch(client: RedisConnection): void {
    this.watchdogs.get(client)?.stop();
    this.watchdogs.delete(client);
  }

  /**
   * Replaces the socket of a connection that stopped answering: the commands waiting on it fail
   * (callers report 1013), and the same client object connects afresh.
   */
  private replace(
    name: string,
    client: RedisConnection,
    owned: () => boolean,
    reason: string,
  ): void {
    if (!owned() || this.closing) return;
    this.logger.warn(`Redis connection "${name}": ${reason}; replacing it`);
    try {
      client.destroy();
    } catch {
      // already closed
    }
    client.connect().catch((err: Error) => this.logError(name, err));
  }

  /** Closes one connection made by `create` (in-flight commands are rejected). */
  async release(client: RedisConnection): Promise<void> {
    if (!this.open.delete(client)) return;
    this.unwatch(client);
    try {
      client.destroy();
    } catch {
      // already closed
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.topologyTimer) clearInterval(this.topologyTimer);
    for (const watchdog of this.watchdogs.values()) watchdog.stop();
    this.watchdogs.clear();
    const clients = [...this.open];
    this.open.clear();
    await Promise.all([
      ...clients.map(async (client) => {
        try {
          if (client.isReady) await client.close();
          else client.destroy();
        } catch {
          client.destroy();
        }
      }),
      ...this.clusters.map(async ({ cluster }) => {
        try {
          await cluster.close();
        } catch {
          cluster.destroy();
        }
      }),
    ]);
  }

  private logError(name: string, err: Error): void {
    if (this.closing) return;
    this.errorCount++;
    // Reconnect attempts fail many times a second while Redis is down: log at most once a second.
    const now = Date.now();
    if (now - this.lastErrorLog < 1000) return;
    this.lastErrorLog = now;
    this.logger.warn(`Redis connection "${name}": ${err.message}`);
  }
}

function backoff(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 10), 2_000);
}

function nodeOf(url: string): NodeAddress {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

function closeQuietly(client: RedisConnection): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}
