import { UseFilters } from '@nestjs/common';
import { Args, Resolver, Subscription } from '@nestjs/graphql';
import { AuthService } from '../auth/auth.service.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { StreamerError } from '../common/errors.js';
import { eventOrError, GraphQLErrorFilter } from '../graphql/graphql-errors.js';
import { DeviceEventSubscriptions } from './device-event-subscriptions.service.js';
import { allOf } from './devices.resolver.js';
import { DeviceEventsArgs } from './dto/device.args.js';
import { DeviceEventModel } from './models/device-event.model.js';

/** `deviceEvents`: devices connecting, disconnecting and changing metadata, live. */
@Resolver(() => DeviceEventModel)
@UseFilters(GraphQLErrorFilter)
export class DeviceEventsResolver {
  constructor(
    private readonly subscriptions: DeviceEventSubscriptions,
    private readonly auth: AuthService,
  ) {}

  @Subscription(() => DeviceEventModel, {
    description:
      'Events of the given devices (or of every device the caller may read), from now on.',
    resolve: eventOrError,
  })
  deviceEvents(
    @Args() { ids }: DeviceEventsArgs,
    @CurrentPrincipal() who: Principal,
  ): AsyncIterableIterator<DeviceEventModel | StreamerError> {
    if (ids != null) {
      this.auth.require(who, 'read', ids.map(allOf), 'graphql-ws');
      const wanted = new Set(ids);
      return this.subscriptions.open((id) => wanted.has(id));
    }
    return this.subscriptions.open((id) => who.canRead(allOf(id)));
  }
}
