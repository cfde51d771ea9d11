/**
 * Injection token of the shared command channel (`RedisCommands`: one connection, or a cluster
 * client routing by key).
 */
export const REDIS_COMMAND = Symbol('REDIS_COMMAND');
/**
 * Injection token of the write connection: appends (XADD) only, so pushed data never queues
 * behind catch-up reads, XINFO or CLIENT UNBLOCK on the command connection, nor they behind it.
 */
export const REDIS_WRITE = Symbol('REDIS_WRITE');
