import { Inject, Injectable } from '@nestjs/common';
import { ErrorReply } from 'redis';
import { RedisConfig, RetentionConfig } from '../../config/config-sections.js';
import { APPEND_SAMPLE_EVERY, DATA_OBSERVER } from '../../common/data-observer.js';
import type { DataObserver } from '../../common/data-observer.js';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import type { RedisCommands } from '../../redis/redis-commands.js';
import { REDIS_COMMAND, REDIS_WRITE } from '../../redis/redis.tokens.js';
import {
  AS_BUFFERS,
  command,
  RawEntry,
  rethrowAsStreamerError,
  str,
  toEntry,
  toStreamerError,
  toStreamInfo,
} from '../../redis/replies.js';
import { ZERO_ID } from '../ids/entry-id.js';
import { Appender, orderedAppender } from './ordered-appender.js';
import { RetentionCache } from './retention.js';
import { META_PREFIX, StreamMetaRepository } from './stream-meta.repository.js';
import { Entry, StreamInfo, StreamPosition } from './stream.types.js';

/** The field every entry's payload is stored under (compatible with the original service). */
const DATA_FIELD = 'd';

type Raw = unknown;

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
 * The streams themselves: appends (with their retention), reads, where a stream stands, listing,
 * `XINFO STREAM` and deletion. Every command touches a single key (scripts included), so on a
 * Redis Cluster each goes to the master of its key's slot.
 *
 * Appends go on the write channel, every other command on the command channel. Both are
 * auto-pipelined by node-redis: calls made in the same tick for one server go out in one write
 * and their replies come back in call order.
 */
@Injectable()
export class StreamRepository {
  private readonly retention: RetentionCache;

  constructor(
    @Inject(REDIS_COMMAND) private readonly redis: RedisCommands,
    @Inject(REDIS_WRITE) private readonly writer: RedisCommands,
    @Inject(RetentionConfig) retention: RetentionConfig,
    @Inject(RedisConfig) redisConfig: RedisConfig,
    @Inject(DATA_OBSERVER) private readonly observer: DataObserver,
    private readonly meta: StreamMetaRepository,
  ) {
    this.retention = new RetentionCache(
      { maxLen: retention.STREAM_MAXLEN, maxAgeMs: retention.STREAM_MAXAGE_MS },
      (sid) => this.meta.getMeta(sid),
    );
    // A stream's own retention lives in its metadata: changing it takes effect at once here.
    this.meta.onChange((sid) => this.retention.forget(sid));
    this.waitReplicas = redisConfig.REDIS_WAIT_REPLICAS;
    // WAIT gives up at half the command timeout: a WAIT still blocked when the command watchdog
    // looks (REDIS_COMMAND_TIMEOUT_MS without a reply) would have its connection replaced.
    this.waitArgs = [
      'WAIT',
      String(redisConfig.REDIS_WAIT_REPLICAS),
      String(Math.max(1, Math.floor(redisConfig.REDIS_COMMAND_TIMEOUT_MS / 2))),
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
    const id = await command<string>(this.redis, sid, ['EVAL', LAST_ID, '1', sid]);
    return id || ZERO_ID;
  }

  /** The newest entry of `sid`, or null. */
  async latest(sid: string): Promise<Entry | null> {
    const reply = await command<RawEntry[]>(
      this.redis,
      sid,
      ['XREVRANGE', sid, '+', '-', 'COUNT', '1'],
      AS_BUFFERS,
    );
    return reply.length > 0 ? toEntry(reply[0]) : null;
  }

  /** Up to `count` entries of `sid` strictly after `afterId` and up to `end` (inclusive), oldest first. */
  async rangeAfter(sid: string, afterId: string, count: number, end = '+'): Promise<Entry[]> {
    const args = ['XRANGE', sid, `(${afterId}`, end, 'COUNT', String(count)];
    const reply = await command<RawEntry[]>(this.redis, sid, args, AS_BUFFERS);
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
    const [range, added, length, first, maxDeleted, lastGenerated, last, before] = await command<
      [RawEntry[], number, number, Raw, Raw, Raw, Raw, Raw]
    >(this.redis, sid, args, AS_BUFFERS);
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
    const metas = sids.map((sid) => this.meta.getMeta(sid));
    const [infoReplies, metaReplies] = await Promise.all([Promise.all(infos), Promise.all(metas)]);
    return sids.map((sid, i) => ({
      sid,
      error: infoReplies[i].error,
      ...toStreamInfo(infoReplies[i].reply),
      meta: metaReplies[i],
    }));
  }

  /**
   * Removes the stream (only if the key is a stream) and its metadata; true if anything existed.
   * The two keys may live in different slots (different masters), so no single command or script
   * can cover both: the stream goes first, then the metadata. If the second step fails, what is
   * left is metadata alone, which `sids(searchMeta)` still lists and a repeated `deleteStream`
   * removes; the other order could leave a stream silently stripped of its metadata.
   */
  async deleteStream(sid: string): Promise<boolean> {
    const stream = await command<number>(this.redis, sid, ['EVAL', DELETE_IF_STREAM, '1', sid]);
    const meta = await this.meta.deleteMeta(sid);
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
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
