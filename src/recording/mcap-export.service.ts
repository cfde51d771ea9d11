import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { McapRecordBuilder, McapWriter } from '@mcap/core';
import type { IWritable } from '@mcap/core';
import type { ServerResponse } from 'node:http';
import { constants as zlib, zstdCompressSync } from 'node:zlib';
import { LimitsConfig } from '../config/config-sections.js';
import { DATA_OBSERVER } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { badRequest, ErrorCode, StreamerError } from '../common/errors.js';
import { YoungGarbage } from '../common/young-garbage.js';
import { BoundedRange, rangeWithin } from '../streams/repositories/bounded-range.js';
import { compareIds, idMillis } from '../streams/ids/entry-id.js';
import { parseSidList } from '../streams/ids/sid.js';
import { StreamMetaRepository } from '../streams/repositories/stream-meta.repository.js';
import { SamplingRepository } from '../streams/repositories/sampling.repository.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { parseRates } from '../sampling/sync-options.js';
import type { Entry } from '../streams/repositories/stream.types.js';
import { ChannelPlan, exportChannel } from './mcap-channels.js';
import type { ExportQuery } from './recording-query.dto.js';
import { idBefore, parseBound } from './time-window.js';

export const MCAP_CONTENT_TYPE = 'application/x-mcap';
/** Uncompressed bytes per MCAP chunk: the writer holds about three times this at most. */
const EXPORT_CHUNK_BYTES = 1024 * 1024;
/**
 * Payload bytes read ahead from Redis for one export (at most PULL_BATCH_BYTES): two pages per
 * stream, the one being written and the next. A few MiB keep Redis and the socket busy at once;
 * more only holds more memory.
 */
const EXPORT_READ_BYTES = 4 * 1024 * 1024;
/**
 * Uncompressed bytes per MCAP chunk while recording live: small, so that the file grows as entries
 * arrive (a client sees its recording progress; an image is a chunk of its own) rather than when
 * a 1 MiB chunk fills.
 */
const LIVE_CHUNK_BYTES = 4 * 1024;
/** How often a live export looks for new entries once it has caught up. */
const LIVE_POLL_MS = 100;
/**
 * Bytes the response may hold unsent before the writer waits for the socket to drain: a few
 * chunks, so that the next one is built while the socket sends the previous ones.
 */
const SOCKET_AHEAD_BYTES = 4 * EXPORT_CHUNK_BYTES;
/** Chunks stored uncompressed, after one that zstd could not shrink, before zstd is tried again. */
const INCOMPRESSIBLE_SKIP = 8;
/** Smallest share of PULL_BATCH_BYTES one stream's page gets when many are exported together. */
const MIN_LANE_BYTES = 64 * 1024;
const ZSTD_LEVEL = 3;
/** Bytes of large garbage an export leaves per payload byte (see `refill`). */
const GARBAGE_PER_BYTE = 8;
/** Windows one page of a decimated stream covers at most. */
const WINDOWS_PER_PAGE = 256;
/** MCAP's `sequence` is 32 bits. */
const MAX_SEQUENCE = 0xffffffff;

/** One exported stream: its channel and the page of entries read ahead from Redis. */
interface Lane {
  sid: string;
  plan: ChannelPlan;
  /** The stream's metadata, for a plan made at its first entry (live recordings). */
  meta: Record<string, unknown>;
  /** -1 until registered: a stream with neither a declared format nor an entry yet waits. */
  channelId: number;
  /** Last entry id read (exclusive cursor of the next read). */
  cursor: string;
  /** Inclusive end of the window for this stream. */
  end: string;
  page: Entry[];
  at: number;
  /** More entries may wait up to `end` (the last read was cut short by count or bytes). */
  more: boolean;
  estimate: number;
  /** The next page, being read while this one is written. */
  ahead: Promise<Page> | null;
  /** With `rate`: the decimation window (ms); null = every entry. */
  windowMs: number | null;
}

/** A page of a lane: bounded entries, and with `rate` the cursor after the last window read. */
type Page = BoundedRange & { cursor?: string };

/** The client went away: the export stops without a word. */
class ClientGone extends Error {}

/**
 * `GET /data/{sid}[+{sid}…]/export`: the entries of a time window of one or more streams as an
 * MCAP file, one channel per stream, messages merged in entry-id order (log time = the id's
 * milliseconds, `sequence` = its sequence number).
 *
 * Memory stays flat whatever the window's size: streams are read in bounded `XRANGE` pages
 * (`EXPORT_READ_BYTES` in all, at most PULL_BATCH_BYTES; one larger entry alone), the writer
 * holds one chunk (`EXPORT_CHUNK_BYTES`, zstd-compressed when that makes it smaller) and waits
 * for the socket to take what it wrote before it goes on. A window ending in the future is a
 * live recording: the export follows new entries (every `LIVE_POLL_MS`) until that time, then
 * completes the file. The export stops when the
 * client goes; on shutdown a live recording is completed with what it has, others are cut.
 */
@Injectable()
export class McapExportService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(McapExportService.name);
  private readonly running = new Set<ExportRun>();
  private stopping = false;
  /** Pages read from Redis and chunks written are large garbage: see `YoungGarbage`. */
  private readonly garbage = new YoungGarbage();

  constructor(
    private readonly repository: StreamRepository,
    private readonly meta: StreamMetaRepository,
    private readonly sampling: SamplingRepository,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {}

  /**
   * Validates the request and reads the first page of every stream (failures become JSON error
   * answers), then streams the file into `res` until it is complete or the client goes.
   */
  async export(segment: string, query: ExportQuery, res: ServerResponse): Promise<void> {
    if (this.stopping) throw new StreamerError(ErrorCode.ShuttingDown, 'server shutting down');
    const sids = parseSidList(segment, this.config.MAX_SIDS_PER_REQUEST);
    const now = Date.now();
    const start = parseBound(query.start, 'start', now);
    const end = parseBound(query.end, 'end', now);
    const rates = query.rate === undefined ? null : parseRates(query.rate, sids);
    if (start.id !== '-' && end.id !== '+' && compareIds(start.id, end.id) > 0) {
      throw badRequest(`start (${query.start}) is after end (${query.end})`);
    }
    const liveUntil = end.ms !== null && end.ms > now ? end.ms : null;
    const [metas, ends] = await Promise.all([
      Promise.all(sids.map((sid) => this.meta.getMeta(sid))),
      end.id === '+'
        ? Promise.all(sids.map((sid) => this.repository.lastId(sid)))
        : sids.map(() => end.id),
    ]);
    // Each stream holds the page being written and the next one, read meanwhile.
    const readAhead = Math.min(this.config.PULL_BATCH_BYTES, EXPORT_READ_BYTES);
    const budget = Math.max(MIN_LANE_BYTES, Math.floor(readAhead / (2 * sids.length)));
    const lanes: Lane[] = sids.map((sid, i) => ({
      sid,
      plan: exportChannel(metas[i], undefined),
      meta: metas[i],
      channelId: -1,
      cursor: idBefore(start.id),
      end: ends[i],
      page: [],
      at: 0,
      more: true,
      estimate: 0,
      ahead: null,
      windowMs: rates?.get(sid) ?? null,
    }));
    await Promise.all(lanes.map((lane) => this.refill(lane, budget)));
    for (let i = 0; i < lanes.length; i++)
      lanes[i].plan = exportChannel(metas[i], lanes[i].page[0]?.data);

    res.writeHead(200, {
      'Content-Type': MCAP_CONTENT_TYPE,
      'Content-Disposition': `attachment; filename="${fileName(sids, start.ms ?? now)}"`,
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    const run = new ExportRun(res, liveUntil !== null);
    this.running.add(run);
    try {
      await this.write(run, lanes, budget, query, liveUntil);
    } catch (err) {
      if (!(err instanceof ClientGone)) {
        this.logger.warn(
          `export of ${sids.length} stream(s) failed after the answer began: ${(err as Error).message}`,
        );
      }
      // The answer is under way: only cutting it tells the client the file is incomplete.
      res.destroy();
    } finally {
      this.running.delete(run);
    }
  }

  /** Stops exports before the HTTP server closes: live recordings end their file, others are cut. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const run of this.running) run.stop();
  }

  private async write(
    run: ExportRun,
    lanes: Lane[],
    budget: number,
    query: ExportQuery,
    liveUntil: number | null,
  ): Promise<void> {
    const writer = new McapWriter({
      writable: run,
      chunkSize: liveUntil === null ? EXPORT_CHUNK_BYTES : LIVE_CHUNK_BYTES,
      compressChunk: query.compression === 'zstd' ? zstdWhenWorthIt() : undefined,
    });
    // The header goes out here, not through `writer.start()`: that would also start the data
    // section CRC, which the MCAP format makes optional (0 = not computed) and the writer
    // computes in JavaScript over every byte, a fifth of an export's CPU. Chunks keep their CRC.
    const head = new McapRecordBuilder();
    head.writeMagic();
    head.writeHeader({ profile: '', library: 'redis-streamer' });
    await run.write(head.buffer);
    const schemaIds = new Map<string, number>();
    const register = async (lane: Lane): Promise<void> => {
      let schemaId = 0;
      const { schema } = lane.plan;
      if (schema) {
        schemaId = schemaIds.get(schema.name) ?? (await writer.registerSchema(schema));
        schemaIds.set(schema.name, schemaId);
      }
      lane.channelId = await writer.registerChannel({
        topic: lane.sid,
        schemaId,
        messageEncoding: lane.plan.messageEncoding,
        metadata: lane.plan.metadata,
      });
    };
    // A live recording of a stream with no declared format and no entry yet learns the format
    // from its first recorded entry, as an export of the past does.
    const waiting = (lane: Lane) =>
      liveUntil !== null && lane.page.length === 0 && typeof lane.meta.format !== 'string';
    for (const lane of lanes) if (!waiting(lane)) await register(lane);
    await writer.addMetadata({
      name: 'redis-streamer.export',
      metadata: new Map([
        ['streams', JSON.stringify(lanes.map((l) => l.sid))],
        ['start', query.start],
        ['end', query.end],
        ...(query.rate === undefined ? [] : [['rate', query.rate] as [string, string]]),
        ['exported_at', new Date().toISOString()],
      ]),
    });

    let until = liveUntil;
    let pollAll = false;
    for (;;) {
      run.check();
      // Every stream with unread entries in its window has a page: the earliest head goes next.
      let next: Lane | null = null;
      for (const lane of lanes) {
        if (lane.at === lane.page.length && (lane.more || pollAll)) {
          await this.refill(lane, budget);
          run.check();
        }
        if (lane.at < lane.page.length) {
          if (next === null || compareIds(lane.page[lane.at].id, next.page[next.at].id) < 0) {
            next = lane;
          }
        }
      }
      pollAll = false;
      if (next !== null) {
        const entry = next.page[next.at++];
        if (next.channelId === -1) {
          next.plan = exportChannel(next.meta, entry.data);
          await register(next);
        }
        const ms = idMillis(entry.id);
        const time = BigInt(ms) * 1_000_000n;
        await writer.addMessage({
          channelId: next.channelId,
          sequence: sequenceOf(entry.id),
          logTime: time,
          publishTime: time,
          data: next.plan.encode(entry.data, ms),
        });
        continue;
      }
      // Every window is read. A live recording waits for new entries until its end time; on
      // shutdown it ends now, after one last look for entries.
      if (until === null || Date.now() > until) break;
      if (run.stopping) {
        until = Date.now() - 1;
      } else {
        await run.sleep(Math.min(LIVE_POLL_MS, until - Date.now() + 1));
      }
      pollAll = true;
    }
    for (const lane of lanes) if (lane.channelId === -1) await register(lane);
    await writer.end();
    await run.finish();
  }

  /**
   * The next page of `lane` (read ahead while the previous one was written, when there was more),
   * and starts reading the one after it. At most two pages per stream are held.
   */
  private async refill(lane: Lane, budget: number): Promise<void> {
    const read = lane.ahead ?? this.read(lane, lane.cursor, budget, lane.estimate);
    lane.ahead = null;
    const { entries, estimate, more, cursor } = await read;
    lane.page = entries;
    lane.at = 0;
    lane.more = more;
    lane.estimate = estimate;
    if (cursor !== undefined) lane.cursor = cursor;
    if (entries.length === 0) return;
    if (cursor === undefined) lane.cursor = entries[entries.length - 1].id;
    let bytes = 0;
    for (const entry of entries) bytes += entry.data.length;
    this.observer.pulled(entries.length, bytes);
    // The page (node-redis copies each large reply out of its socket chunks) and the three
    // copies of every chunk the MCAP writer makes (chunk, record, output) all become garbage.
    this.garbage.add(GARBAGE_PER_BYTE * bytes);
    if (more) {
      lane.ahead = this.read(lane, lane.cursor, budget, estimate);
      // Awaited by the next refill; an export that stops first does not leave it unhandled.
      lane.ahead.catch(() => undefined);
    }
  }

  /** The next page after `after`: bounded by `budget`; with `rate`, one entry per window. */
  private read(lane: Lane, after: string, budget: number, estimate: number): Promise<Page> {
    if (lane.windowMs !== null) {
      return this.sampling
        .newestPerWindow(lane.sid, after, lane.windowMs, lane.end, WINDOWS_PER_PAGE, budget)
        .then(({ entries, cursor, more }) => ({ entries, cursor, more, estimate }));
    }
    const all = Number.MAX_SAFE_INTEGER;
    return rangeWithin(this.repository, lane.sid, after, all, budget, estimate, { end: lane.end });
  }
}

/**
 * The response as the MCAP writer's output: each write waits until the socket has drained, so
 * the writer (and the reads behind it) go at the client's pace.
 */
class ExportRun implements IWritable {
  stopping = false;
  private written = 0n;
  private gone = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly res: ServerResponse,
    private readonly live: boolean,
  ) {
    res.once('close', () => {
      if (!res.writableFinished) this.gone = true;
      this.wake?.();
    });
  }

  position(): bigint {
    return this.written;
  }

  async write(buffer: Uint8Array): Promise<void> {
    this.check();
    this.written += BigInt(buffer.byteLength);
    this.res.write(buffer);
    // A few chunks may wait in the socket, so that the next one is built while they go out.
    if (this.res.writableLength <= SOCKET_AHEAD_BYTES) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.wake = null;
        resolve();
      };
      this.wake = done;
      this.res.once('drain', done);
    });
    this.check();
  }

  /** Throws once the client has gone, or the server stops an export that is not live. */
  check(): void {
    if (this.gone) throw new ClientGone();
    if (this.stopping && !this.live) {
      throw new StreamerError(ErrorCode.ShuttingDown, 'server shutting down');
    }
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
    });
  }

  /** Shutdown: a live recording ends its file now; any other export is cut. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  finish(): Promise<void> {
    return new Promise<void>((resolve) => this.res.end(resolve));
  }
}

/**
 * zstd when it makes chunks smaller. Payloads that are compressed already (JPEG, PNG) are stored
 * as they are, and after such a chunk the next few are not even tried.
 */
function zstdWhenWorthIt(): (chunk: Uint8Array) => {
  compression: string;
  compressedData: Uint8Array;
} {
  let skip = 0;
  return (chunk) => {
    if (skip > 0) {
      skip--;
      return { compression: '', compressedData: chunk };
    }
    const compressed = zstdCompressSync(chunk, {
      params: { [zlib.ZSTD_c_compressionLevel]: ZSTD_LEVEL },
    });
    if (compressed.length < chunk.length * 0.9) {
      return { compression: 'zstd', compressedData: compressed };
    }
    skip = INCOMPRESSIBLE_SKIP;
    return { compression: '', compressedData: chunk };
  };
}

function sequenceOf(id: string): number {
  return Math.min(MAX_SEQUENCE, Number(id.slice(id.indexOf('-') + 1)));
}

/** `cam+depth_20261203T080000Z.mcap`: the stream ids (made file-name safe) and the start time. */
function fileName(sids: readonly string[], ms: number): string {
  const names = sids
    .join('+')
    .replace(/[^A-Za-z0-9._+-]+/g, '_')
    .slice(0, 100);
  const time = new Date(ms).toISOString().replace(/[-:]|\.\d+/g, '');
  return `${names}_${time}.mcap`;
}
