import { Field, ObjectType } from '@nestjs/graphql';

/**
 * A device: a prefix `<id>:` of stream ids, its metadata and its presence. `meta`, `streamIds`,
 * `streams` and `stream` are resolved only when asked for (`DevicesResolver`).
 */
@ObjectType('Device', { description: 'A device: the streams `<id>:*`, its metadata and presence.' })
export class DeviceModel {
  @Field(() => String, { description: 'The device id (its streams are `<id>:<sid>`).' })
  readonly id: string;

  @Field(() => Boolean, {
    description:
      'True while a push connection for it is open on any gateway, or after connectDevice until disconnectDevice.',
  })
  readonly connected: boolean;

  /** Not in the schema as such: epoch ms for `lastSeen`. */
  readonly lastSeenMillis: number | null;

  constructor(id: string, presence: { connected: boolean; lastSeen: number | null }) {
    this.id = id;
    this.connected = presence.connected;
    this.lastSeenMillis = presence.lastSeen;
  }

  @Field(() => String, {
    nullable: true,
    description:
      'ISO-8601 UTC time a gateway last confirmed it (refreshed while connected) or a mutation touched it; null if never.',
  })
  get lastSeen(): string | null {
    return this.lastSeenMillis === null ? null : new Date(this.lastSeenMillis).toISOString();
  }
}
