import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import {
  EntryTimeArgs,
  SidArgs,
  SidsArgs,
  StreamMetaArgs,
  StreamsArgs,
} from './dto/stream.args.js';
import { GraphQLErrorFilter } from './graphql-errors.js';
import { StreamModel } from './models/stream.model.js';
import { StreamMetaService } from './stream-meta.service.js';
import { formatEntryTime } from './strftime.js';

/** Queries and mutations on streams and their metadata (SPEC "GraphQL"). */
@Resolver(() => StreamModel)
@UseFilters(GraphQLErrorFilter)
export class StreamsResolver {
  constructor(private readonly service: StreamMetaService) {}

  @Query(() => [String], { description: 'Every stream id, sorted.' })
  sids(@Args() { searchMeta }: SidsArgs): Promise<string[]> {
    return this.service.listSids(searchMeta);
  }

  @Query(() => [StreamModel], { description: 'XINFO STREAM and metadata of several streams.' })
  streams(@Args() { sids }: StreamsArgs): Promise<StreamModel[]> {
    return this.service.streams(sids);
  }

  @Query(() => StreamModel, { description: 'XINFO STREAM and metadata of one stream.' })
  stream(@Args() { sid }: SidArgs): Promise<StreamModel> {
    return this.service.stream(sid);
  }

  @Mutation(() => Boolean, { description: "Sets (or merges into) a stream's metadata." })
  streamMeta(@Args() { sid, meta, update }: StreamMetaArgs): Promise<boolean> {
    return this.service.setMeta(sid, meta, update);
  }

  @Mutation(() => Boolean, {
    description: 'Deletes the stream and its metadata; false when neither existed.',
  })
  deleteStream(@Args() { sid }: SidArgs): Promise<boolean> {
    return this.service.deleteStream(sid);
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'Time of first-entry: ISO-8601 UTC, or `format` (strftime) applied in UTC.',
  })
  firstEntryTime(@Parent() stream: StreamModel, @Args() { format }: EntryTimeArgs): string | null {
    return stream.firstEntryMillis === null
      ? null
      : formatEntryTime(stream.firstEntryMillis, format);
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'Time of last-entry: ISO-8601 UTC, or `format` (strftime) applied in UTC.',
  })
  lastEntryTime(@Parent() stream: StreamModel, @Args() { format }: EntryTimeArgs): string | null {
    return stream.lastEntryMillis === null ? null : formatEntryTime(stream.lastEntryMillis, format);
  }
}
