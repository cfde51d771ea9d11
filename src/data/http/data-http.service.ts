import { Inject, Injectable, OnModuleDestroy, UnsupportedMediaTypeException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { LimitsConfig } from '../../config/config-sections.js';
import { DATA_OBSERVER } from '../../common/data-observer.js';
import type { DataObserver } from '../../common/data-observer.js';
import { badRequest, ErrorCode, StreamerError } from '../../common/errors.js';
import { compareIds, ZERO_ID } from '../../streams/ids/entry-id.js';
import { BoundedRange, rangeWithin } from '../../streams/repositories/bounded-range.js';
import { GroupSessions } from '../../streams/sessions/group-sessions.js';
import {
  BatchEntry,
  PullSink,
  resolveCursor,
  Written,
} from '../../streams/sessions/pull-session.js';
import { PullSessions } from '../../streams/sessions/pull-sessions.js';
import { assertDataSid, parseSidList } from '../../streams/ids/sid.js';
import type { SyncParams } from '../../sampling/sync-options.js';
import { SyncReader } from '../../sampling/sync-reader.js';
import { tupleJson } from '../../sampling/tuple.js';
import { StreamRepository } from '../../streams/repositories/stream.repository.js';
import { GroupParams, ReadQuery } from '../dto/data-query.dto.js';
import { batchHeader } from '../protocol.js';
import { readBody } from '../../http/raw-body.js';
import { YoungGarbage } from '../../common/young-garbage.js';
import { PageReadAhead } from './page-read-ahead.js';

/** The multipart part name that carries entries (SPEC "HTTP data endpoints"). */
const ENTRIES_FIELD = 'entries';

/**
 * Most bytes of `entry-offset` JSON in one answer, so that all headers stay under 16 KiB (Node's
 * and common proxies' limit): longer answers return fewer entries.
 */
const MAX_ENTRY_OFFSET_BYTES = 12 * 1024;

/** A file part as multer hands it over (memory storage). */
export interface UploadedPart {
  fieldname: string;
  originalname: string;
  buffer: Buffer;
}

/** What a POST carried, as the controller found it. */
export type PostBody =
  | { kind: 'multipart'; files: UploadedPart[]; fields: Record<string, unknown> }
  | { kind: 'raw'; stream: Readable }
  /** A type whose body Nest's body parsers consumed already (JSON, urlencoded). */
  | { kind: 'unsupported'; contentType: string };

/** Pages of PULL_BATCH_BYTES that GETs may have read ahead, all clients together. */
const READ_AHEAD_PAGES = 2;
/** Streams whose entry size a GET remembers, to size its next read of them in one XRANGE. */
const REMEMBERED_ESTIMATES = 1024;

/** The answer to a GET: payloads back to back and the two headers that describe them. */
export interface ReadResult {
  /** The body: these payloads back to back, each as Redis returned it (no copy). */
  parts: Buffer[];
  /** Bytes of the body. */
  length: number;
  /** `[[sid, entry_id, start_offset], …]` as JSON, ASCII only (it travels in a header). */
  entryOffset: string;
  /** The cursor to pass next time: one id per sid, joined by `+`. */
  lastEntryId: string;
  entries: number;
  /** `sync` reads: the tuples of the answer, as JSON (`x-sync-tuples`). */
  syncTuples?: string;
  /** A group read: call once the answer is written (its entries are acknowledged then). */
  onSent?: () => void;
}

interface PlannedEntry {
  sid: string;
  data: Buffer;
}

/**
 * The HTTP data endpoints' work: `append` for POST, `read` for GET (SPEC "HTTP data endpoints").
 * Writes go through `StreamRepository.append`, reads through the repository, and a blocking
 * read waits on the shared live hub through a one-shot pull session, so an idle long-poll
 * costs no Redis connection of its own. On shutdown, open long-polls answer at once with what
 * they have (nothing yet), so the HTTP server can close.
 */
@Injectable()
export class DataHttpService implements OnModuleDestroy {
  /** Ends each long-poll in progress. */
  private readonly waits = new Set<() => void>();
  private stopping = false;
  /**
   * Bytes per entry lately read from each stream (see `rangeWithin`): a GET that knows it asks
   * for all its entries in one XRANGE instead of probing with one entry first.
   */
  private readonly estimates = new Map<string, number>();
  /** The next page of single-stream GETs cut short, read while their answer travels. */
  private readonly readAhead: PageReadAhead;
  /** Payloads answered are large garbage once written: see `YoungGarbage`. */
  private readonly garbage = new YoungGarbage();

  constructor(
    private readonly repository: StreamRepository,
    private readonly sessions: PullSessions,
    private readonly groups: GroupSessions,
    private readonly syncReader: SyncReader,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    @Inject(LimitsConfig) private readonly config: LimitsConfig,
  ) {
    const page = config.PULL_BATCH_BYTES;
    this.readAhead = new PageReadAhead(READ_AHEAD_PAGES * page, page);
  }

  /**
   * Stores the entries of a POST, in order, and resolves to their ids. `segment` is the raw
   * (percent-encoded) `{sid}` path segment: one sid, several joined by `+`, or `*`.
   */
  async append(segment: string, body: PostBody): Promise<string[]> {
    const sids = segment === '*' ? null : parseSidList(segment, this.config.MAX_SIDS_PER_REQUEST);
    const planned = await this.plan(sids, body);
    // Appends issued back to back are pipelined and stored in call order.
    const ids = await Promise.all(planned.map((e) => this.repository.append(e.sid, e.data)));
    let bytes = 0;
    for (const e of planned) bytes += e.data.length;
    this.observer.pushed(planned.length, bytes);
    return ids;
  }

  /**
   * Entries after the cursors in `query` (`last_entry_id`, `count`, `latest`, `block`). Without
   * `block`, or when entries are there already, answers at once; otherwise waits up to `block`
   * ms for the first live batch. `signal` aborts the wait (the client went away).
   */
  async read(segment: string, query: ReadQuery, signal: AbortSignal): Promise<ReadResult> {
    const {
      sids,
      cursors: given,
      count,
      latest,
      block,
      group,
    } = query.forSids(parseSidList(segment, this.config.MAX_SIDS_PER_REQUEST));
    if (query.wantsSync()) return this.readSynced(sids, given, count, query.syncParams(sids));
    if (group) return this.readGroup(sids, given, count, block, group, signal);

    const {
      cursors,
      batch: ready,
      more,
    } = latest ? await this.readLatest(sids, given) : await this.readRange(sids, given, count);
    let batch = ready;
    if (batch.length === 0 && block > 0 && !signal.aborted && !this.stopping) {
      batch = await this.waitForBatch(sids, cursors, count, latest, block, signal);
    }
    const result = this.answer(sids, cursors, batch);
    if (sids.length === 1 && (more || result.entries < batch.length)) {
      const [sid] = sids;
      const after = result.lastEntryId;
      this.readAhead.start(sid, after, count, () => this.range(sid, after, count));
    }
    return result;
  }

  /** Shutdown begins (before the HTTP server closes): long-polls answer now. */
  onModuleDestroy(): void {
    this.stopping = true;
    for (const end of [...this.waits]) end();
  }

  private async plan(sids: string[] | null, body: PostBody): Promise<PlannedEntry[]> {
    switch (body.kind) {
      case 'raw': {
        if (sids === null || sids.length !== 1) {
          throw badRequest(
            'a raw body is one entry for one stream: name a single stream id in the URL, or send multipart/form-data parts named "entries" with the stream ids as filenames',
          );
        }
        const data = await readBody(body.stream, this.config.MAX_PAYLOAD_BYTES);
        return [{ sid: sids[0], data }];
      }
      case 'multipart':
        return planParts(sids, body.files, body.fields);
      case 'unsupported':
        throw new UnsupportedMediaTypeException(
          `POST a multipart/form-data body (parts named "entries") or a raw body (application/octet-stream, or any type but ${body.contentType})`,
        );
    }
  }

  /** `latest`: the newest entry of each stream, when it is newer than the cursor. */
  private async readLatest(
    sids: string[],
    given: string[],
  ): Promise<{ cursors: string[]; batch: BatchEntry[]; more: false }> {
    const newest = await Promise.all(sids.map((sid) => this.repository.latest(sid)));
    const cursors: string[] = [];
    const batch: BatchEntry[] = [];
    sids.forEach((sid, i) => {
      const last = newest[i];
      const cursor = resolveCursor(given[i], last ? last.id : ZERO_ID);
      cursors.push(cursor);
      if (last && compareIds(last.id, cursor) > 0)
        batch.push({ sid, id: last.id, data: last.data });
    });
    return { cursors, batch, more: false };
  }

  /**
   * Up to `count` entries per stream after each cursor; `$` becomes the stream's newest id.
   * `more`: a stream may have more after what was read (count or byte budget reached).
   */
  private async readRange(
    sids: string[],
    given: string[],
    count: number,
  ): Promise<{ cursors: string[]; batch: BatchEntry[]; more: boolean }> {
    const cursors = await Promise.all(
      sids.map(async (sid, i) =>
        given[i] === '$' ? this.repository.lastId(sid) : resolveCursor(given[i], ZERO_ID),
      ),
    );
    // One stream after the other, sharing one byte budget (PULL_BATCH_BYTES).
    const batch: BatchEntry[] = [];
    let room = this.config.PULL_BATCH_BYTES;
    let more = false;
    for (let i = 0; i < sids.length && room > 0; i++) {
      if (given[i] === '$') continue;
      const budget = batch.length > 0 ? room : this.config.PULL_BATCH_BYTES;
      // A page read ahead is used when it was cut short by its count or budget: nothing can
      // have been appended within it since. One that reached the end of the stream is read again.
      const page = sids.length === 1 ? this.readAhead.take(sids[i], cursors[i], count) : null;
      const ahead = page ? await page.catch(() => null) : null;
      const read = ahead?.more ? ahead : await this.range(sids[i], cursors[i], count, budget);
      more ||= read.more;
      for (const entry of read.entries) {
        batch.push({ sid: sids[i], id: entry.id, data: entry.data });
        room -= entry.data.length;
      }
    }
    return { cursors, batch, more };
  }

  /**
   * Up to `count` entries of `sid` after `cursor` within `budget` bytes, in as few XRANGEs as
   * the stream's remembered entry size allows.
   */
  private async range(
    sid: string,
    cursor: string,
    count: number,
    budget = this.config.PULL_BATCH_BYTES,
  ): Promise<BoundedRange> {
    const known = this.estimates.get(sid) ?? 0;
    const read = await rangeWithin(this.repository, sid, cursor, count, budget, known);
    this.remember(sid, read.estimate);
    return read;
  }

  /** Keeps the newest estimates of the last REMEMBERED_ESTIMATES streams read. */
  private remember(sid: string, estimate: number): void {
    if (estimate <= 0) return;
    this.estimates.delete(sid);
    this.estimates.set(sid, estimate);
    if (this.estimates.size > REMEMBERED_ESTIMATES) {
      this.estimates.delete(this.estimates.keys().next().value!);
    }
  }

  /**
   * Waits through the shared hub for the first batch after `cursors` (explicit ids, so nothing
   * written since the first read is missed), for `block` ms at most.
   */
  private waitForBatch(
    sids: string[],
    cursors: string[],
    count: number,
    latest: boolean,
    block: number,
    signal: AbortSignal,
  ): Promise<BatchEntry[]> {
    return new Promise<BatchEntry[]>((resolve, reject) => {
      let done = false;
      const finish = (batch: BatchEntry[], error?: StreamerError) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waits.delete(onAbort);
        session.close();
        if (error) reject(error);
        else resolve(batch);
      };
      const onAbort = () => finish([]);
      const sink: PullSink = {
        canSend: () => !done,
        send: (batch) => finish(batch),
        fail: (error) => finish([], error),
      };
      const session = this.sessions.create(
        { sids, cursors, count, latest, onDropped: this.observer.dropped },
        sink,
      );
      const timer = setTimeout(() => finish([]), block);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waits.add(onAbort);
      void session.start();
    });
  }

  /**
   * A read as consumer `group.consumer` of `group.name`: this consumer's pending entries first,
   * then new ones, waiting up to `block` ms for some. The entries returned are acknowledged once
   * the answer is written (`onSent`); `x-last-entry-id` holds the newest id returned per stream.
   */
  private readGroup(
    sids: string[],
    starts: string[],
    count: number,
    block: number,
    group: GroupParams,
    signal: AbortSignal,
  ): Promise<ReadResult> {
    return new Promise<ReadResult>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | null = null;
      const finish = (batch: BatchEntry[], written?: Written, error?: StreamerError) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waits.delete(onAbort);
        session.close();
        if (error) return reject(error);
        const result = this.answer(sids, starts, batch);
        resolve({ ...result, onSent: () => written?.(result.entries) });
      };
      const onAbort = () => finish([]);
      const sink: PullSink = {
        canSend: () => !done,
        send: (batch, _gaps, written) => finish(batch, written),
        fail: (error) => finish([], undefined, error),
        idle: () => {
          if (block === 0 || signal.aborted || this.stopping) finish([]);
          else timer ??= setTimeout(() => finish([]), block);
        },
      };
      const { name, consumer } = group;
      const options = { sids, group: name, consumer, starts, count, ack: 'auto' as const };
      const session = this.groups.create(options, sink);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waits.add(onAbort);
      void session.start();
    });
  }

  /**
   * `sync` / `rate` (docs/sync.md): a page of tuples or of decimated streams, answered at once;
   * `x-sync-tuples` describes the tuples. A page cut short by the header or body bound ends
   * with a whole tuple, and each cut stream continues after its last entry sent.
   */
  private async readSynced(
    sids: string[],
    given: string[],
    count: number,
    params: SyncParams,
  ): Promise<ReadResult> {
    // Read no more than the answer's header can describe (a tuple or a round of windows has
    // one item per stream at most), so that nothing read is dropped and read again next time.
    const itemBytes = Math.max(...sids.map((sid) => asciiJson(JSON.stringify(sid)).length)) + 32;
    const fits = Math.floor(MAX_ENTRY_OFFSET_BYTES / itemBytes / sids.length);
    const page = await this.syncReader.page(
      sids,
      given,
      Math.max(1, Math.min(count, fits)),
      params,
    );
    let { batch, tuples, cursors } = page;
    const fit = fittingEntries(batch, MAX_ENTRY_OFFSET_BYTES, this.config.PULL_BATCH_BYTES);
    if (fit < batch.length) {
      if (tuples) {
        let kept = 0;
        let entries = 0;
        for (const t of tuples) {
          const size = 1 + t.members.filter((m) => m.id !== null).length;
          if (kept > 0 && entries + size > fit) break;
          kept++;
          entries += size;
        }
        tuples = tuples.slice(0, kept);
        batch = batch.slice(0, entries);
      } else {
        batch = batch.slice(0, fit);
      }
      const last = new Map<string, string>();
      for (const entry of batch) last.set(entry.sid, entry.id);
      cursors = sids.map((sid, i) =>
        page.batch.some((e, j) => j >= batch.length && e.sid === sid)
          ? (last.get(sid) ?? given[i])
          : cursors[i],
      );
    }
    const { header, length } = batchHeader(batch);
    this.observer.pulled(batch.length, length);
    return {
      parts: batch.map((entry) => entry.data),
      length,
      entryOffset: asciiJson(header),
      lastEntryId: cursors.join('+'),
      entries: batch.length,
      syncTuples: tuples ? asciiJson(JSON.stringify(tuples.map(tupleJson))) : undefined,
    };
  }

  private answer(sids: string[], cursors: string[], all: BatchEntry[]): ReadResult {
    const batch = all.slice(
      0,
      fittingEntries(all, MAX_ENTRY_OFFSET_BYTES, this.config.PULL_BATCH_BYTES),
    );
    const last = new Map<string, string>();
    for (const entry of batch) last.set(entry.sid, entry.id);
    const { header, length } = batchHeader(batch);
    this.observer.pulled(batch.length, length);
    // node-redis joined each payload out of its socket chunks: both are garbage once written.
    this.garbage.add(2 * length);
    return {
      parts: batch.map((entry) => entry.data),
      length,
      entryOffset: asciiJson(header),
      lastEntryId: sids.map((sid, i) => last.get(sid) ?? cursors[i]).join('+'),
      entries: batch.length,
    };
  }
}

/**
 * Which stream each part goes to: one URL sid takes every part; several sids (`a+b`) or `*`
 * let each part's filename choose (among the URL's sids, or any valid sid for `*`).
 */
export function planParts(
  sids: string[] | null,
  files: UploadedPart[],
  fields: Record<string, unknown>,
): PlannedEntry[] {
  for (const file of files) {
    if (file.fieldname !== ENTRIES_FIELD) {
      throw badRequest(
        `unexpected part ${JSON.stringify(file.fieldname.slice(0, 64))}: entries go in parts named "${ENTRIES_FIELD}"`,
      );
    }
  }
  const names = Object.keys(fields);
  for (const name of names) {
    if (name !== ENTRIES_FIELD) {
      throw badRequest(
        `unexpected field ${JSON.stringify(name.slice(0, 64))}: entries go in parts named "${ENTRIES_FIELD}"`,
      );
    }
  }
  const text = textEntries(fields[ENTRIES_FIELD]);
  if (files.length > 0 && text.length > 0) {
    // multer keeps file parts and text fields apart, so their relative order would be lost.
    throw badRequest(
      `send every "${ENTRIES_FIELD}" part as a file part (with a filename), or every one as a text field, not both`,
    );
  }
  if (files.length === 0 && text.length === 0) {
    throw badRequest(`no entries: send one or more multipart parts named "${ENTRIES_FIELD}"`);
  }
  if (text.length > 0) {
    if (sids === null || sids.length !== 1) {
      throw badRequest(
        'text-field entries have no filename to name their stream: use a single stream id in the URL, or file parts',
      );
    }
    return text.map((value) => ({ sid: sids[0], data: Buffer.from(value, 'utf8') }));
  }
  return files.map((file) => ({ sid: sidOfPart(sids, file.originalname), data: file.buffer }));
}

function sidOfPart(sids: string[] | null, filename: string): string {
  if (sids !== null && sids.length === 1) return sids[0];
  if (!filename) {
    throw badRequest(
      sids === null
        ? 'with "*" in the URL each part\'s filename must be its stream id'
        : "with several stream ids in the URL each part's filename must name one of them",
    );
  }
  if (sids === null) return assertDataSid(filename);
  if (!sids.includes(filename)) {
    throw new StreamerError(
      ErrorCode.NotAllowed,
      `part filename ${JSON.stringify(filename.slice(0, 64))} is not one of the URL's stream ids`,
    );
  }
  return filename;
}

function textEntries(value: unknown): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v): v is string => typeof v === 'string')) {
    throw badRequest(`field "${ENTRIES_FIELD}" must be plain values (no nested names)`);
  }
  return values;
}

/**
 * How many entries of `batch` (a prefix, so each stream keeps a gap-free run) fit in an
 * `entry-offset` header of `maxHeader` bytes and a body of `maxBody` bytes (the first entry
 * always does).
 */
function fittingEntries(batch: readonly BatchEntry[], maxHeader: number, maxBody: number): number {
  let bytes = 2; // [ ]
  let offset = 0;
  let lastSid: string | null = null;
  let sidBytes = 0;
  for (let i = 0; i < batch.length; i++) {
    const { sid, id, data } = batch[i];
    if (sid !== lastSid) {
      lastSid = sid;
      sidBytes = asciiJson(JSON.stringify(sid)).length;
    }
    // [sid,"id",offset] and a comma
    bytes += sidBytes + id.length + String(offset).length + 7;
    if (i > 0 && (bytes > maxHeader || offset + data.length > maxBody)) return i;
    offset += data.length;
  }
  return batch.length;
}

/** JSON with every non-ASCII character escaped (`\uXXXX`), so it can travel in an HTTP header. */
export function asciiJson(json: string): string {
  return json.replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
