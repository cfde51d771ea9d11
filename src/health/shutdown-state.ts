import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

/**
 * The first step of a graceful shutdown. Nest runs every `onModuleDestroy` before the upgrade
 * router closes the WebSockets (`beforeApplicationShutdown`) and before Redis is quit
 * (`onApplicationShutdown`), so this is where the service stops taking new work: the listening
 * socket is closed at once (idle keep-alive connections too) and `/readyz` answers 503 on
 * connections that are still open, so load balancers move away while the sockets drain.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy {
  private readonly logger = new Logger(ShutdownState.name);
  private draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** True once the application started shutting down. */
  get shuttingDown(): boolean {
    return this.draining;
  }

  onModuleDestroy(): void {
    this.draining = true;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server?.listening) {
      // Nest's own server.close() later answers at once (server not running): requests still in
      // flight are bounded by SHUTDOWN_TIMEOUT_MS instead of holding the shutdown indefinitely.
      server.close();
      this.logger.log('shutting down: no longer accepting connections');
    }
  }
}
