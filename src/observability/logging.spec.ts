import type { LoggerService } from '@nestjs/common';
import { ServiceLogger, startupBanner } from './logging.js';

class Lines implements LoggerService {
  readonly lines: [string, unknown][] = [];
  log(message: unknown) {
    this.lines.push(['log', message]);
  }
  debug(message: unknown) {
    this.lines.push(['debug', message]);
  }
  error(message: unknown) {
    this.lines.push(['error', message]);
  }
  warn(message: unknown) {
    this.lines.push(['warn', message]);
  }
}

describe('ServiceLogger', () => {
  it("logs the framework's start-up lines at debug and the service's own at info", () => {
    const json = new Lines();
    const logger = new ServiceLogger(json);
    logger.log('Mapped {/data/:sid, GET} route', 'RouterExplorer');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('redis-streamer listening on http://127.0.0.1:8000', 'Bootstrap');
    logger.warn('authentication is off', 'AuthService');
    expect(json.lines).toEqual([
      ['debug', 'Mapped {/data/:sid, GET} route'],
      ['debug', 'AppModule dependencies initialized'],
      ['log', 'redis-streamer listening on http://127.0.0.1:8000'],
      ['warn', 'authentication is off'],
    ]);
  });
});

describe('startupBanner', () => {
  it('names the pages to open, on localhost when listening on every address', () => {
    const banner = startupBanner('0.0.0.0', 8000);
    expect(banner).toContain('web console    http://localhost:8000/console');
    expect(banner).toContain('GraphiQL       http://localhost:8000/graphiql');
    expect(banner).toContain('HTTP API docs  http://localhost:8000/docs');
  });

  it('names the loopback address it listens on', () => {
    expect(startupBanner('127.0.0.1', 9000)).toContain('http://127.0.0.1:9000/console');
  });
});
