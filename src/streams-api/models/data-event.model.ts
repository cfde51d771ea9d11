import { Field, ObjectType } from '@nestjs/graphql';
import { JSONScalar } from '../../graphql/json.scalar.js';
import { NOT_JSON, parsePayloadJson, payloadText } from '../payload-text.js';

/**
 * One entry delivered by the `data` subscription. `data`, `utf8` and `json` are getters, so only
 * the representations a client selects are computed.
 */
@ObjectType('DataEvent', { description: 'One stream entry delivered by the data subscription.' })
export class DataEventModel {
  @Field(() => String, { description: 'The stream id.' })
  readonly sid: string;

  @Field(() => String, { description: 'The entry id (`<ms>-<seq>`).' })
  readonly time: string;

  private parsed: unknown = undefined;

  constructor(
    sid: string,
    time: string,
    private readonly payload: Buffer,
  ) {
    this.sid = sid;
    this.time = time;
  }

  @Field(() => String, { description: 'The payload, base64.' })
  get data(): string {
    return this.payload.toString('base64');
  }

  @Field(() => String, { nullable: true, description: 'The payload as text; null if not UTF-8.' })
  get utf8(): string | null {
    return payloadText(this.payload);
  }

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'The payload parsed as JSON; null if it is not JSON.',
  })
  get json(): unknown {
    if (this.parsed === undefined) this.parsed = parsePayloadJson(this.utf8);
    return this.parsed === NOT_JSON ? null : this.parsed;
  }
}
