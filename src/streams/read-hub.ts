import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { HubReader, HubReaderHost, HubStream } from './hub-reader.js';
import { StreamRepository } from './stream.repository.js';
import { Entry } from './stream.types.js';

/** Receives the live entries of the streams it is attached to. */
export interface HubListener {
  /**
   * Entries of `sid` newer than `prevId`, oldest first. `prevId` is the hub's cursor before
   * these entries: together they are every entry in (`prevId`, last id] (no gap).
   */
  onEntries(sid: string, prevId: string, entries: Entry[]): void;
  /** The hub could not read (Redis unreachable or failing); the listener should give up. */
  onHubError(error: StreamerError): void;
}

/**
 * The shared live reader. Each of `HUB_READERS` blocking connections runs one XREAD loop over
 * all streams assigned to it (one cursor per stream) and fans every entry out to the listeners
 * of that stream. The number of Redis connections is fixed, whatever the number of pullers.
 *
 * Attaching a new stream or detaching the last listener of one interrupts the reader's current
 * XREAD (CLIENT UNBLOCK) so the change takes effect at once.
 */
@Injectable()
export class ReadHub implements OnApplicationShutdown {
  private readonly logger = new Logger(ReadHub.name);
  private readonly streams = new Map<string, HubStream>();
  private readonly readers: HubReader[];
  private stopped = false;

  constructor(
    private readonly repository: StreamRepository,
    private readonly connections: RedisConnections,
    @Inject(AppConfig) config: AppConfig,
  ) {
    const host: HubReaderHost = {
      repository,
      logger: this.logger,
      open: (index) => this.connections.create(`hub-reader-${index}`, { blocking: true }),
      close: (connection) => this.connections.release(connection),
      readerFailed: (reader, error) => {
        for (const stream of [...reader.streamSet]) this.failListeners(stream, error);
      },
      isolateBadKeys: (reader) => this.isolateBadKeys(reader),
    };
    this.readers = Array.from(
      { length: config.HUB_READERS },
      (_, i) => new HubReader(i, host, config.PULL_BATCH_BYTES, config.REDIS_COMMAND_TIMEOUT_MS),
    );
  }

  /**
   * Starts delivering entries of `sid` to `listener`. When the hub does not read `sid` yet it
   * starts after `cursor`; otherwise the listener joins at the hub's cursor and must close any gap
   * itself (see `HubListener.onEntries`).
   */
  attach(sid: string, cursor: string, listener: HubListener): void {
    if (this.stopped) throw new StreamerError(ErrorCode.ShuttingDown, 'server shutting down');
    let stream = this.streams.get(sid);
    if (!stream) {
      const reader = this.readers.reduce((a, b) => (b.streamCount < a.streamCount ? b : a));
      stream = { sid, cursor, listeners: new Set(), reader };
      this.streams.set(sid, stream);
      reader.add(stream);
    }
    stream.listeners.add(listener);
  }

  /** Stops delivering `sid` to `listener`; the hub stops reading `sid` when nobody listens. */
  detach(sid: string, listener: HubListener): void {
    const stream = this.streams.get(sid);
    if (!stream || !stream.listeners.delete(listener)) return;
    if (stream.listeners.size === 0) {
      this.streams.delete(sid);
      stream.reader.remove(stream);
    }
  }

  /** Counters for tests, metrics and the benchmark. */
  stats(): { streams: number; listeners: number; readers: number; activeReaders: number } {
    let listeners = 0;
    for (const s of this.streams.values()) listeners += s.listeners.size;
    return {
      streams: this.streams.size,
      listeners,
      readers: this.readers.length,
      activeReaders: this.readers.filter((r) => r.streamCount > 0).length,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.readers.map((r) => r.stop()));
  }

  /**
   * A read failed with a Redis error reply. When some of the reader's keys are not streams (any
   * more), only their listeners fail and the reader carries on without them; true when such keys
   * were found.
   */
  private async isolateBadKeys(reader: HubReader): Promise<boolean> {
    const streams = [...reader.streamSet];
    const types = await this.repository.keyTypes(streams.map((s) => s.sid));
    let found = false;
    streams.forEach((stream, i) => {
      if (types[i] === 'stream' || types[i] === 'none') return;
      found = true;
      if (this.streams.get(stream.sid) === stream) this.streams.delete(stream.sid);
      reader.remove(stream);
      this.failListeners(stream, notAStream(stream.sid, types[i]));
    });
    return found;
  }

  private failListeners(stream: HubStream, error: StreamerError): void {
    for (const listener of [...stream.listeners]) {
      try {
        listener.onHubError(error);
      } catch (err) {
        this.logger.error(`listener failed on hub error: ${(err as Error).message}`);
      }
    }
  }
}

function notAStream(sid: string, type: string): StreamerError {
  return new StreamerError(
    ErrorCode.Internal,
    `key ${JSON.stringify(sid)} is not a stream (it holds a ${type}); pull streams only`,
  );
}
