import { Global, Module } from '@nestjs/common';
import { UpgradeRouter } from './upgrade-router.js';

/** The single WebSocket upgrade router; feature modules register their routes on it. */
@Global()
@Module({ providers: [UpgradeRouter], exports: [UpgradeRouter] })
export class UpgradeModule {}
