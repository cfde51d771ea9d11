import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';
import { AppConfig } from '../config/app-config.js';

export type RedisConnection = RedisClientType;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Creates and owns every Redis connection: the shared command connection and the dedicated
 * connections for blocking reads. Connections reconnect with capped exponential backoff and
 * never queue commands while offline (they fail fast instead, so callers can report 1013).
 * All of them are closed on application shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly open = new Set<RedisConnection>();
  private readonly url: string;
  /** Tags this process's connections in CLIENT LIST (`redis-streamer:<kind>:<instance>`). */
  readonly instance = randomBytes(4).toString('hex');
  private lastErrorLog = 0;
  private closing = false;
  /** Errors reported by any connection (refused connects, resets, ...), for the metrics endpoint. */
  errorCount = 0;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.url = config.REDIS_URL ?? DEFAULT_REDIS_URL;
  }

  /** A new connection, connecting in the background (usable once `isReady`). */
  create(name: string): RedisConnection {
    const client: RedisConnection = createClient({
      url: this.url,
      name: `redis-streamer:${name}:${this.instance}`,
      disableOfflineQueue: true,
      pingInterval: 10_000,
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
    return client;
  }

  /** Closes one connection made by `create` (in-flight commands are rejected). */
  async release(client: RedisConnection): Promise<void> {
    if (!this.open.delete(client)) return;
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
