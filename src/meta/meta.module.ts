import { Module } from '@nestjs/common';

/** GraphQL API: stream metadata, XINFO and live subscriptions. */
@Module({})
export class MetaModule {}
