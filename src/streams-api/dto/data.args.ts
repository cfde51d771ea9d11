import { ArgsType, Field } from '@nestjs/graphql';
import { ArrayNotEmpty } from 'class-validator';
import { IsCursorList, IsSidList } from '../../streams/ids/validators.js';

@ArgsType()
export class DataArgs {
  @Field(() => [String], { description: 'The streams to follow.' })
  @ArrayNotEmpty({ message: 'sids must name at least one stream' })
  @IsSidList()
  sids: string[];

  @Field(() => String, {
    defaultValue: '$',
    description:
      'Start after this id: "$" = only new entries, "0" = from the beginning, or an entry id; ' +
      'one per sid may be joined with "+".',
  })
  @IsCursorList()
  lastEntryId: string;

  @Field(() => Boolean, {
    defaultValue: false,
    description:
      'Deliver only the newest entry of each stream, skipping what the client is too slow for.',
  })
  latest: boolean;
}
