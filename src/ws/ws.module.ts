import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConnectionEvents } from './connection-events.js';
import { StreamRoutes } from './stream-routes.js';
import { UpgradeRouter } from './upgrade-router.js';

/**
 * The WebSocket platform: the single upgrade router, on which features register their routes
 * (`StreamRoutes` for routes whose path names streams), and connection events that let one
 * feature follow another's connections without importing it.
 */
@Module({
  imports: [AuthModule],
  providers: [UpgradeRouter, StreamRoutes, ConnectionEvents],
  exports: [UpgradeRouter, StreamRoutes, ConnectionEvents],
})
export class WsModule {}
