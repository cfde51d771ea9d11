import { Field, Float, ObjectType } from '@nestjs/graphql';
import { JSONScalar } from '../../graphql/json.scalar.js';

/**
 * One stream as `XINFO STREAM` reports it, with `first-entry`/`last-entry` broken out into id,
 * data (base64 of field `d`) and time, plus the stream's metadata.
 *
 * Counters are `Float`, not `Int`: Redis counts up to 2^64 and GraphQL's Int stops at 2^31 - 1;
 * a Float holds every count below 2^53 exactly.
 */
@ObjectType('Stream', { description: 'XINFO STREAM of one key, and its metadata.' })
export class StreamModel {
  @Field(() => String, { description: 'The stream id (Redis key).' })
  sid: string;

  @Field(() => Float, { nullable: true, description: 'entries-added' })
  entriesAdded: number | null;

  @Field(() => String, { nullable: true, description: 'Id of first-entry.' })
  firstEntryId: string | null;

  @Field(() => String, { nullable: true, description: 'Payload of first-entry, base64.' })
  firstEntryData: string | null;

  @Field(() => String, { nullable: true, description: 'Id of last-entry.' })
  lastEntryId: string | null;

  @Field(() => String, { nullable: true, description: 'Payload of last-entry, base64.' })
  lastEntryData: string | null;

  @Field(() => String, { nullable: true, description: 'last-generated-id' })
  lastGeneratedId: string | null;

  @Field(() => String, { nullable: true, description: 'max-deleted-entry-id' })
  maxDeletedEntryId: string | null;

  @Field(() => Float, { nullable: true, description: 'Number of consumer groups.' })
  groups: number | null;

  @Field(() => Float, { nullable: true, description: 'Number of entries.' })
  length: number | null;

  @Field(() => Float, { nullable: true, description: 'radix-tree-keys' })
  radixTreeKeys: number | null;

  @Field(() => Float, { nullable: true, description: 'radix-tree-nodes' })
  radixTreeNodes: number | null;

  @Field(() => String, { nullable: true, description: 'recorded-first-entry-id' })
  recordedFirstEntryId: string | null;

  @Field(() => String, {
    nullable: true,
    description: "XINFO's error for this key (no such key, wrong type); null when it worked.",
  })
  error: string | null;

  @Field(() => JSONScalar, { description: 'The JSON metadata object ({} when none).' })
  meta: Record<string, unknown>;

  /** Not in the schema: the entry ids' milliseconds, for the `*EntryTime` fields. */
  firstEntryMillis: number | null;
  lastEntryMillis: number | null;
  /** Not in the schema: the payloads, for the `*EntryString` and `*EntryJson` fields. */
  firstEntryPayload: Buffer | null;
  lastEntryPayload: Buffer | null;
}
