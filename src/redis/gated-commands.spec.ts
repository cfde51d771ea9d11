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
    expect(gatedCommands(channel, { enabled: false, tight: false, wait: () => null })).toBe(
      channel,
    );
  });

  it('holds commands while the gate is shut and sends them, in order, once it opens', async () => {
    let open: () => void = () => undefined;
    let shut = true;
    const gate = {
      enabled: true,
      get tight() {
        return shut;
      },
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

  it('sends one command at a time while memory is tight', async () => {
    const replies: (() => void)[] = [];
    const slow = {
      send: (_key: string | undefined, args: string[]) => {
        sent.push(args);
        return new Promise<string>((resolve) => replies.push(() => resolve('OK')));
      },
    } as unknown as RedisCommands;
    let tight = true;
    const gated = gatedCommands(slow, {
      enabled: true,
      get tight() {
        return tight;
      },
      wait: () => null,
    });
    const a = gated.send('a', ['XRANGE', 'a']);
    const b = gated.send('b', ['XRANGE', 'b']);
    const c = gated.send('c', ['XRANGE', 'c']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([['XRANGE', 'a']]);
    replies[0]();
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(2);
    tight = false; // relieved: whatever waits goes at once
    replies[1]();
    await b;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(3);
    replies[2]();
    await c;
  });
});
