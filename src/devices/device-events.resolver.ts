import { UseFilters } from '@nestjs/common';
import { Args, Resolver, Subscription } from '@nestjs/graphql';
import { allows } from '../auth/access-policy.js';
import { Authorize } from '../auth/authorize.decorator.js';
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
  constructor(private readonly subscriptions: DeviceEventSubscriptions) {}

  @Subscription(() => DeviceEventModel, {
    description:
      'Events of the given devices (or of every device the caller may read), from now on.',
    resolve: eventOrError,
  })
  @Authorize('read', ({ ids }: DeviceEventsArgs) => ids?.map(allOf))
  deviceEvents(
    @Args() { ids }: DeviceEventsArgs,
    @CurrentPrincipal() who: Principal,
  ): AsyncIterableIterator<DeviceEventModel | StreamerError> {
    if (ids != null) {
      const wanted = new Set(ids);
      return this.subscriptions.open((id) => wanted.has(id));
    }
    return this.subscriptions.open((id) => allows(who, 'read', allOf(id)));
  }
}
