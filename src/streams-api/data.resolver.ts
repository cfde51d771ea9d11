import { UseFilters } from '@nestjs/common';
import { Args, Resolver, Subscription } from '@nestjs/graphql';
import { Authorize } from '../auth/authorize.decorator.js';
import { StreamerError } from '../common/errors.js';
import { DataSubscriptions } from './data-subscriptions.service.js';
import { DataArgs } from './dto/data.args.js';
import { eventOrError, GraphQLErrorFilter } from '../graphql/graphql-errors.js';
import { DataEventModel } from './models/data-event.model.js';

/** The `data` subscription: entries of streams, live (over graphql-ws at /graphql). */
@Resolver(() => DataEventModel)
@UseFilters(GraphQLErrorFilter)
export class DataResolver {
  constructor(private readonly subscriptions: DataSubscriptions) {}

  @Subscription(() => DataEventModel, {
    name: 'data',
    description: 'One event per entry of the given streams, from `lastEntryId` on.',
    resolve: eventOrError,
  })
  @Authorize('read', ({ sids }: DataArgs) => sids)
  data(@Args() args: DataArgs): AsyncIterableIterator<DataEventModel | StreamerError> {
    return this.subscriptions.open(args);
  }
}
