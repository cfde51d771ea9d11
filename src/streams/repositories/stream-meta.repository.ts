import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import type { RedisCommands } from '../../redis/redis-commands.js';
import { REDIS_COMMAND } from '../../redis/redis.tokens.js';
import { command } from '../../redis/replies.js';
import { RESERVED_PREFIX } from '../ids/sid.js';

/** Metadata of stream `sid` lives at this key + sid, as a JSON object string. */
export const META_PREFIX = RESERVED_PREFIX;

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
 * Each stream's metadata: one JSON object string per sid, at `META_PREFIX + sid`, its own key
 * (on a Redis Cluster, in its own slot, apart from the stream's). Every command goes on the
 * command channel.
 */
@Injectable()
export class StreamMetaRepository {
  private readonly logger = new Logger(StreamMetaRepository.name);
  private readonly metaLocks = new Map<string, Promise<unknown>>();
  private readonly changeListeners: ((sid: string) => void)[] = [];

  constructor(@Inject(REDIS_COMMAND) private readonly redis: RedisCommands) {}

  /**
   * Calls `listener` with the sid whenever this process changes or deletes a stream's metadata:
   * when a `setMeta` starts and when it settles, and once a `deleteMeta` is done.
   */
  onChange(listener: (sid: string) => void): void {
    this.changeListeners.push(listener);
  }

  /** The stream's metadata object (`{}` when none or unreadable). */
  async getMeta(sid: string): Promise<Record<string, unknown>> {
    return this.parseMeta(sid, await this.rawMeta(sid));
  }

  private rawMeta(sid: string): Promise<string | null> {
    const key = META_PREFIX + sid;
    return command<string | null>(this.redis, key, ['GET', key]);
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
        this.changed(sid);
        if (!update) {
          await command(this.redis, key, ['SET', key, JSON.stringify(meta)]);
          return;
        }
        for (let attempt = 0; attempt < META_MERGE_ATTEMPTS; attempt++) {
          const raw = await this.rawMeta(sid);
          const merged = JSON.stringify({ ...this.parseMeta(sid, raw), ...meta });
          const expected = raw == null ? ['0', ''] : ['1', raw];
          const args = ['EVAL', SET_IF_UNCHANGED, '1', key, ...expected, merged];
          if ((await command<number>(this.redis, key, args)) === 1) return;
        }
        throw new StreamerError(
          ErrorCode.Unavailable,
          `metadata of ${JSON.stringify(sid)} changed too often to merge; try again`,
        );
      });
    this.metaLocks.set(sid, next);
    const cleanup = () => {
      this.changed(sid);
      if (this.metaLocks.get(sid) === next) this.metaLocks.delete(sid);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  /** Removes the stream's metadata; the number of keys removed (0 or 1). */
  async deleteMeta(sid: string): Promise<number> {
    const key = META_PREFIX + sid;
    const removed = await command<number>(this.redis, key, ['DEL', key]);
    this.changed(sid);
    return removed;
  }

  private changed(sid: string): void {
    for (const listener of this.changeListeners) listener(sid);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
