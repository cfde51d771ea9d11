import { Field, ObjectType } from '@nestjs/graphql';
import { JSONScalar } from '../../graphql/json.scalar.js';

/** One entry of the device event streams, as the `deviceEvents` subscription delivers it. */
@ObjectType('DeviceEvent', { description: 'A device connected, disconnected or got new metadata.' })
export class DeviceEventModel {
  @Field(() => String, { description: '`device.connected` or `device.meta`.' })
  readonly event: string;

  @Field(() => String, { description: 'The device id.' })
  readonly deviceId: string;

  @Field(() => String, { description: 'The event entry id (`<ms>-<seq>`).' })
  readonly time: string;

  @Field(() => Boolean, {
    nullable: true,
    description: 'device.connected: whether it is connected now; null for device.meta.',
  })
  readonly connected: boolean | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'The metadata it carries (device.meta, and connectDevice with meta); else null.',
  })
  readonly meta: Record<string, unknown> | null;

  constructor(fields: {
    event: string;
    deviceId: string;
    time: string;
    connected: boolean | null;
    meta: Record<string, unknown> | null;
  }) {
    this.event = fields.event;
    this.deviceId = fields.deviceId;
    this.time = fields.time;
    this.connected = fields.connected;
    this.meta = fields.meta;
  }
}
