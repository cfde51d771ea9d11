import { Inject, Injectable } from '@nestjs/common';
import { ErrorReply } from 'redis';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import { parseRedirect, Redirect } from '../../redis/cluster-redirect.js';
import type { NodeAddress, RedisCommands, RedisConnection } from '../../redis/redis-commands.js';
import { REDIS_COMMAND } from '../../redis/redis.tokens.js';
import {
  AS_BUFFERS,
  command,
  RawEntry,
  toStreamEntries,
  toStreamerError,
} from '../../redis/replies.js';
import { StreamEntries } from './stream.types.js';

/**
 * The live read hub's Redis commands: its blocking XREAD, on connections of its own, and the
 * control around it (client ids, CLIENT UNBLOCK, key types). Only the hub uses them. On a Redis
 * Cluster one XREAD spans the streams of one hash slot (the hub keeps each read to one slot).
 */
@Injectable()
export class HubRepository {
  constructor(@Inject(REDIS_COMMAND) private readonly redis: RedisCommands) {}

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
    return toStreamEntries(reply);
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
    return Promise.all(sids.map((sid) => command<string>(this.redis, sid, ['TYPE', sid])));
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
