import { Global, Module } from '@nestjs/common';
import { RedisConnections } from './redis-connections.js';
import { REDIS_COMMAND, REDIS_WRITE } from './redis.tokens.js';

/** Owns the Redis connections. Only this module, `replies.ts` and the repositories import `redis`. */
@Global()
@Module({
  providers: [
    RedisConnections,
    {
      provide: REDIS_COMMAND,
      inject: [RedisConnections],
      useFactory: (connections: RedisConnections) => connections.channel('command'),
    },
    {
      provide: REDIS_WRITE,
      inject: [RedisConnections],
      useFactory: (connections: RedisConnections) => connections.channel('write'),
    },
  ],
  exports: [RedisConnections, REDIS_COMMAND, REDIS_WRITE],
})
export class RedisModule {}
