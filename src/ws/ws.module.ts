import { Global, Module } from '@nestjs/common';
import { ConnectionEvents } from './connection-events.js';
import { UpgradeRouter } from './upgrade-router.js';

/**
 * The single WebSocket upgrade router; feature modules register their routes on it. Connection
 * events let one feature follow another's connections without importing it.
 */
@Global()
@Module({
  providers: [UpgradeRouter, ConnectionEvents],
  exports: [UpgradeRouter, ConnectionEvents],
})
export class WsModule {}
