import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { IndexController } from './index.controller.js';
import { NotFoundFilter } from './not-found.filter.js';

/** The service's front door: the JSON index at `/`, and the SPEC's error shape for every 404. */
@Module({
  controllers: [IndexController],
  providers: [{ provide: APP_FILTER, useClass: NotFoundFilter }],
})
export class SiteModule {}
