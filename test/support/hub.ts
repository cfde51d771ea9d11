import type { INestApplication } from '@nestjs/common';
import { HubRepository } from '../../src/streams/repositories/hub.repository.js';

/**
 * Records what each CLIENT UNBLOCK of the app's hub achieved (true: a blocked read was cut
 * short), through the real repository; `restore()` puts the original method back.
 */
export function spyOnInterrupts(app: INestApplication): { unblocked: boolean[]; restore(): void } {
  const repository = app.get(HubRepository);
  const interrupt = repository.interrupt.bind(repository);
  const unblocked: boolean[] = [];
  repository.interrupt = async (...args: Parameters<HubRepository['interrupt']>) => {
    const done = await interrupt(...args);
    unblocked.push(done);
    return done;
  };
  return { unblocked, restore: () => (repository.interrupt = interrupt) };
}

/**
 * True when `clientList` (CLIENT LIST of one Redis node) shows a hub connection of server
 * `instance` blocked in its XREAD: a stream attached now must interrupt that read.
 */
export function hubReadBlocked(clientList: string, instance: string): boolean {
  return clientList
    .split('\n')
    .some(
      (line) =>
        /name=redis-streamer:hub-\S*:/.test(line) &&
        line.includes(`:${instance} `) &&
        / flags=b /.test(line) &&
        / cmd=xread /.test(line),
    );
}
