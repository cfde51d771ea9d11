import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { RedisHealthIndicator } from './redis.health.js';
import { ShutdownState } from './shutdown-state.js';

/** `/healthz` (liveness) and `/readyz` (readiness), and the shutdown state readiness reports. */
@Module({
  // Failed checks are expected while Redis is down (and logged once by RedisConnections):
  // no error log per probe.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
