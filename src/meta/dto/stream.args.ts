import { ArgsType, Field } from '@nestjs/graphql';
import { JSONScalar } from '../json.scalar.js';

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
  sids?: string[] | null;
}

@ArgsType()
export class SidArgs {
  @Field(() => String)
  sid: string;
}

@ArgsType()
export class StreamMetaArgs {
  @Field(() => String)
  sid: string;

  @Field(() => JSONScalar, { description: 'A JSON object.' })
  meta: unknown;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Shallow-merge into the existing metadata instead of replacing it.',
  })
  update: boolean;
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
