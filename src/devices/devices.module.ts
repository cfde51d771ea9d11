import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { StreamsApiModule } from '../streams-api/streams-api.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { WsModule } from '../ws/ws.module.js';
import { DeviceDirectory } from './device-directory.service.js';
import { DeviceEventSubscriptions } from './device-event-subscriptions.service.js';
import { DeviceEventLog } from './device-events.js';
import { DeviceEventsResolver } from './device-events.resolver.js';
import { DeviceMutations } from './device-mutations.service.js';
import { DevicePresence } from './device-presence.service.js';
import { DeviceRepository } from './device.repository.js';
import { DevicesResolver } from './devices.resolver.js';

/**
 * Devices (docs/devices.md): the original's device queries, mutations and event streams,
 * a `deviceEvents` subscription, and automatic presence from push connections (reported by the
 * data path through `ConnectionEvents`). Extends the GraphQL API: its `Device.streams` are the
 * API's `Stream`s.
 */
@Module({
  imports: [StreamsModule, StreamsApiModule, AuthModule, WsModule],
  providers: [
    DeviceRepository,
    DeviceEventLog,
    DevicePresence,
    DeviceDirectory,
    DeviceMutations,
    DeviceEventSubscriptions,
    DevicesResolver,
    DeviceEventsResolver,
  ],
})
export class DevicesModule {}
