import { Global, Module } from '@nestjs/common';
import { MemoryPressure } from '../common/memory-pressure.js';
import { MemoryPressureModule } from '../common/memory-pressure.module.js';
import { gatedCommands } from './gated-commands.js';
import { RedisConnections } from './redis-connections.js';
import { REDIS_COMMAND, REDIS_WRITE } from './redis.tokens.js';

/**
 * Owns the Redis connections. Only this module, `replies.ts` and the repositories import `redis`.
 * Commands on the command channel wait while memory is short (`MemoryPressure`); appends never do.
 */
@Global()
@Module({
  imports: [MemoryPressureModule],
  providers: [
    RedisConnections,
    {
      provide: REDIS_COMMAND,
      inject: [RedisConnections, MemoryPressure],
      useFactory: (connections: RedisConnections, pressure: MemoryPressure) =>
        gatedCommands(connections.channel('command'), pressure),
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
