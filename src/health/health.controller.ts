import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health.js';
import { ShutdownState } from './shutdown-state.js';

/**
 * `/healthz`: liveness, answers 200 as long as the process serves HTTP (Redis being down is not
 * a reason to restart the service: it reconnects by itself).
 * `/readyz`: readiness, 200 when Redis answers PING and the service is not shutting down, else
 * 503 with the failing check named in the JSON body.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([() => this.indicators.check('process').up()]);
  }

  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([
      () =>
        this.shutdown.shuttingDown
          ? this.indicators.check('lifecycle').down('shutting down')
          : this.indicators.check('lifecycle').up(),
      () => this.redis.check(),
    ]);
  }
}
