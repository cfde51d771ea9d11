import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { readableBy } from '../auth/access-policy.js';
import { Authorize } from '../auth/authorize.decorator.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import {
  EntryTimeArgs,
  GroupArgs,
  SidArgs,
  SidsArgs,
  StreamMetaArgs,
  StreamsArgs,
  UpdateStreamMetaArgs,
} from './dto/stream.args.js';
import { GraphQLErrorFilter } from '../graphql/graphql-errors.js';
import { ConsumerGroupModel } from './models/consumer-group.model.js';
import { StreamModel } from './models/stream.model.js';
import { JSONScalar } from '../graphql/json.scalar.js';
import { payloadJson, payloadText } from './payload-text.js';
import { metaTarget, StreamMetaService } from './stream-meta.service.js';
import { formatEntryTime } from './strftime.js';

/** Queries and mutations on streams and their metadata (SPEC "GraphQL"). */
@Resolver(() => StreamModel)
@UseFilters(GraphQLErrorFilter)
export class StreamsResolver {
  constructor(private readonly service: StreamMetaService) {}

  @Query(() => [String], { description: 'Every stream id the caller may read, sorted.' })
  async sids(
    @Args() { searchMeta }: SidsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<string[]> {
    return readableBy(who, await this.service.listSids(searchMeta), (sid) => sid);
  }

  @Query(() => [StreamModel], { description: 'XINFO STREAM and metadata of several streams.' })
  @Authorize('read', ({ sids }: StreamsArgs) => sids)
  async streams(
    @Args() { sids }: StreamsArgs,
    @CurrentPrincipal() who: Principal,
  ): Promise<StreamModel[]> {
    return readableBy(who, await this.service.streams(sids), (stream) => stream.sid);
  }

  @Query(() => StreamModel, { description: 'XINFO STREAM and metadata of one stream.' })
  @Authorize('read', ({ sid }: SidArgs) => [sid])
  stream(@Args() { sid }: SidArgs): Promise<StreamModel> {
    return this.service.stream(sid);
  }

  @Mutation(() => Boolean, { description: "Sets (or merges into) a stream's metadata." })
  @Authorize('write', ({ sid }: StreamMetaArgs) => [sid])
  streamMeta(@Args() { sid, meta, update }: StreamMetaArgs): Promise<boolean> {
    return this.service.setMeta(sid, meta, update);
  }

  @Mutation(() => JSONScalar, {
    description:
      "Sets (or merges into) a stream's metadata like streamMeta, the stream named by sid or by streamId (and deviceId); answers {meta_set: true}.",
  })
  @Authorize('write', (args: UpdateStreamMetaArgs) => [metaTarget(args)])
  async updateStreamMeta(@Args() args: UpdateStreamMetaArgs): Promise<{ meta_set: boolean }> {
    return { meta_set: await this.service.setMeta(metaTarget(args), args.meta, args.update) };
  }

  @Mutation(() => Boolean, {
    description: 'Deletes the stream and its metadata; false when neither existed (admin only).',
  })
  @Authorize('admin')
  deleteStream(@Args() { sid }: SidArgs): Promise<boolean> {
    return this.service.deleteStream(sid);
  }

  @ResolveField(() => String, { description: 'The stream id: the same as `sid`.' })
  id(@Parent() stream: StreamModel): string {
    return stream.sid;
  }

  @ResolveField(() => String, { description: 'The stream id: the same as `sid`.' })
  streamId(@Parent() stream: StreamModel): string {
    return stream.sid;
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'Payload of first-entry as text; null when none or not UTF-8.',
  })
  firstEntryString(@Parent() stream: StreamModel): string | null {
    return stream.firstEntryPayload && payloadText(stream.firstEntryPayload);
  }

  @ResolveField(() => JSONScalar, {
    nullable: true,
    description: 'Payload of first-entry parsed as JSON; null when none or not JSON.',
  })
  firstEntryJson(@Parent() stream: StreamModel): unknown {
    return stream.firstEntryPayload && payloadJson(stream.firstEntryPayload);
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'Payload of last-entry as text; null when none or not UTF-8.',
  })
  lastEntryString(@Parent() stream: StreamModel): string | null {
    return stream.lastEntryPayload && payloadText(stream.lastEntryPayload);
  }

  @ResolveField(() => JSONScalar, {
    nullable: true,
    description: 'Payload of last-entry parsed as JSON; null when none or not JSON.',
  })
  lastEntryJson(@Parent() stream: StreamModel): unknown {
    return stream.lastEntryPayload && payloadJson(stream.lastEntryPayload);
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes a consumer group of the stream, with its pending entries; false when there was none (needs write).',
  })
  @Authorize('write', ({ sid }: GroupArgs) => [sid])
  deleteConsumerGroup(@Args() { sid, group }: GroupArgs): Promise<boolean> {
    return this.service.deleteConsumerGroup(sid, group);
  }

  @ResolveField(() => [ConsumerGroupModel], {
    description: 'The consumer groups (XINFO GROUPS), with pending counts and consumers.',
  })
  consumerGroups(@Parent() stream: StreamModel): Promise<ConsumerGroupModel[]> {
    return this.service.consumerGroups(stream.sid);
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
