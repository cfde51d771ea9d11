import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RedisCommands } from '../redis/redis-commands.js';
import { REDIS_COMMAND } from '../redis/redis.tokens.js';

/** How long a PING may take before Redis counts as unavailable. */
const PING_TIMEOUT_MS = 1000;

/** Readiness of Redis: the command channel answers PING in time (every master, on a cluster). */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_COMMAND) private readonly redis: RedisCommands,
  ) {}

  check(key = 'redis') {
    return this.indicators
      .check(key)
      .attempt(() => this.redis.ping())
      .withTimeout(PING_TIMEOUT_MS);
  }
}
