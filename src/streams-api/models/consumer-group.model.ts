import { Field, Float, ObjectType } from '@nestjs/graphql';

/** One consumer of a consumer group (`XINFO CONSUMERS`). */
@ObjectType('GroupConsumer', { description: 'One consumer of a consumer group.' })
export class GroupConsumerModel {
  @Field(() => String)
  name: string;

  @Field(() => Float, { description: 'Entries delivered to it and not acknowledged yet.' })
  pending: number;

  @Field(() => Float, { description: 'Milliseconds since it last read or claimed.' })
  idleMs: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Milliseconds since it last read successfully (null when Redis does not say).',
  })
  inactiveMs: number | null;
}

/** One consumer group of a stream (`XINFO GROUPS`). */
@ObjectType('ConsumerGroup', { description: 'A consumer group of a stream and its consumers.' })
export class ConsumerGroupModel {
  @Field(() => String)
  name: string;

  @Field(() => Float, {
    description: 'Entries delivered and not acknowledged yet (all consumers).',
  })
  pending: number;

  @Field(() => String, { description: 'Id of the last entry delivered to the group.' })
  lastDeliveredId: string;

  @Field(() => Float, {
    nullable: true,
    description: 'Entries delivered to the group so far (null when Redis cannot tell).',
  })
  entriesRead: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Entries not delivered to the group yet (null when Redis cannot tell).',
  })
  lag: number | null;

  @Field(() => [GroupConsumerModel])
  consumers: GroupConsumerModel[];
}
