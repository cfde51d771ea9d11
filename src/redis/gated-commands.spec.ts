import { gatedCommands } from './gated-commands.js';
import type { RedisCommands } from './redis-commands.js';

describe('gatedCommands', () => {
  const sent: string[][] = [];
  const channel = {
    send: (_key: string | undefined, args: string[]) => {
      sent.push(args);
      return Promise.resolve('OK');
    },
    ping: () => Promise.resolve(),
    onePipeline: true,
  } as unknown as RedisCommands;

  beforeEach(() => (sent.length = 0));

  it('is the channel itself when the gate never shuts (no memory limit)', () => {
    expect(gatedCommands(channel, { enabled: false, wait: () => null })).toBe(channel);
  });

  it('holds commands while the gate is shut and sends them, in order, once it opens', async () => {
    let open: () => void = () => undefined;
    let shut = true;
    const gate = {
      enabled: true,
      wait: () => (shut ? new Promise<void>((resolve) => (open = resolve)) : null),
    };
    const gated = gatedCommands(channel, gate);
    const first = gated.send('s', ['XRANGE', 's', '-', '+']);
    await Promise.resolve();
    expect(sent).toEqual([]);
    await gated.ping(); // health checks are never held
    shut = false;
    open();
    await first;
    await gated.send('s', ['XLEN', 's']);
    expect(sent).toEqual([
      ['XRANGE', 's', '-', '+'],
      ['XLEN', 's'],
    ]);
    expect(gated.onePipeline).toBe(true);
  });
});
