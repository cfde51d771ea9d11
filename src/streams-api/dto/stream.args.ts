import { ArgsType, Field } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { IsJsonObject } from '../../common/validation.js';
import { IsDeviceId } from '../../devices/device-id.js';
import { IsGroupName, IsSid } from '../../streams/ids/validators.js';
import { JSONScalar } from '../../graphql/json.scalar.js';

/**
 * Arguments of the queries and mutations, validated by the global pipe (class-validator). Limits
 * that depend on configuration (MAX_SIDS_PER_REQUEST) are checked by `StreamMetaService`.
 */

@ArgsType()
export class SidsArgs {
  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Also list sids that have metadata but no stream yet.',
  })
  searchMeta: boolean;
}

@ArgsType()
export class StreamsArgs {
  @Field(() => [String], {
    nullable: true,
    description: 'The streams to describe; every stream and metadata-only sid when omitted.',
  })
  @IsOptional()
  @IsSid({ each: true })
  sids?: string[] | null;
}

@ArgsType()
export class SidArgs {
  @Field(() => String)
  @IsSid()
  sid: string;
}

/** The metadata to set, and how. */
@ArgsType()
class MetaValueArgs {
  @Field(() => JSONScalar, { description: 'A JSON object.' })
  @IsJsonObject()
  meta: Record<string, unknown>;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Shallow-merge into the existing metadata instead of replacing it.',
  })
  update: boolean;
}

@ArgsType()
export class StreamMetaArgs extends MetaValueArgs {
  @Field(() => String)
  @IsSid()
  sid: string;
}

/**
 * `updateStreamMeta`, `streamMeta` under the name the original's clients also call: the stream is `sid`, or
 * `streamId` (with `deviceId`: `<deviceId>:<streamId>`, that device's stream).
 */
@ArgsType()
export class UpdateStreamMetaArgs extends MetaValueArgs {
  @Field(() => String, { nullable: true, description: 'The stream id (Redis key).' })
  @IsOptional()
  @IsSid()
  sid?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The stream id, or with `deviceId` its id under that device.',
  })
  @IsOptional()
  @IsSid()
  streamId?: string | null;

  @Field(() => String, { nullable: true, description: 'The device whose stream `streamId` is.' })
  @IsOptional()
  @IsDeviceId()
  deviceId?: string | null;
}

@ArgsType()
export class EntryTimeArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'A strftime pattern (e.g. "%Y-%m-%d %H:%M:%S"), applied in UTC; ISO-8601 when omitted.',
  })
  format?: string | null;
}

@ArgsType()
export class GroupArgs {
  @Field(() => String)
  @IsSid()
  sid: string;

  @Field(() => String, { description: 'The consumer group.' })
  @IsGroupName()
  group: string;
}
