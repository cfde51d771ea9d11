/** Injection token of the shared command connection (a connected node-redis client). */
export const REDIS_COMMAND = Symbol('REDIS_COMMAND');
