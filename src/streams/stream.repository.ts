import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorReply, RESP_TYPES } from 'redis';
import { AppConfig } from '../config/app-config.js';
import { APPEND_SAMPLE_EVERY, DATA_OBSERVER } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import type { RedisConnection } from '../redis/redis-connections.js';
import { REDIS_COMMAND, REDIS_WRITE } from '../redis/redis.tokens.js';
import { ZERO_ID } from './entry-id.js';
import { RESERVED_PREFIX } from './sid.js';
import { Entry, StreamEntries, StreamInfo } from './stream.types.js';

/** The field every entry's payload is stored under (compatible with the original service). */
export const DATA_FIELD = 'd';
/** Metadata of stream `sid` lives at this key + sid, as a JSON object string. */
export const META_PREFIX = RESERVED_PREFIX;

const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;
const EMPTY = Buffer.alloc(0);

type Raw = unknown;
type RawEntry = [Buffer, Buffer[] | null];

const LAST_ID = `local e = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1) if e[1] then return e[1][1] end return ''`;
const DELETE_IF_STREAM = `if redis.call('TYPE', KEYS[1]).ok == 'stream' then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Every Redis Streams operation of the service. All commands touch a single key each (Redis
 * Cluster stays possible), except `readLive`, whose XREAD spans the hub's streams.
 *
 * Appends go on the write connection, every other command on the command connection (blocking
 * reads on the hub's own). Both are auto-pipelined by node-redis: calls made in the same tick go
 * out in one write and their replies come back in call order.
 */
@Injectable()
export class StreamRepository {
  private readonly logger = new Logger(StreamRepository.name);
  private readonly maxlen: string | null;
  private readonly metaLocks = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(REDIS_COMMAND) private readonly redis: RedisConnection,
    @Inject(REDIS_WRITE) private readonly writer: RedisConnection,
    @Inject(AppConfig) config: AppConfig,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
  ) {
    this.maxlen = config.STREAM_MAXLEN > 0 ? String(config.STREAM_MAXLEN) : null;
  }

  private appends = 0;

  /**
   * Appends one entry (`XADD sid MAXLEN ~ N <id> d <payload>`) and resolves to its id. Calls made
   * back to back are pipelined and stored in call order.
   */
  append(sid: string, payload: Buffer, id: string = '*'): Promise<string> {
    const args: (string | Buffer)[] = this.maxlen
      ? ['XADD', sid, 'MAXLEN', '~', this.maxlen, id, DATA_FIELD, payload]
      : ['XADD', sid, id, DATA_FIELD, payload];
    // Time one XADD in APPEND_SAMPLE_EVERY: a sample is enough for the latency histogram.
    if (++this.appends % APPEND_SAMPLE_EVERY !== 0) {
      return this.writer.sendCommand<string>(args).catch(rethrowAsStreamerError);
    }
    const started = performance.now();
    return this.writer.sendCommand<string>(args).then((newId) => {
      this.observer.appended((performance.now() - started) / 1000);
      return newId;
    }, rethrowAsStreamerError);
  }

  /**
   * The id of the newest entry of `sid` (`0-0` when the stream is empty or missing), without its
   * payload. Fails (WRONGTYPE) when the key is not a stream.
   */
  async lastId(sid: string): Promise<string> {
    const id = await this.command<string>(['EVAL', LAST_ID, '1', sid]);
    return id || ZERO_ID;
  }

  /** The newest entry of `sid`, or null. */
  async latest(sid: string): Promise<Entry | null> {
    const reply = await this.command<RawEntry[]>(
      ['XREVRANGE', sid, '+', '-', 'COUNT', '1'],
      AS_BUFFERS,
    );
    return reply.length > 0 ? toEntry(reply[0]) : null;
  }

  /** Up to `count` entries of `sid` strictly after `afterId`, oldest first. */
  async rangeAfter(sid: string, afterId: string, count: number): Promise<Entry[]> {
    const args = ['XRANGE', sid, `(${afterId}`, '+', 'COUNT', String(count)];
    const reply = await this.command<RawEntry[]>(args, AS_BUFFERS);
    return reply.map(toEntry);
  }

  /**
   * Blocking read for the live hub, on a connection of its own: entries after each cursor, at
   * most `count` per stream, waiting up to `blockMs`. Resolves to [] on timeout or unblock.
   */
  async readLive(
    connection: RedisConnection,
    sids: readonly string[],
    cursors: readonly string[],
    count: number,
    blockMs: number,
  ): Promise<StreamEntries[]> {
    const args = [
      'XREAD',
      'COUNT',
      String(count),
      'BLOCK',
      String(blockMs),
      'STREAMS',
      ...sids,
      ...cursors,
    ];
    let reply: [Buffer, RawEntry[]][] | null;
    try {
      reply = await connection.sendCommand<[Buffer, RawEntry[]][] | null>(args, AS_BUFFERS);
    } catch (err) {
      throw toStreamerError(err);
    }
    if (!reply) return [];
    return reply.map(([name, entries]) => ({
      sid: name.toString('utf8'),
      entries: entries.map(toEntry),
    }));
  }

  /** This connection's Redis client id (for `interrupt`). */
  async connectionId(connection: RedisConnection): Promise<number> {
    try {
      return await connection.sendCommand<number>(['CLIENT', 'ID']);
    } catch (err) {
      throw toStreamerError(err);
    }
  }

  /** Ends a blocking read of another connection early (as if it timed out). */
  async interrupt(clientId: number): Promise<boolean> {
    const n = await this.command<number>(['CLIENT', 'UNBLOCK', String(clientId), 'TIMEOUT']);
    return n === 1;
  }

  /** The Redis type of each key (`stream`, `string`, ..., `none` when missing), pipelined. */
  keyTypes(sids: readonly string[]): Promise<string[]> {
    return Promise.all(sids.map((sid) => this.command<string>(['TYPE', sid])));
  }

  /** Every key of type stream (SCAN … TYPE stream), plus, with `withMeta`, every sid with metadata. */
  async listSids(withMeta: boolean): Promise<string[]> {
    const sids = new Set(await this.scan(['TYPE', 'stream']));
    if (withMeta) {
      for (const key of await this.scan(['MATCH', `${escapeGlob(META_PREFIX)}*`])) {
        sids.add(key.slice(META_PREFIX.length));
      }
    }
    return [...sids].sort();
  }

  /** `XINFO STREAM` and metadata for each sid, pipelined; a failing key fills its `error`. */
  async info(sids: readonly string[]): Promise<StreamInfo[]> {
    const infos = sids.map((sid) =>
      this.redis
        .sendCommand<Raw[]>(['XINFO', 'STREAM', sid], AS_BUFFERS)
        .then((reply) => ({ reply, error: null as string | null }))
        .catch((err: unknown) => {
          if (err instanceof ErrorReply) return { reply: null, error: err.message };
          throw toStreamerError(err);
        }),
    );
    const metas = sids.map((sid) => this.getMeta(sid));
    const [infoReplies, metaReplies] = await Promise.all([Promise.all(infos), Promise.all(metas)]);
    return sids.map((sid, i) =>
      parseInfo(sid, infoReplies[i].reply, infoReplies[i].error, metaReplies[i]),
    );
  }

  /** The stream's metadata object (`{}` when none or unreadable). */
  async getMeta(sid: string): Promise<Record<string, unknown>> {
    const raw = await this.command<string | null>(['GET', META_PREFIX + sid]);
    if (raw == null) return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      return isPlainObject(parsed) ? parsed : {};
    } catch {
      this.logger.warn(`metadata of ${JSON.stringify(sid)} is not JSON; treating it as {}`);
      return {};
    }
  }

  /**
   * Sets the stream's metadata, or with `update` shallow-merges `meta` into it. Updates of one sid
   * are serialized within this process.
   */
  setMeta(sid: string, meta: Record<string, unknown>, update: boolean): Promise<void> {
    const previous = this.metaLocks.get(sid) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const merged = update ? { ...(await this.getMeta(sid)), ...meta } : meta;
        await this.command(['SET', META_PREFIX + sid, JSON.stringify(merged)]);
      });
    this.metaLocks.set(sid, next);
    const cleanup = () => {
      if (this.metaLocks.get(sid) === next) this.metaLocks.delete(sid);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  /** Removes the stream (only if the key is a stream) and its metadata; true if anything existed. */
  async deleteStream(sid: string): Promise<boolean> {
    const [stream, meta] = await Promise.all([
      this.command<number>(['EVAL', DELETE_IF_STREAM, '1', sid]),
      this.command<number>(['DEL', META_PREFIX + sid]),
    ]);
    return stream + meta > 0;
  }

  private async scan(filter: string[]): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.command<[string, string[]]>([
        'SCAN',
        cursor,
        ...filter,
        'COUNT',
        '1000',
      ]);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  private async command<T>(args: (string | Buffer)[], options?: typeof AS_BUFFERS): Promise<T> {
    try {
      return await this.redis.sendCommand<T>(args, options);
    } catch (err) {
      throw toStreamerError(err);
    }
  }
}

const rethrowAsStreamerError = (err: unknown): never => {
  throw toStreamerError(err);
};

/** Maps node-redis failures to coded errors: Redis error replies vs. an unreachable Redis. */
export function toStreamerError(err: unknown): StreamerError {
  if (err instanceof StreamerError) return err;
  if (err instanceof ErrorReply) {
    if (/ID specified in XADD|Invalid stream ID/i.test(err.message)) {
      return new StreamerError(ErrorCode.MalformedData, err.message);
    }
    return new StreamerError(ErrorCode.Internal, `Redis: ${err.message}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StreamerError(ErrorCode.Unavailable, `Redis unavailable: ${message}`);
}

function toEntry(raw: RawEntry): Entry {
  const [id, fields] = raw;
  return { id: id.toString('latin1'), data: payloadOf(fields) };
}

function payloadOf(fields: Buffer[] | null): Buffer {
  if (!fields || fields.length < 2) return EMPTY;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i].length === 1 && fields[i][0] === 0x64 /* 'd' */) return fields[i + 1];
  }
  return fields[1];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function str(value: Raw): string | null {
  if (value == null) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function num(value: Raw): number | null {
  if (value == null) return null;
  const n = Number(Buffer.isBuffer(value) ? value.toString('latin1') : value);
  return Number.isFinite(n) ? n : null;
}

function parseInfo(
  sid: string,
  reply: Raw[] | null,
  error: string | null,
  meta: Record<string, unknown>,
): StreamInfo {
  const fields = new Map<string, Raw>();
  if (reply) {
    for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(str(reply[i])), reply[i + 1]);
  }
  const entry = (value: Raw) => (Array.isArray(value) ? toEntry(value as RawEntry) : null);
  return {
    sid,
    error,
    length: num(fields.get('length')),
    radixTreeKeys: num(fields.get('radix-tree-keys')),
    radixTreeNodes: num(fields.get('radix-tree-nodes')),
    lastGeneratedId: str(fields.get('last-generated-id')),
    maxDeletedEntryId: str(fields.get('max-deleted-entry-id')),
    entriesAdded: num(fields.get('entries-added')),
    recordedFirstEntryId: str(fields.get('recorded-first-entry-id')),
    groups: num(fields.get('groups')),
    firstEntry: entry(fields.get('first-entry')),
    lastEntry: entry(fields.get('last-entry')),
    meta,
  };
}
