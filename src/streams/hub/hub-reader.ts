import { Logger } from '@nestjs/common';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import type { MemoryGate } from '../../common/memory-pressure.js';
import type { YoungGarbage } from '../../common/young-garbage.js';
import type { NodeAddress, RedisConnection } from '../../redis/redis-commands.js';
import { compareIds } from '../ids/entry-id.js';
import type { HubListener } from './hub.types.js';
import { HubRepository, SlotMovedError } from '../repositories/hub.repository.js';
import { Entry } from '../repositories/stream.types.js';

/** A stream the hub reads: its cursor, its listeners and the reader that serves it. */
export interface HubStream {
  sid: string;
  cursor: string;
  listeners: Set<HubListener>;
  reader: HubReader;
}

/** What a reader needs from the hub that owns it. */
export interface HubReaderHost {
  readonly repository: HubRepository;
  readonly logger: Logger;
  /** Counts the bytes of entries read (their reply chunks are garbage once delivered). */
  readonly garbage: YoungGarbage;
  /** Shut while memory is short: the next XREAD waits (null: never). */
  readonly gate: MemoryGate | null;
  /**
   * A new blocking connection for `reader`: on a cluster, to `node` when given (where a MOVED
   * pointed), else to the master serving the reader's slot.
   */
  open(
    reader: HubReader,
    node: NodeAddress | null,
  ): { connection: RedisConnection; node: NodeAddress | null };
  /** Cluster mode: looks up which master serves each slot again. */
  refreshTopology(): Promise<void>;
  close(connection: RedisConnection): Promise<void>;
  /** The reader's connection failed: every listener of its streams fails (they close or retry). */
  readerFailed(reader: HubReader, error: StreamerError): void;
  /** A read got an error reply: fails only the keys that are not streams; true when any was found. */
  isolateBadKeys(reader: HubReader): Promise<boolean>;
}

/** Most live entries read per stream per XREAD (fewer when entries are large). */
const READ_COUNT = 128;
/** A reader's XREAD blocks this long at most; changes of its stream set interrupt it. */
const BLOCK_MS = 5000;
/**
 * Cluster mode: how long a slot reader keeps following its slot (moved, migrating, or its master
 * failing over) before it gives up and fails its listeners. A failover takes a few seconds.
 */
const SLOT_GRACE_MS = 15_000;

/**
 * One blocking connection and its XREAD loop. On a Redis Cluster a reader serves the streams of
 * one hash slot (`slot`), connected to the master serving it: when the slot moves or its master
 * fails over, the reader reconnects where the slot is now and reads on from the same cursors, so
 * no entry is lost or repeated.
 */
export class HubReader {
  readonly streamSet = new Set<HubStream>();
  private connection: RedisConnection | null = null;
  private clientId: number | null = null;
  private running = false;
  private stopped = false;
  /** Bumped whenever the stream set changes. */
  private version = 0;
  /** Version of the stream set the XREAD in flight was issued with (-1: none in flight). */
  private inFlightVersion = -1;
  private readSeq = 0;
  private interruptScheduled = false;
  private wake: (() => void) | null = null;
  /** XREAD COUNT: as many entries as fit `batchBytes` at the largest entry size seen last. */
  private readCount = READ_COUNT;
  /** Entries read but not yet handed to the listeners (delivered once the next read is issued). */
  private deliveries: { stream: HubStream; prevId: string; entries: Entry[]; caughtUp: boolean }[] =
    [];
  /** Cluster mode: the node the connection is open to, where CLIENT UNBLOCK must go. */
  private node: NodeAddress | null = null;
  /** Cluster mode: where the last MOVED said the slot went (null: ask the topology). */
  private movedTo: NodeAddress | null = null;
  /** Cluster mode: when the slot's trouble began (0: none), for SLOT_GRACE_MS. */
  private troubleSince = 0;
  /** Cluster mode: topology retries since the last successful read (for the backoff). */
  private moves = 0;

  constructor(
    readonly index: number,
    private readonly host: HubReaderHost,
    private readonly batchBytes: number,
    /** A read unanswered for its block time plus this long means a dead connection. */
    private readonly commandTimeoutMs: number,
    /** Cluster mode: the hash slot of every stream of this reader (null: a single Redis). */
    readonly slot: number | null = null,
  ) {}

  get streamCount(): number {
    return this.streamSet.size;
  }

  add(stream: HubStream): void {
    this.streamSet.add(stream);
    this.changed();
    if (!this.running) void this.run();
  }

  remove(stream: HubStream): void {
    this.streamSet.delete(stream);
    this.changed();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (this.connection) {
      const connection = this.connection;
      this.connection = null;
      await this.host.close(connection);
    }
  }

  private changed(): void {
    this.version++;
    this.wake?.();
    if (this.interruptScheduled) return;
    this.interruptScheduled = true;
    // Coalesce the changes of one tick (many pullers connecting at once) into one interrupt.
    setImmediate(() => {
      this.interruptScheduled = false;
      void this.interruptStale(0);
    });
  }

  /** Interrupts the XREAD in flight if it was issued with an older stream set. */
  private async interruptStale(attempt: number): Promise<void> {
    if (this.stopped || this.inFlightVersion < 0 || this.inFlightVersion === this.version) return;
    if (this.clientId === null) return;
    const seq = this.readSeq;
    let unblocked = false;
    try {
      unblocked = await this.host.repository.interrupt(this.clientId, this.node);
    } catch {
      return; // Redis trouble: the read loop reports it
    }
    // The XREAD may not have reached Redis yet: try again shortly while it is still the same one.
    if (!unblocked && attempt < 50 && seq === this.readSeq) {
      setTimeout(() => void this.interruptStale(attempt + 1), 2);
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    let failures = 0;
    try {
      while (!this.stopped) {
        if (this.streamSet.size === 0) {
          this.deliver();
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = null;
          continue;
        }
        const held = this.host.gate?.wait();
        if (held) {
          // What was read goes to the listeners (and on to their sockets) while reads wait.
          this.deliver();
          await held;
          continue;
        }
        try {
          await this.readOnce();
          failures = 0;
          this.troubleSince = 0;
        } catch (err) {
          if (this.stopped) break;
          // Entries read before the failure reach their listeners before the failure does.
          this.deliver();
          const error =
            err instanceof StreamerError ? err : new StreamerError(ErrorCode.Internal, String(err));
          if (await this.followedSlot(error)) continue;
          // An error reply (WRONGTYPE) concerns keys, not the connection: fail only those keys.
          if (error.code === ErrorCode.Internal && (await this.isolated())) continue;
          failures++;
          if (failures === 1) this.host.logger.warn(`hub reader ${this.index}: ${error.message}`);
          this.clientId = null;
          this.host.readerFailed(this, error);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(100 * 2 ** Math.min(failures, 5), 2000));
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Cluster mode: after a redirect or a lost connection, reconnects where the slot is served now
   * (quietly, for up to SLOT_GRACE_MS); false when the error is not about the topology, or the
   * grace period is over and the listeners must be told.
   */
  private async followedSlot(error: StreamerError): Promise<boolean> {
    if (this.slot === null || error.code !== ErrorCode.Unavailable) return false;
    const now = Date.now();
    if (this.troubleSince === 0) {
      this.troubleSince = now;
      this.host.logger.log(`hub reader of slot ${this.slot}: ${error.message}; following the slot`);
    } else if (now - this.troubleSince > SLOT_GRACE_MS) {
      this.troubleSince = 0;
      return false;
    }
    const redirect = error instanceof SlotMovedError ? error.redirect : null;
    this.dropConnection();
    const backoff = Math.min(20 * 2 ** Math.min(this.moves++, 5), 500);
    if (redirect?.kind === 'MOVED' && redirect.host !== '') {
      // The node that answered knows where the slot went: go there at once (the first time;
      // nodes that disagree while a move propagates are asked again more slowly).
      this.movedTo = { host: redirect.host, port: redirect.port };
      void this.host.refreshTopology();
      if (this.moves > 1) await this.pause(backoff);
      return true;
    }
    // Migrating (ASK, TRYAGAIN): the same node soon says MOVED. No master yet (CLUSTERDOWN), a
    // MOVED without a host, or the node is gone: look up the topology again.
    if (redirect?.kind !== 'ASK' && redirect?.kind !== 'TRYAGAIN') {
      this.movedTo = null;
      await this.host.refreshTopology().catch(() => undefined);
    }
    await this.pause(backoff);
    return true;
  }

  private dropConnection(): void {
    const connection = this.connection;
    this.connection = null;
    this.clientId = null;
    if (connection) void this.host.close(connection);
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (this.wake = null));
  }

  private async isolated(): Promise<boolean> {
    try {
      return await this.host.isolateBadKeys(this);
    } catch {
      return false; // Redis trouble while probing: fail the whole reader
    }
  }

  /**
   * `command`, unless Redis leaves it unanswered for `ms` (half-open or black-holed connection):
   * then the connection is dropped (the next read opens a new one) and the read fails.
   */
  private bounded<T>(command: Promise<T>, ms: number, connection: RedisConnection): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.connection === connection) {
          this.connection = null;
          this.clientId = null;
          void this.host.close(connection);
        }
        reject(
          new StreamerError(ErrorCode.Unavailable, `Redis unavailable: no answer in ${ms} ms`),
        );
      }, ms);
      command.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /**
   * Bounds the next XREAD in bytes (about `batchBytes` per stream) from the entries just read;
   * returns their payload bytes.
   */
  private sizeNextRead(results: readonly { entries: readonly Entry[] }[]): number {
    let largest = 0;
    let bytes = 0;
    for (const { entries } of results) {
      for (const e of entries) {
        bytes += e.data.length;
        if (e.data.length > largest) largest = e.data.length;
      }
    }
    const fit = largest > 0 ? Math.floor(this.batchBytes / largest) : READ_COUNT;
    this.readCount = Math.max(1, Math.min(READ_COUNT, fit));
    return bytes;
  }

  private async readOnce(): Promise<void> {
    const repository = this.host.repository;
    if (!this.connection) {
      const { connection, node } = this.host.open(this, this.movedTo);
      this.connection = connection;
      this.node = node;
      connection.on('ready', () => (this.clientId = null));
    }
    // On a cluster an unreachable node is given up sooner: the slot may be served elsewhere.
    const readyWithin = this.slot === null ? 5000 : 1000;
    if (!this.connection.isReady && !(await waitReady(this.connection, readyWithin))) {
      throw new StreamerError(ErrorCode.Unavailable, 'Redis unavailable: hub connection not ready');
    }
    const connection = this.connection;
    if (this.clientId === null) {
      this.clientId = await this.bounded(
        repository.connectionId(connection),
        this.commandTimeoutMs,
        connection,
      );
    }

    const streams = [...this.streamSet];
    const sids = streams.map((s) => s.sid);
    const cursors = streams.map((s) => s.cursor);
    const asked = this.readCount;
    // After following a moved slot, the cursors may have fallen behind trimming meanwhile.
    const followed = this.moves > 0;
    this.inFlightVersion = this.version;
    this.readSeq++;
    let results;
    try {
      const read = repository.readLive(connection, sids, cursors, this.readCount, BLOCK_MS);
      // The next read is issued (node-redis writes it once this turn of the event loop is over):
      // the entries of the previous one go to their listeners now, in the same wake-up.
      this.deliver();
      results = await this.bounded(read, BLOCK_MS + this.commandTimeoutMs, connection);
    } finally {
      this.inFlightVersion = -1;
    }
    this.moves = 0;
    if (results.length === 0) return;
    this.host.garbage.add(this.sizeNextRead(results));
    const bySid = new Map(streams.map((s) => [s.sid, s]));
    for (const { sid, entries } of results) {
      const stream = bySid.get(sid);
      // Skip streams detached (or re-attached with a new cursor) while the read was in flight.
      if (!stream || !this.streamSet.has(stream)) continue;
      let first = 0;
      while (first < entries.length && compareIds(entries[first].id, stream.cursor) <= 0) first++;
      if (first === entries.length) continue;
      const fresh = first === 0 ? entries : entries.slice(first);
      // The cursor moves now: the next XREAD, issued before these are delivered, starts after them.
      const caughtUp = entries.length < asked && !followed;
      this.deliveries.push({ stream, prevId: stream.cursor, entries: fresh, caughtUp });
      stream.cursor = fresh[fresh.length - 1].id;
    }
  }

  /** Hands the batches read so far to the listeners, oldest first. */
  private readonly deliver = (): void => {
    const batches = this.deliveries;
    if (batches.length === 0) return;
    this.deliveries = [];
    for (const { stream, prevId, entries, caughtUp } of batches) {
      // A stream detached since its read has no one left to tell (a re-attach starts afresh).
      if (!this.streamSet.has(stream)) continue;
      for (const listener of stream.listeners) {
        try {
          listener.onEntries(stream.sid, prevId, entries, caughtUp);
        } catch (err) {
          this.host.logger.error(
            `listener of ${JSON.stringify(stream.sid)} failed: ${(err as Error).message}`,
          );
        }
      }
    }
  };
}

function waitReady(connection: RedisConnection, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(connection.isReady), timeoutMs);
    connection.on('ready', onReady);
  });
}
