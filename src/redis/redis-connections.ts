import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';
import { AppConfig } from '../config/app-config.js';
import { CommandWatchdog } from './command-watchdog.js';

export type RedisConnection = RedisClientType;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ConnectionOptions {
  /**
   * For connections that carry blocking reads: no command watchdog and no keepalive PING (it
   * would wait behind the read); the reader bounds its own reads.
   */
  blocking?: boolean;
}

/**
 * Creates and owns every Redis connection: the shared command connection, the write connection
 * (appends) and the dedicated connections for blocking reads. Connections reconnect with capped exponential backoff and
 * never queue commands while offline (they fail fast instead, so callers can report 1013).
 * A non-blocking connection whose commands go unanswered for REDIS_COMMAND_TIMEOUT_MS is
 * replaced (its commands fail). All of them are closed on application shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly open = new Set<RedisConnection>();
  private readonly url: string;
  private readonly commandTimeoutMs: number;
  private readonly watchdogs = new Map<RedisConnection, CommandWatchdog>();
  /** Tags this process's connections in CLIENT LIST (`redis-streamer:<kind>:<instance>`). */
  readonly instance = randomBytes(4).toString('hex');
  private lastErrorLog = 0;
  private closing = false;
  /** Errors reported by any connection (refused connects, resets, ...), for the metrics endpoint. */
  errorCount = 0;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.url = config.REDIS_URL ?? DEFAULT_REDIS_URL;
    this.commandTimeoutMs = config.REDIS_COMMAND_TIMEOUT_MS;
  }

  /** A new connection, connecting in the background (usable once `isReady`). */
  create(name: string, options: ConnectionOptions = {}): RedisConnection {
    const client: RedisConnection = createClient({
      url: this.url,
      name: `redis-streamer:${name}:${this.instance}`,
      disableOfflineQueue: true,
      // The watchdog's probes keep command connections alive; blocking ones read all the time.
      pingInterval: 0,
      socket: {
        connectTimeout: 5_000,
        // A released connection must not come back: stop retrying once it is no longer ours.
        reconnectStrategy: (retries: number) =>
          this.open.has(client) ? Math.min(50 * 2 ** Math.min(retries, 10), 2_000) : false,
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
    if (!options.blocking) {
      const watchdog = new CommandWatchdog(client, this.commandTimeoutMs, (reason) =>
        this.replace(name, client, reason),
      );
      this.watchdogs.set(client, watchdog);
      // Every reply shows the connection alive (a long reply is not a dead peer).
      const send = client.sendCommand.bind(client);
      client.sendCommand = ((...args: Parameters<typeof send>) => {
        const reply = send(...args);
        reply.then(watchdog.progress, watchdog.progress);
        return reply;
      }) as typeof send;
    }
    return client;
  }

  /**
   * Replaces the socket of a connection that stopped answering: the commands waiting on it fail
   * (callers report 1013), and the same client object connects afresh.
   */
  private replace(name: string, client: RedisConnection, reason: string): void {
    if (!this.open.has(client)) return;
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
    this.watchdogs.get(client)?.stop();
    this.watchdogs.delete(client);
    try {
      client.destroy();
    } catch {
      // already closed
    }
  }

  /** Resolves when `client` answers PING; rejects at once while it is offline (no offline queue). */
  async ping(client: RedisConnection): Promise<void> {
    await client.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const watchdog of this.watchdogs.values()) watchdog.stop();
    this.watchdogs.clear();
    const clients = [...this.open];
    this.open.clear();
    await Promise.all(
      clients.map(async (client) => {
        try {
          if (client.isReady) await client.close();
          else client.destroy();
        } catch {
          client.destroy();
        }
      }),
    );
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

function closeQuietly(client: RedisConnection): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}
