import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorReply, RESP_TYPES } from 'redis';
import { AppConfig } from '../../config/app-config.js';
import { APPEND_SAMPLE_EVERY, DATA_OBSERVER } from '../../common/data-observer.js';
import type { DataObserver } from '../../common/data-observer.js';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import { parseRedirect, Redirect } from '../../redis/cluster-redirect.js';
import type {
  NodeAddress,
  RedisCommands,
  RedisConnection,
  SendOptions,
} from '../../redis/redis-commands.js';
import { REDIS_COMMAND, REDIS_WRITE } from '../../redis/redis.tokens.js';
import { ZERO_ID } from '../ids/entry-id.js';
import { RESERVED_PREFIX } from '../ids/sid.js';
import { Appender, orderedAppender } from './ordered-appender.js';
import { RetentionCache } from './retention.js';
import { Entry, GroupInfo, StreamEntries, StreamInfo, StreamPosition } from './stream.types.js';

/** The field every entry's payload is stored under (compatible with the original service). */
export const DATA_FIELD = 'd';
/** Metadata of stream `sid` lives at this key + sid, as a JSON object string. */
export const META_PREFIX = RESERVED_PREFIX;

const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;
const EMPTY = Buffer.alloc(0);

type Raw = unknown;
export type RawEntry = [Buffer, Buffer[] | null];

const LAST_ID = `local e = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1) if e[1] then return e[1][1] end return ''`;
const DELETE_IF_STREAM = `if redis.call('TYPE', KEYS[1]).ok == 'stream' then return redis.call('DEL', KEYS[1]) end return 0`;
/**
 * Where a stream stands, for the gap signal (`StreamPosition`), in one atomic step: XINFO's
 * counters, and with ARGV[1] set the entries after it (`XRANGE (ARGV[1] + COUNT ARGV[2]`), with
 * ARGV[3] = '1' the id of the entry before the newest. XINFO's reply carries the first and last
 * entries, copied inside Redis only: the script returns their ids.
 */
const POSITION = `local key = KEYS[1]
if redis.call('TYPE', key).ok == 'none' then return {{}, 0, 0, '', '0-0', '0-0', '', ''} end
local info = redis.call('XINFO', 'STREAM', key)
local f = {}
for k = 1, #info, 2 do f[info[k]] = info[k + 1] end
local range = {}
if ARGV[1] ~= '' then range = redis.call('XRANGE', key, '(' .. ARGV[1], '+', 'COUNT', ARGV[2]) end
local before = ''
if ARGV[3] == '1' then
  local two = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 2)
  if two[2] then before = two[2][1] end
end
local first = f['first-entry'] and f['first-entry'][1] or ''
local last = f['last-entry'] and f['last-entry'][1] or ''
return {range, f['entries-added'], f['length'], first, f['max-deleted-entry-id'],
  f['last-generated-id'], last, before}`;
/**
 * Compare-and-set of one string key: sets KEYS[1] to ARGV[3] only if it still holds ARGV[2]
 * (ARGV[1] = '1') or is still missing (ARGV[1] = '0'); 1 when set.
 */
const SET_IF_UNCHANGED = `local v = redis.call('GET', KEYS[1])
if (ARGV[1] == '0' and v == false) or (ARGV[1] == '1' and v == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[3]) return 1 end
return 0`;
/** Merges of one sid's metadata that lost a race with another writer, retried this often at most. */
const META_MERGE_ATTEMPTS = 100;

/**
 * Every Redis Streams operation of the service. Every command touches a single key (scripts
 * included), so on a Redis Cluster each goes to the master of its key's slot; `readLive`'s XREAD
 * spans the hub's streams, which the hub keeps to one slot per read on a cluster.
 *
 * Appends go on the write channel, every other command on the command channel (blocking reads
 * on the hub's own connections). Both are auto-pipelined by node-redis: calls made in the same
 * tick for one server go out in one write and their replies come back in call order.
 */
@Injectable()
export class StreamRepository {
  private readonly logger = new Logger(StreamRepository.name);
  private readonly retention: RetentionCache;
  private readonly metaLocks = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(REDIS_COMMAND) private readonly redis: RedisCommands,
    @Inject(REDIS_WRITE) private readonly writer: RedisCommands,
    @Inject(AppConfig) config: AppConfig,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
  ) {
    this.retention = new RetentionCache(
      { maxLen: config.STREAM_MAXLEN, maxAgeMs: config.STREAM_MAXAGE_MS },
      (sid) => this.getMeta(sid),
    );
    this.waitReplicas = config.REDIS_WAIT_REPLICAS;
    // WAIT gives up at half the command timeout: a WAIT still blocked when the command watchdog
    // looks (REDIS_COMMAND_TIMEOUT_MS without a reply) would have its connection replaced.
    this.waitArgs = [
      'WAIT',
      String(config.REDIS_WAIT_REPLICAS),
      String(Math.max(1, Math.floor(config.REDIS_COMMAND_TIMEOUT_MS / 2))),
    ];
  }

  private readonly waitReplicas: number;
  private readonly waitArgs: string[];

  private appends = 0;

  /**
   * Appends one entry (`XADD sid MAXLEN ~ N <id> d <payload>`, or `MINID ~ <now - age>` when the
   * stream keeps entries by time: see `RetentionCache`) and resolves to its id. Calls made back
   * to back are pipelined and stored in call order (per stream; on a cluster, per slot: see
   * `appender`). With REDIS_WAIT_REPLICAS, resolves only once that many replicas have the entry.
   */
  append(sid: string, payload: Buffer, id: string = '*'): Promise<string> {
    const { xadd, trimTo } = this.retention.next(sid, Date.now());
    const args: (string | Buffer)[] =
      xadd.length === 3
        ? ['XADD', sid, xadd[0], xadd[1], xadd[2], id, DATA_FIELD, payload]
        : ['XADD', sid, id, DATA_FIELD, payload];
    if (trimTo > 0) {
      // Pipelined right behind the XADD; a failure shows on the XADD itself (same key).
      this.writer.send(sid, ['XTRIM', sid, 'MAXLEN', '~', String(trimTo)]).catch(() => undefined);
    }
    if (this.waitReplicas > 0) return this.appendReplicated(sid, args);
    // Time one XADD in APPEND_SAMPLE_EVERY: a sample is enough for the latency histogram.
    if (++this.appends % APPEND_SAMPLE_EVERY !== 0) {
      return this.writer.send<string>(sid, args).catch(rethrowAsStreamerError);
    }
    const started = performance.now();
    return this.writer.send<string>(sid, args).then((newId) => {
      this.observer.appended((performance.now() - started) / 1000);
      return newId;
    }, rethrowAsStreamerError);
  }

  /**
   * Appends for one writer (a push connection) that keeps its entries stored in call order across
   * streams: on one Redis a single pipeline does that already (this repository's `append`); on a
   * cluster, an entry for another slot than the previous one waits until that one is stored.
   */
  appender(): Appender {
    if (this.writer.onePipeline) return this;
    return orderedAppender(
      (sid, payload, id) => this.append(sid, payload, id),
      (sid) => this.writer.pipelineOf(sid),
    );
  }

  /**
   * XADD, then WAIT on the same connection (pipelined right behind it, routed by the same key):
   * WAIT counts the replicas that have every write of that connection so far, this XADD included.
   */
  private async appendReplicated(sid: string, args: (string | Buffer)[]): Promise<string> {
    const added = this.writer.send<string>(sid, args);
    const waited = this.writer.send<number>(sid, this.waitArgs);
    try {
      const [newId, replicas] = await Promise.all([added, waited]);
      if (replicas < this.waitReplicas) {
        throw new StreamerError(
          ErrorCode.Unavailable,
          `Redis unavailable: entry reached ${replicas} of ${this.waitReplicas} replicas in time`,
        );
      }
      return newId;
    } catch (err) {
      throw toStreamerError(err);
    }
  }

  /**
   * The id of the newest entry of `sid` (`0-0` when the stream is empty or missing), without its
   * payload. Fails (WRONGTYPE) when the key is not a stream.
   */
  async lastId(sid: string): Promise<string> {
    const id = await this.command<string>(sid, ['EVAL', LAST_ID, '1', sid]);
    return id || ZERO_ID;
  }

  /** The newest entry of `sid`, or null. */
  async latest(sid: string): Promise<Entry | null> {
    const reply = await this.command<RawEntry[]>(
      sid,
      ['XREVRANGE', sid, '+', '-', 'COUNT', '1'],
      AS_BUFFERS,
    );
    return reply.length > 0 ? toEntry(reply[0]) : null;
  }

  /** Up to `count` entries of `sid` strictly after `afterId` and up to `end` (inclusive), oldest first. */
  async rangeAfter(sid: string, afterId: string, count: number, end = '+'): Promise<Entry[]> {
    const args = ['XRANGE', sid, `(${afterId}`, end, 'COUNT', String(count)];
    const reply = await this.command<RawEntry[]>(sid, args, AS_BUFFERS);
    return reply.map(toEntry);
  }

  /**
   * Where `sid` stands (counters and ids for the gap signal), atomically with up to `count`
   * entries after `afterId` when given; with `beforeLast`, also the id before the newest.
   */
  async position(
    sid: string,
    afterId: string | null = null,
    count = 0,
    beforeLast = false,
  ): Promise<{ entries: Entry[]; position: StreamPosition }> {
    const args = ['EVAL', POSITION, '1', sid, afterId ?? '', String(count), beforeLast ? '1' : '0'];
    const [range, added, length, first, maxDeleted, lastGenerated, last, before] =
      await this.command<[RawEntry[], number, number, Raw, Raw, Raw, Raw, Raw]>(
        sid,
        args,
        AS_BUFFERS,
      );
    return {
      entries: range.map(toEntry),
      position: {
        added: Number(added),
        length: Number(length),
        firstId: str(first) || null,
        maxDeletedId: str(maxDeleted) ?? ZERO_ID,
        lastGeneratedId: str(lastGenerated) ?? ZERO_ID,
        lastId: str(last) || ZERO_ID,
        beforeLastId: str(before) || null,
      },
    };
  }

  /**
   * Blocking read for the live hub, on a connection of its own: entries after each cursor, at
   * most `count` per stream, waiting up to `blockMs`. Resolves to [] on timeout or unblock. On a
   * cluster the sids must share one slot, served by the connection's node; when the slot moved
   * (or is moving, or has no master) it fails with a `SlotMovedError`.
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
      const redirect = err instanceof ErrorReply ? parseRedirect(err.message) : null;
      throw redirect ? new SlotMovedError(redirect, err as Error) : toStreamerError(err);
    }
    if (!reply) return [];
    return reply.map(([name, entries]) => ({
      sid: name.toString('utf8'),
      entries: entries.map(toEntry),
    }));
  }

  /**
   * Creates consumer group `group` on `sid` (`XGROUP CREATE … MKSTREAM`: the stream is created when
   * missing), delivering entries after `start` (`$`: only new ones, `0`: every entry, or an id);
   * false when the group existed already (it keeps its own position).
   */
  async createGroup(sid: string, group: string, start: string): Promise<boolean> {
    try {
      await this.redis.send(sid, ['XGROUP', 'CREATE', sid, group, start, 'MKSTREAM']);
      return true;
    } catch (err) {
      if (err instanceof ErrorReply && err.message.startsWith('BUSYGROUP')) return false;
      throw toStreamerError(err);
    }
  }

  /**
   * `XREADGROUP GROUP group consumer COUNT count STREAMS sid after`, without blocking: `>` reads
   * entries never delivered to the group (each goes to this consumer only), an id reads this
   * consumer's own pending entries after it. Pending entries trimmed from the stream meanwhile
   * come back as `deleted` ids (they are gone; ack them).
   */
  async readGroup(
    sid: string,
    group: string,
    consumer: string,
    after: string,
    count: number,
  ): Promise<{ entries: Entry[]; deleted: string[] }> {
    const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count)];
    args.push('STREAMS', sid, after);
    const reply = await this.command<[Buffer, RawEntry[]][] | null>(sid, args, AS_BUFFERS);
    const entries: Entry[] = [];
    const deleted: string[] = [];
    for (const raw of reply?.[0]?.[1] ?? []) {
      if (raw[1] === null) deleted.push(raw[0].toString('latin1'));
      else entries.push(toEntry(raw));
    }
    return { entries, deleted };
  }

  /** `XACK sid group id…`: the group's pending entries that are done; the number acked. */
  ack(sid: string, group: string, ids: readonly string[]): Promise<number> {
    return this.command<number>(sid, ['XACK', sid, group, ...ids]);
  }

  /**
   * `XAUTOCLAIM`: up to `count` entries of the group pending (with any consumer) for at least
   * `minIdleMs`, scanning from `start`, become `consumer`'s. `next` is where the scan goes on
   * (`0-0`: it went round); pending entries trimmed from the stream leave the group on the way.
   */
  async claimIdle(
    sid: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    start: string,
    count: number,
  ): Promise<{ next: string; entries: Entry[] }> {
    const args = ['XAUTOCLAIM', sid, group, consumer, String(minIdleMs), start];
    args.push('COUNT', String(count));
    const [next, raw] = await this.command<[Buffer, RawEntry[]]>(sid, args, AS_BUFFERS);
    return {
      next: next.toString('latin1'),
      entries: raw.filter((e) => e[1] !== null).map(toEntry),
    };
  }

  /**
   * Marks `consumer`'s pending entries `ids` idle for `idleMs` already (`XCLAIM … IDLE … JUSTID`,
   * the delivery count untouched), so that the next `claimIdle` of another consumer takes them.
   */
  async releasePending(
    sid: string,
    group: string,
    consumer: string,
    ids: readonly string[],
    idleMs: number,
  ): Promise<void> {
    const args = ['XCLAIM', sid, group, consumer, '0', ...ids, 'IDLE', String(idleMs), 'JUSTID'];
    await this.command(sid, args);
  }

  /** The consumer groups of `sid` (`XINFO GROUPS`, `XINFO CONSUMERS`); none when it is no stream. */
  async groups(sid: string): Promise<GroupInfo[]> {
    let reply: Raw[][];
    try {
      reply = await this.redis.send<Raw[][]>(sid, ['XINFO', 'GROUPS', sid]);
    } catch (err) {
      if (err instanceof ErrorReply) return [];
      throw toStreamerError(err);
    }
    const groups = reply.map(fieldsOf);
    const consumers = await Promise.all(
      groups.map((g) =>
        this.command<Raw[][]>(sid, ['XINFO', 'CONSUMERS', sid, String(str(g.get('name')))]),
      ),
    );
    return groups.map((g, i) => ({
      name: String(str(g.get('name'))),
      pending: num(g.get('pending')) ?? 0,
      lastDeliveredId: String(str(g.get('last-delivered-id'))),
      entriesRead: num(g.get('entries-read')),
      lag: num(g.get('lag')),
      consumers: consumers[i].map(fieldsOf).map((c) => ({
        name: String(str(c.get('name'))),
        pending: num(c.get('pending')) ?? 0,
        idleMs: num(c.get('idle')) ?? 0,
        inactiveMs: num(c.get('inactive')),
      })),
    }));
  }

  /** `XGROUP DESTROY`: removes the group and its pending entries; false when there was none. */
  async deleteGroup(sid: string, group: string): Promise<boolean> {
    try {
      return (await this.redis.send<number>(sid, ['XGROUP', 'DESTROY', sid, group])) === 1;
    } catch (err) {
      if (err instanceof ErrorReply && /no such key/i.test(err.message)) return false;
      throw toStreamerError(err);
    }
  }

  /** This connection's Redis client id (for `interrupt`). */
  async connectionId(connection: RedisConnection): Promise<number> {
    try {
      return await connection.sendCommand<number>(['CLIENT', 'ID']);
    } catch (err) {
      throw toStreamerError(err);
    }
  }

  /**
   * Ends a blocking read of another connection early (as if it timed out). Client ids are per
   * server: on a cluster the command goes to `node`, the one the reading connection is open to.
   */
  async interrupt(clientId: number, node: NodeAddress | null = null): Promise<boolean> {
    try {
      const args = ['CLIENT', 'UNBLOCK', String(clientId), 'TIMEOUT'];
      return (await this.redis.sendToNode<number>(node, args)) === 1;
    } catch (err) {
      throw toStreamerError(err);
    }
  }

  /** The Redis type of each key (`stream`, `string`, ..., `none` when missing), pipelined. */
  keyTypes(sids: readonly string[]): Promise<string[]> {
    return Promise.all(sids.map((sid) => this.command<string>(sid, ['TYPE', sid])));
  }

  /**
   * Every key of type stream (SCAN … TYPE stream, on every master of a cluster), plus, with
   * `withMeta`, every sid with metadata; only those starting with `prefix` when given. Sorted.
   */
  async listSids(withMeta: boolean, prefix = ''): Promise<string[]> {
    const match = prefix === '' ? [] : ['MATCH', `${escapeGlob(prefix)}*`];
    const sids = new Set(await this.scan([...match, 'TYPE', 'stream']));
    if (withMeta) {
      for (const key of await this.scan(['MATCH', `${escapeGlob(META_PREFIX + prefix)}*`])) {
        sids.add(key.slice(META_PREFIX.length));
      }
    }
    return [...sids].sort();
  }

  /** `XINFO STREAM` and metadata for each sid, pipelined; a failing key fills its `error`. */
  async info(sids: readonly string[]): Promise<StreamInfo[]> {
    const infos = sids.map((sid) =>
      this.redis
        .send<Raw[]>(sid, ['XINFO', 'STREAM', sid], AS_BUFFERS)
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
    return this.parseMeta(sid, await this.rawMeta(sid));
  }

  private rawMeta(sid: string): Promise<string | null> {
    const key = META_PREFIX + sid;
    return this.command<string | null>(key, ['GET', key]);
  }

  private parseMeta(sid: string, raw: string | null): Record<string, unknown> {
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
   * Sets the stream's metadata, or with `update` shallow-merges `meta` into it. A merge is atomic
   * across every process sharing the Redis: the JSON is merged here (exact JSON semantics, which
   * Lua's cjson would not keep for numbers and empty arrays), then stored with a compare-and-set
   * that fails if another writer changed it meanwhile, and retried. Updates of one sid are also
   * serialized within this process, so its own merges do not race each other.
   */
  setMeta(sid: string, meta: Record<string, unknown>, update: boolean): Promise<void> {
    const previous = this.metaLocks.get(sid) ?? Promise.resolve();
    const key = META_PREFIX + sid;
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        this.retention.forget(sid);
        if (!update) {
          await this.command(key, ['SET', key, JSON.stringify(meta)]);
          return;
        }
        for (let attempt = 0; attempt < META_MERGE_ATTEMPTS; attempt++) {
          const raw = await this.rawMeta(sid);
          const merged = JSON.stringify({ ...this.parseMeta(sid, raw), ...meta });
          const expected = raw == null ? ['0', ''] : ['1', raw];
          const args = ['EVAL', SET_IF_UNCHANGED, '1', key, ...expected, merged];
          if ((await this.command<number>(key, args)) === 1) return;
        }
        throw new StreamerError(
          ErrorCode.Unavailable,
          `metadata of ${JSON.stringify(sid)} changed too often to merge; try again`,
        );
      });
    this.metaLocks.set(sid, next);
    const cleanup = () => {
      this.retention.forget(sid);
      if (this.metaLocks.get(sid) === next) this.metaLocks.delete(sid);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  /**
   * Removes the stream (only if the key is a stream) and its metadata; true if anything existed.
   * The two keys may live in different slots (different masters), so no single command or script
   * can cover both: the stream goes first, then the metadata. If the second step fails, what is
   * left is metadata alone, which `sids(searchMeta)` still lists and a repeated `deleteStream`
   * removes; the other order could leave a stream silently stripped of its metadata.
   */
  async deleteStream(sid: string): Promise<boolean> {
    const stream = await this.command<number>(sid, ['EVAL', DELETE_IF_STREAM, '1', sid]);
    const key = META_PREFIX + sid;
    const meta = await this.command<number>(key, ['DEL', key]);
    this.retention.forget(sid);
    return stream + meta > 0;
  }

  /** Keys matching `filter`, SCANned on every master (a key seen twice mid-migration counts once). */
  private async scan(filter: string[]): Promise<string[]> {
    try {
      const perMaster = await this.redis.eachMaster(async (send) => {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await send<[string, string[]]>([
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
      });
      return [...new Set(perMaster.flat())];
    } catch (err) {
      throw toStreamerError(err);
    }
  }

  /** One command, routed (on a cluster) by `key`, its only key. */
  private async command<T>(
    key: string | undefined,
    args: (string | Buffer)[],
    options?: SendOptions,
  ): Promise<T> {
    try {
      return await this.redis.send<T>(key, args, options);
    } catch (err) {
      throw toStreamerError(err);
    }
  }
}

/**
 * The live read's slot is served elsewhere now (MOVED), is being migrated (ASK, TRYAGAIN) or has
 * no master (CLUSTERDOWN): the reader should look up the topology again and retry.
 */
export class SlotMovedError extends StreamerError {
  constructor(
    readonly redirect: Redirect,
    cause: Error,
  ) {
    super(ErrorCode.Unavailable, `Redis Cluster: ${cause.message}`);
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

/** One raw `[id, [field, value, …]]` reply item as an entry (the payload of field `d`). */
export function toEntry(raw: RawEntry): Entry {
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

/** A flat `[name, value, …]` reply as a map. */
function fieldsOf(reply: Raw[]): Map<string, Raw> {
  const fields = new Map<string, Raw>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(str(reply[i])), reply[i + 1]);
  return fields;
}

function parseInfo(
  sid: string,
  reply: Raw[] | null,
  error: string | null,
  meta: Record<string, unknown>,
): StreamInfo {
  const fields = fieldsOf(reply ?? []);
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
