import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { configureApp } from './bootstrap.js';
import { getHeapStatistics } from 'node:v8';
import { AppConfig, ConfigError, loadConfig } from './config/app-config.js';
import { describePlan, MemoryPlan } from './config/memory-plan.js';
import { ServiceLogger, serviceAddresses, startupBanner } from './observability/logging.js';
import { exitAfterShutdownDeadline } from './observability/shutdown-deadline.js';
import { releaseStartupGarbage } from './observability/startup-garbage.js';
import { ensureLocalRedis } from './redis/local-redis.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) cannotStart(err.message, 2);
    throw err;
  }
  const logger = new Logger('Bootstrap');
  // Last line of defence: a stray rejected promise is a bug to log, not a reason to drop every
  // connection of the service.
  process.on('unhandledRejection', (reason) => {
    logger.error(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  });
  if (!config.REDIS_URL) await ensureLocalRedis(logger);
  const app = await NestFactory.create(AppModule.forRoot(), { bufferLogs: true });
  app.useLogger(new ServiceLogger(app.get(PinoLogger)));
  configureApp(app);
  logPlan(app.get(MemoryPlan), new Logger('MemoryPlan'));
  exitAfterShutdownDeadline(config.SHUTDOWN_TIMEOUT_MS, app.get(PinoLogger));
  await app.init();
  releaseStartupGarbage();
  await app.listen(config.PORT, config.HOST);
  const consoleUrl = serviceAddresses(config.HOST, config.PORT)['web console'];
  logger.log(
    `redis-streamer listening on http://${config.HOST}:${config.PORT} (web console: ${consoleUrl})`,
  );
  if (process.stdout.isTTY) process.stdout.write(startupBanner(config.HOST, config.PORT));
}

/**
 * The memory plan on one line, and a warning when V8's heap is larger than planned (the process
 * was started without `scripts/start`, which passes the plan's heap flags to node).
 */
function logPlan(plan: MemoryPlan, logger: Logger): void {
  const heapMb = Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024));
  logger.log(`${describePlan(plan)}; V8 heap limit ${heapMb} MiB`);
  const plannedMb = plan.oldSpaceMb === null ? null : plan.oldSpaceMb + 3 * plan.semiSpaceMb;
  if (plannedMb !== null && heapMb > plannedMb + 16) {
    logger.warn(
      `V8 may grow its heap to ${heapMb} MiB instead of the planned ${plannedMb} MiB: start the service with scripts/start (or node --max-old-space-size=${plan.oldSpaceMb})`,
    );
  }
}

/**
 * A process that cannot start (invalid configuration, port taken, ...) says why on one line and
 * exits non-zero at once, so restart policies and orchestrators see it: it never lingers
 * half-started with its Redis connections open.
 */
function cannotStart(reason: string, status = 1): never {
  console.error(`redis-streamer cannot start: ${reason}`);
  process.exit(status);
}

main().catch((err: unknown) => cannotStart(err instanceof Error ? err.message : String(err)));
