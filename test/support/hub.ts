import type { INestApplication } from '@nestjs/common';
import { StreamRepository } from '../../src/streams/stream.repository.js';

/**
 * Records what each CLIENT UNBLOCK of the app's hub achieved (true: a blocked read was cut
 * short), through the real repository; `restore()` puts the original method back.
 */
export function spyOnInterrupts(app: INestApplication): { unblocked: boolean[]; restore(): void } {
  const repository = app.get(StreamRepository);
  const interrupt = repository.interrupt.bind(repository);
  const unblocked: boolean[] = [];
  repository.interrupt = async (...args: Parameters<StreamRepository['interrupt']>) => {
    const done = await interrupt(...args);
    unblocked.push(done);
    return done;
  };
  return { unblocked, restore: () => (repository.interrupt = interrupt) };
}
