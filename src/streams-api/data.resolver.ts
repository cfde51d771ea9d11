import { UseFilters } from '@nestjs/common';
import { Args, Resolver, Subscription } from '@nestjs/graphql';
import { AuthService } from '../auth/auth.service.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { StreamerError } from '../common/errors.js';
import { DataSubscriptions } from './data-subscriptions.service.js';
import { DataArgs } from './dto/data.args.js';
import { eventOrError, GraphQLErrorFilter } from '../graphql/graphql-errors.js';
import { DataEventModel } from './models/data-event.model.js';

/** The `data` subscription: entries of streams, live (over graphql-ws at /graphql). */
@Resolver(() => DataEventModel)
@UseFilters(GraphQLErrorFilter)
export class DataResolver {
  constructor(
    private readonly subscriptions: DataSubscriptions,
    private readonly auth: AuthService,
  ) {}

  @Subscription(() => DataEventModel, {
    name: 'data',
    description: 'One event per entry of the given streams, from `lastEntryId` on.',
    resolve: eventOrError,
  })
  data(
    @Args() args: DataArgs,
    @CurrentPrincipal() who: Principal,
  ): AsyncIterableIterator<DataEventModel | StreamerError> {
    this.auth.require(who, 'read', args.sids, 'graphql-ws');
    return this.subscriptions.open(args);
  }
}
