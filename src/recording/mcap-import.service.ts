import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { McapStreamReader } from '@mcap/core';
import type { TypedMcapRecord } from '@mcap/core';
import type { Readable } from 'node:stream';
import { crc32, zstdDecompressSync } from 'node:zlib';
import { LimitsConfig } from '../config/config-sections.js';
import { AccessPolicy } from '../auth/access-policy.js';
import type { Principal } from '../auth/principal.js';
import { DATA_OBSERVER } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { badRequest, ErrorCode, malformed, StreamerError } from '../common/errors.js';
import { YoungGarbage } from '../common/young-garbage.js';
import { compareIds } from '../streams/ids/entry-id.js';
import { assertDataSid } from '../streams/ids/sid.js';
import type { Appender } from '../streams/repositories/ordered-appender.js';
import { StreamMetaRepository } from '../streams/repositories/stream-meta.repository.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { tooLarge } from '../http/raw-body.js';
import { importChannel, ImportPlan } from './mcap-channels.js';
import type { ImportParams } from './recording-query.dto.js';

/** What an import wrote to one stream. */
interface ImportedStream {
  sid: string;
  /** The channel topic(s) of the file that went to this stream. */
  topics: string[];
  written: number;
  bytes: number;
  firstId: string | null;
  lastId: string | null;
  /** With `ids=keep`: entries stored under a new id, because the stream had a newer entry already. */
  newIds: number;
}

/** The answer to an import (also carried by its error answers: what was written before). */
export interface ImportSummary {
  streams: ImportedStream[];
  messages: number;
  ids: 'keep' | 'new';
  speed: number | null;
}

/** Throws when `data` does not have the CRC its chunk recorded (0: none recorded). */
function checkCrc(data: Uint8Array, expected: number): void {
  if (expected === 0) return;
  const actual = crc32(data);
  if (actual !== expected) {
    throw malformed(`malformed MCAP: incorrect chunk CRC ${actual} (expected ${expected})`);
  }
}

/** Room a record may take beyond MAX_PAYLOAD_BYTES (a chunk holds other messages around a large one). */
const RECORD_SLACK_BYTES = 16 * 1024 * 1024;
/** Payload bytes of appends in flight before the import waits for Redis. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

interface Target extends ImportedStream {
  /** Newest id the stream has (known once `ids=keep` needed it). */
  newest: string | null;
}

interface ChannelRoute {
  target: Target;
  plan: ImportPlan;
}

/**
 * `POST /data/import`: appends every message of an MCAP body to the stream its channel names
 * (`prefix` + topic), in file order. The body is parsed as it arrives and each record is
 * handled before more is read, so memory stays bounded by one record (MAX_PAYLOAD_BYTES plus
 * some room) whatever the file's size: appends are pipelined up to PUSH_MAX_PENDING entries and
 * 8 MiB, and pacing (`speed`) simply stops reading the body until a message is due.
 *
 * Validation happens as the file is read: at the first bad record the import stops, waits for
 * what it already sent, and answers 400 saying what was written before it. A channel is checked
 * for write permission when its record comes (exports list every channel before any message).
 */
@Injectable()
export class McapImportService implements BeforeApplicationShutdown {
  private readonly running = new Set<AbortController>();
  private stopping = false;
  /** Body chunks and the records copied out of them are large garbage: see `YoungGarbage`. */
  private readonly garbage = new YoungGarbage();

  constructor(
    private readonly repository: StreamRepository,
    private readonly meta: StreamMetaRepository,
    private readonly policy: AccessPolicy,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  async import(
    body: Readable,
    declaredLength: number | null,
    principal: Principal,
    params: ImportParams,
    clientGone: AbortSignal,
  ): Promise<ImportSummary> {
    if (this.stopping) throw new StreamerError(ErrorCode.ShuttingDown, 'server shutting down');
    const limit = this.config.IMPORT_MAX_BYTES;
    if (limit > 0 && declaredLength !== null && declaredLength > limit)
      throw tooLarge(limit, 'IMPORT_MAX_BYTES');
    const stop = new AbortController();
    const onGone = () => stop.abort();
    clientGone.addEventListener('abort', onGone, { once: true });
    this.running.add(stop);
    const job = new ImportJob(
      this.repository,
      this.meta,
      this.policy,
      this.observer,
      this.config,
      principal,
      params,
      stop.signal,
    );
    try {
      let received = 0;
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          received += chunk.length;
          if (limit > 0 && received > limit) throw tooLarge(limit, 'IMPORT_MAX_BYTES');
          await job.feed(chunk, received);
          this.garbage.add(2 * chunk.length);
        }
      } catch (err) {
        if (err instanceof StreamerError) throw err;
        throw badRequest(`request body could not be read: ${(err as Error).message}`);
      }
      job.end(received);
      await job.settle();
      return job.summary();
    } catch (err) {
      await job.settle().catch(() => undefined);
      throw job.explain(err);
    } finally {
      clientGone.removeEventListener('abort', onGone);
      this.running.delete(stop);
    }
  }

  /** Imports in progress stop (503, with what they wrote) before the HTTP server closes. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const stop of this.running) stop.abort();
  }
}

/** One import: the reader, the channel routes, pacing and the appends in flight. */
class ImportJob {
  private readonly reader: McapStreamReader;
  private readonly maxRecord: number;
  private readonly schemas = new Map<number, string>();
  private readonly routes = new Map<number, ChannelRoute>();
  private readonly targets = new Map<string, Target>();
  private readonly appender: Appender;
  private readonly pending: { done: Promise<void>; bytes: number }[] = [];
  private pendingBytes = 0;
  private failure: unknown = null;
  private messages = 0;
  /** The CRC of the chunk being read (0: none recorded). */
  private chunkCrc = 0;
  private firstLogTime: bigint | null = null;
  private startedAt = 0;

  constructor(
    private readonly repository: StreamRepository,
    private readonly meta: StreamMetaRepository,
    private readonly policy: AccessPolicy,
    private readonly observer: DataObserver,
    private readonly config: LimitsConfig,
    private readonly principal: Principal,
    private readonly params: ImportParams,
    private readonly signal: AbortSignal,
  ) {
    this.maxRecord = config.MAX_PAYLOAD_BYTES + RECORD_SLACK_BYTES;
    this.appender = repository.appender();
    // Chunk CRCs are checked here with zlib's native crc32 (the reader's own check runs in
    // JavaScript, a third of an import's CPU): an uncompressed chunk when its record comes (the
    // reader hands it over before reading into it), a compressed one once decompressed.
    this.reader = new McapStreamReader({
      includeChunks: true,
      validateCrcs: false,
      decompressHandlers: {
        zstd: (data, size) => {
          if (size > BigInt(this.maxRecord)) {
            throw malformed(
              `a chunk of ${size} bytes is over the ${this.maxRecord} bytes a record may take`,
            );
          }
          const chunk = zstdDecompressSync(data, { maxOutputLength: Number(size) });
          checkCrc(chunk, this.chunkCrc);
          return chunk;
        },
      },
    });
  }

  /** Parses what `chunk` completes and handles each record, in order. */
  async feed(chunk: Buffer, received: number): Promise<void> {
    let record: TypedMcapRecord | undefined;
    try {
      if (this.reader.done()) throw new Error('data after the end of the MCAP file');
      this.reader.append(chunk);
    } catch (err) {
      throw this.bad(err, received);
    }
    for (;;) {
      try {
        record = this.reader.nextRecord();
      } catch (err) {
        throw this.bad(err, received);
      }
      if (!record) break;
      await this.handle(record);
      this.check();
    }
    if (this.reader.bytesRemaining() > this.maxRecord) {
      throw malformed(
        `malformed MCAP: a record is larger than ${this.maxRecord} bytes (MAX_PAYLOAD_BYTES plus ${RECORD_SLACK_BYTES})`,
      );
    }
  }

  /** The body ended: the file must have ended with it. */
  end(received: number): void {
    if (received === 0) throw malformed('malformed MCAP: the body is empty');
    if (!this.reader.done()) {
      throw malformed('malformed MCAP: the file ends before its footer (cut short?)');
    }
  }

  /** Waits for every append sent; the first failure among them is thrown. */
  async settle(): Promise<void> {
    await Promise.all(this.pending.map((p) => p.done));
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.check();
  }

  summary(): ImportSummary {
    return {
      streams: [...this.targets.values()].map(({ newest: _newest, ...stream }) => stream),
      messages: this.messages,
      ids: this.params.keepIds ? 'keep' : 'new',
      speed: this.params.speed,
    };
  }

  /** `err` as the error to answer with, its message saying what was written before it. */
  explain(err: unknown): unknown {
    if (!(err instanceof StreamerError)) return err;
    const written = [...this.targets.values()]
      .map((t) => `${JSON.stringify(t.sid)}: ${t.written}${t.lastId ? ` (up to ${t.lastId})` : ''}`)
      .join(', ');
    const message = `${err.message}; written before it: ${written || 'nothing'}`;
    return new StreamerError(err.code, message, { ...this.summary() });
  }

  private async handle(record: TypedMcapRecord): Promise<void> {
    switch (record.type) {
      case 'Schema':
        this.bound(this.schemas, record.id, 'schemas');
        this.schemas.set(record.id, record.name);
        return;
      case 'Channel':
        if (!this.routes.has(record.id)) {
          this.bound(this.routes, record.id, 'channels');
          await this.route(record);
        }
        return;
      case 'Message':
        return this.message(record.channelId, record.logTime, record.sequence, record.data);
      case 'Chunk':
        this.chunkCrc = record.uncompressedCrc;
        if (record.compression === '') checkCrc(record.records, record.uncompressedCrc);
        return;
      default:
        // Header, indexes, statistics, attachments, metadata: nothing to store.
        return;
    }
  }

  /** One import names at most MAX_SIDS_PER_REQUEST channels (and schemas), as a data URL does. */
  private bound(known: ReadonlyMap<number, unknown>, id: number, what: string): void {
    if (known.has(id) || known.size < this.config.MAX_SIDS_PER_REQUEST) return;
    throw malformed(
      `more than ${this.config.MAX_SIDS_PER_REQUEST} ${what} in one file (MAX_SIDS_PER_REQUEST)`,
    );
  }

  private async route(channel: TypedMcapRecord & { type: 'Channel' }): Promise<void> {
    const sid = this.params.prefix + channel.topic;
    try {
      assertDataSid(sid);
    } catch (err) {
      throw malformed(`channel ${channel.id} cannot be imported: ${(err as Error).message}`);
    }
    this.policy.require(this.principal, 'write', [sid], 'http');
    const plan = importChannel(
      channel.messageEncoding,
      this.schemas.get(channel.schemaId),
      channel.metadata,
    );
    let target = this.targets.get(sid);
    if (!target) {
      target = {
        sid,
        topics: [],
        written: 0,
        bytes: 0,
        firstId: null,
        lastId: null,
        newIds: 0,
        newest: null,
      };
      this.targets.set(sid, target);
      // The recorded metadata goes to a stream that has none of its own.
      if (plan.meta && Object.keys(await this.meta.getMeta(sid)).length === 0) {
        await this.meta.setMeta(sid, plan.meta, false);
      }
    }
    target.topics.push(channel.topic);
    this.routes.set(channel.id, { target, plan });
  }

  private async message(
    channelId: number,
    logTime: bigint,
    sequence: number,
    data: Uint8Array,
  ): Promise<void> {
    const route = this.routes.get(channelId);
    if (!route)
      throw malformed(
        `malformed MCAP: a message on channel ${channelId}, which has no channel record`,
      );
    const { target, plan } = route;
    const payload = plan.decode(data);
    if (payload.length > this.config.MAX_PAYLOAD_BYTES) {
      throw new StreamerError(
        ErrorCode.TooLarge,
        `a message of channel ${JSON.stringify(target.sid)} is over MAX_PAYLOAD_BYTES (${this.config.MAX_PAYLOAD_BYTES} bytes)`,
      );
    }
    this.messages++;
    await this.pace(logTime);
    const id = await this.idFor(target, logTime, sequence);
    const stored = this.appender.append(target.sid, payload, id);
    const done = stored.then(
      (newId) => {
        target.written++;
        target.bytes += payload.length;
        target.firstId ??= newId;
        target.lastId = newId;
        if (target.newest !== null) target.newest = newId;
        this.observer.pushed(1, payload.length);
      },
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    this.pending.push({ done, bytes: payload.length });
    this.pendingBytes += payload.length;
    if (id === '*' && this.params.keepIds) {
      // The next recorded ids are compared with the one Redis chose.
      await this.settle();
      return;
    }
    while (
      this.pending.length >= this.config.PUSH_MAX_PENDING ||
      (this.pendingBytes > MAX_PENDING_BYTES && this.pending.length > 0)
    ) {
      const oldest = this.pending.shift()!;
      this.pendingBytes -= oldest.bytes;
      await oldest.done;
    }
  }

  /**
   * `ids=keep`: `<log time ms>-<sequence>` when it is newer than the stream's newest entry, else
   * a new id (counted in `newIds`). `ids=new`: always a new id.
   */
  private async idFor(target: Target, logTime: bigint, sequence: number): Promise<string> {
    if (!this.params.keepIds) return '*';
    target.newest ??= await this.repository.lastId(target.sid);
    const recorded = `${logTime / 1_000_000n}-${sequence}`;
    if (compareIds(recorded, target.newest) > 0) {
      target.newest = recorded;
      return recorded;
    }
    target.newIds++;
    return '*';
  }

  /** With `speed`: waits until the message is due (its log time after the first, divided by speed). */
  private async pace(logTime: bigint): Promise<void> {
    const { speed } = this.params;
    if (speed === null) return;
    if (this.firstLogTime === null) {
      this.firstLogTime = logTime;
      this.startedAt = performance.now();
      return;
    }
    const due = this.startedAt + Number(logTime - this.firstLogTime) / 1e6 / speed;
    const wait = due - performance.now();
    if (wait <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.signal.addEventListener('abort', done, { once: true });
    });
    this.check();
  }

  /** Throws the first append failure, or SHUTTING_DOWN / a client gone. */
  private check(): void {
    if (this.failure !== null) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
    if (this.signal.aborted) {
      throw new StreamerError(
        ErrorCode.ShuttingDown,
        'import stopped: the server is shutting down or the client went away',
      );
    }
  }

  private bad(err: unknown, received: number): StreamerError {
    if (err instanceof StreamerError) return err;
    const at = received - this.reader.bytesRemaining();
    return malformed(
      `malformed MCAP after ${this.messages} message(s), near byte ${at}: ${(err as Error).message}`,
    );
  }
}
