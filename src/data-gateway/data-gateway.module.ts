import { Module } from '@nestjs/common';
import { StreamsModule } from '../streams/streams.module.js';
import { DataHttpController } from './http/data-http.controller.js';
import { DataHttpService } from './http/data-http.service.js';
import { PullGateway } from './pull.gateway.js';
import { PushGateway } from './push.gateway.js';

/** The data path: WebSocket push/pull gateways (on `DataWsAdapter`) and the HTTP data endpoints. */
@Module({
  imports: [StreamsModule],
  controllers: [DataHttpController],
  providers: [PushGateway, PullGateway, DataHttpService],
})
export class DataGatewayModule {}
