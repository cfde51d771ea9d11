import { Inject, Injectable } from '@nestjs/common';
import { ErrorReply } from 'redis';
import type { RedisCommands } from '../../redis/redis-commands.js';
import { REDIS_COMMAND } from '../../redis/redis.tokens.js';
import {
  AS_BUFFERS,
  command,
  RawEntry,
  toClaim,
  toConsumers,
  toGroupRead,
  toGroups,
  toStreamerError,
} from '../../redis/replies.js';
import { Entry, GroupInfo } from './stream.types.js';

/**
 * The consumer groups of streams (XGROUP, XREADGROUP, XACK, XAUTOCLAIM, XCLAIM, XINFO GROUPS).
 * Every command touches the stream's key alone, so on a Redis Cluster each goes to the master of
 * its slot; all go on the command channel, none blocks.
 */
@Injectable()
export class GroupRepository {
  constructor(@Inject(REDIS_COMMAND) private readonly redis: RedisCommands) {}

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
    return toGroupRead(
      await command<[Buffer, RawEntry[]][] | null>(this.redis, sid, args, AS_BUFFERS),
    );
  }

  /** `XACK sid group id…`: the group's pending entries that are done; the number acked. */
  ack(sid: string, group: string, ids: readonly string[]): Promise<number> {
    return command<number>(this.redis, sid, ['XACK', sid, group, ...ids]);
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
    return toClaim(await command<[Buffer, RawEntry[]]>(this.redis, sid, args, AS_BUFFERS));
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
    await command(this.redis, sid, args);
  }

  /** The consumer groups of `sid` (`XINFO GROUPS`, `XINFO CONSUMERS`); none when it is no stream. */
  async groups(sid: string): Promise<GroupInfo[]> {
    let reply: unknown[][];
    try {
      reply = await this.redis.send<unknown[][]>(sid, ['XINFO', 'GROUPS', sid]);
    } catch (err) {
      if (err instanceof ErrorReply) return [];
      throw toStreamerError(err);
    }
    const groups = toGroups(reply);
    const consumers = await Promise.all(
      groups.map((g) => command<unknown[][]>(this.redis, sid, ['XINFO', 'CONSUMERS', sid, g.name])),
    );
    return groups.map((g, i) => ({ ...g, consumers: toConsumers(consumers[i]) }));
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
}
