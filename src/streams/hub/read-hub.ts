import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HubConfig } from '../../config/config-sections.js';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import { MemoryPressure } from '../../common/memory-pressure.js';
import { YoungGarbage } from '../../common/young-garbage.js';
import { RedisConnections } from '../../redis/redis-connections.js';
import { HubReader, HubReaderHost, HubStream } from './hub-reader.js';
import type { HubListener } from './hub.types.js';
import { HubRepository } from '../repositories/hub.repository.js';

/**
 * The shared live reader. Each of `HUB_READERS` blocking connections runs one XREAD loop over
 * all streams assigned to it (one cursor per stream) and fans every entry out to the listeners
 * of that stream. The number of Redis connections is fixed, whatever the number of pullers.
 *
 * On a Redis Cluster one XREAD can only name keys of one hash slot (CROSSSLOT otherwise, even on
 * one node), and a blocking read cannot share its connection: there is one reader per hash slot
 * in use, connected to the master serving that slot, created with the slot's first stream and
 * closed with its last. Connections grow with the distinct slots pulled, never with pullers;
 * hash tags (`{device}/cam`, `{device}/depth`) put related streams in one slot.
 *
 * Attaching a new stream or detaching the last listener of one interrupts the reader's current
 * XREAD (CLIENT UNBLOCK) so the change takes effect at once.
 */
@Injectable()
export class ReadHub implements OnApplicationShutdown {
  private readonly logger = new Logger(ReadHub.name);
  private readonly streams = new Map<string, HubStream>();
  private readonly readers: HubReader[];
  /** Cluster mode: the reader of each hash slot in use. */
  private readonly slotReaders = new Map<number, HubReader>();
  private readonly clustered: boolean;
  private readonly newReader: (index: number, slot: number | null) => HubReader;
  private stopped = false;
  /** Young-generation collections for the entries every reader reads (see `YoungGarbage`). */
  private readonly garbage = new YoungGarbage();

  constructor(
    private readonly repository: HubRepository,
    private readonly connections: RedisConnections,
    @Inject(HubConfig) config: HubConfig,
    @Optional() pressure?: MemoryPressure,
  ) {
    const host: HubReaderHost = {
      repository,
      logger: this.logger,
      garbage: this.garbage,
      gate: pressure ?? null,
      open: (reader, node) => {
        if (reader.slot === null) {
          const connection = this.connections.create(`hub-reader-${reader.index}`, {
            blocking: true,
          });
          return { connection, node: null };
        }
        const target = node ?? this.connections.masterOf(reader.slot);
        if (!target) {
          throw new StreamerError(
            ErrorCode.Unavailable,
            'Redis unavailable: cluster topology unknown',
          );
        }
        const connection = this.connections.create(`hub-slot-${reader.slot}`, {
          blocking: true,
          node: target,
        });
        return { connection, node: target };
      },
      close: (connection) => this.connections.release(connection),
      refreshTopology: () => this.connections.refreshTopology(),
      readerFailed: (reader, error) => {
        for (const stream of [...reader.streamSet]) this.failListeners(stream, error);
      },
      isolateBadKeys: (reader) => this.isolateBadKeys(reader),
    };
    this.newReader = (index, slot) =>
      new HubReader(index, host, config.PULL_BATCH_BYTES, config.REDIS_COMMAND_TIMEOUT_MS, slot);
    this.clustered = connections.clustered;
    this.readers = this.clustered
      ? []
      : Array.from({ length: config.HUB_READERS }, (_, i) => this.newReader(i, null));
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
      const reader = this.clustered
        ? this.slotReader(this.connections.slotOf(sid))
        : this.readers.reduce((a, b) => (b.streamCount < a.streamCount ? b : a));
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
      this.removeFromReader(stream);
    }
  }

  /** Cluster mode: the reader of `slot`, created on first use. */
  private slotReader(slot: number): HubReader {
    let reader = this.slotReaders.get(slot);
    if (!reader) {
      reader = this.newReader(slot, slot);
      this.slotReaders.set(slot, reader);
    }
    return reader;
  }

  /** Takes `stream` off its reader; a slot reader left without streams closes its connection. */
  private removeFromReader(stream: HubStream): void {
    const reader = stream.reader;
    reader.remove(stream);
    if (reader.slot !== null && reader.streamCount === 0) {
      if (this.slotReaders.get(reader.slot) === reader) this.slotReaders.delete(reader.slot);
      void reader.stop();
    }
  }

  /** Counters for tests, metrics and the benchmark. */
  stats(): { streams: number; listeners: number; readers: number; activeReaders: number } {
    let listeners = 0;
    for (const s of this.streams.values()) listeners += s.listeners.size;
    const readers = this.clustered ? [...this.slotReaders.values()] : this.readers;
    return {
      streams: this.streams.size,
      listeners,
      readers: readers.length,
      activeReaders: readers.filter((r) => r.streamCount > 0).length,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.readers, ...this.slotReaders.values()].map((r) => r.stop()));
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
      this.removeFromReader(stream);
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
