import type { LoggerService } from '@nestjs/common';

/**
 * Bounds a graceful shutdown: once SIGTERM or SIGINT arrives, the process exits with status 1
 * after `timeoutMs` even if closing sockets, HTTP requests or Redis hangs. The shutdown itself
 * (Nest's shutdown hooks, `enableShutdownHooks` with `useProcessExit`) exits 0 when it finishes
 * in time.
 */
export function exitAfterShutdownDeadline(timeoutMs: number, logger: LoggerService): void {
  const arm = (signal: NodeJS.Signals) => {
    logger.log(`${signal} received: shutting down (at most ${timeoutMs} ms)`, 'Shutdown');
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${timeoutMs} ms; exiting`, 'Shutdown');
      process.exit(1);
    }, timeoutMs).unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
