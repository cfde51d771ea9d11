import { ArgsType, Field } from '@nestjs/graphql';
import { ArrayMaxSize, IsOptional } from 'class-validator';
import { JSONScalar } from '../../graphql/json.scalar.js';
import { IsJsonObject } from '../../common/validation.js';
import { DEFAULT_DEVICE, IsDeviceId } from '../device-id.js';
import { IsSid } from '../../streams/ids/validators.js';

/** Most device ids in one `devices(ids)` or `deviceEvents(ids)`. */
const MAX_DEVICE_IDS = 1000;

/**
 * Arguments of the device API, named as the original's clients name them; where its README and
 * its code disagree (`include_all`, `deviceId`, `device_id`), both spellings are taken.
 */

@ArgsType()
export class DevicesArgs {
  @Field(() => [String], {
    nullable: true,
    description: 'These devices (known or not); else the connected ones, or with includeAll all.',
  })
  @IsOptional()
  @ArrayMaxSize(MAX_DEVICE_IDS, { message: `at most ${MAX_DEVICE_IDS} device ids` })
  @IsDeviceId({ each: true })
  ids?: string[] | null;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Every device ever seen, connected or not.',
  })
  includeAll: boolean;

  @Field(() => Boolean, { nullable: true, description: 'The same as includeAll.' })
  @IsOptional()
  include_all?: boolean | null;
}

@ArgsType()
export class DeviceArgs {
  @Field(() => String, { defaultValue: DEFAULT_DEVICE })
  @IsDeviceId()
  id: string;
}

/** A device named by `id` (or, as the original's code calls it, `deviceId`). */
@ArgsType()
export class DeviceIdArgs {
  @Field(() => String, { nullable: true, description: 'The device id.' })
  @IsOptional()
  @IsDeviceId()
  id?: string | null;

  @Field(() => String, { nullable: true, description: 'The same as id.' })
  @IsOptional()
  @IsDeviceId()
  deviceId?: string | null;
}

@ArgsType()
export class ConnectDeviceArgs extends DeviceIdArgs {
  @Field(() => JSONScalar, {
    nullable: true,
    description: "A JSON object: the device's metadata (replaced); unchanged when omitted.",
  })
  @IsOptional()
  @IsJsonObject()
  meta?: Record<string, unknown> | null;
}

@ArgsType()
export class DeviceMetaArgs extends DeviceIdArgs {
  @Field(() => JSONScalar, { description: "A JSON object: the device's metadata (replaced)." })
  @IsJsonObject()
  meta: Record<string, unknown>;
}

/** `streamIds` and `streams` of a device; `device_id` (the original README's form) names another. */
@ArgsType()
export class DeviceStreamsArgs {
  @Field(() => String, {
    nullable: true,
    description: "That device's streams instead of this one's.",
  })
  @IsOptional()
  @IsDeviceId()
  device_id?: string | null;
}

@ArgsType()
export class DeviceStreamArgs {
  @Field(() => String, { nullable: true, description: 'The stream id under the device.' })
  @IsOptional()
  @IsSid()
  sid?: string | null;

  @Field(() => String, { nullable: true, description: 'The same as sid.' })
  @IsOptional()
  @IsSid()
  streamId?: string | null;
}

@ArgsType()
export class DeviceEventsArgs {
  @Field(() => [String], {
    nullable: true,
    description: 'Only events of these devices; every device the caller may read when omitted.',
  })
  @IsOptional()
  @ArrayMaxSize(MAX_DEVICE_IDS, { message: `at most ${MAX_DEVICE_IDS} device ids` })
  @IsDeviceId({ each: true })
  ids?: string[] | null;
}
