import { Controller, Get } from '@nestjs/common';

/** What `GET /` answers: where everything is. Paths are relative to the server's own origin. */
export const SERVICE_INDEX = {
  name: 'redis-streamer',
  description:
    'Push and pull binary data through Redis Streams over WebSockets and HTTP; GraphQL for metadata and live subscriptions.',
  links: {
    graphql: '/graphql',
    docs: '/docs',
    openapi: '/docs-json',
    healthz: '/healthz',
    readyz: '/readyz',
    metrics: '/metrics',
    console: '/console',
  },
  data: {
    push: 'ws://{host}/data/{sid}/push',
    pull: 'ws://{host}/data/{sid}/pull',
    http: '/data/{sid}',
    mjpeg: '/data/{sid}/mjpeg',
  },
} as const;

/** `GET /`: a JSON index of the service's endpoints. */
@Controller()
export class IndexController {
  @Get()
  index(): typeof SERVICE_INDEX {
    return SERVICE_INDEX;
  }
}
