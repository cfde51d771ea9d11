import { Command } from 'commander';
import { Pusher } from '../../pusher.js';
import {
  common,
  CommonOptions,
  integer,
  option,
  pick,
  positive,
  Raw,
  withLimits,
} from '../options.js';
import { Progress } from '../progress.js';
import { RunControl } from '../run-control.js';

interface PushIncrementOptions extends CommonOptions {
  maxValue?: number;
  fps?: number;
  ack?: boolean;
}

export function registerPushIncrement(program: Command): void {
  const cmd = program
    .command('push_increment')
    .argument('<sid>', 'stream id')
    .description('push 0, 1, 2, … as text entries');
  option(cmd, 'max_value', 'n', 'push 0 … n-1, then stop', integer(0));
  option(cmd, 'fps', 'n', 'entries per second (default: as fast as possible)', positive);
  option(cmd, 'ack', '', 'wait for each entry id from the server');
  withLimits(cmd, 'entries').action(async (sid: string, opts: Raw, self: Command) => {
    await pushIncrement(sid, {
      ...common(self, opts),
      maxValue: pick<number>(opts, 'max_value'),
      fps: pick<number>(opts, 'fps'),
      ack: pick<boolean>(opts, 'ack') === true,
    });
  });
}

/** `push_increment SID`: pushes `0`, `1`, `2`, … as text, up to `maxValue` entries (like `range`). */
async function pushIncrement(sid: string, o: PushIncrementOptions): Promise<void> {
  const total = minDefined(o.maxValue, o.limit);
  const progress = new Progress({
    label: `push_increment ${sid}`,
    unit: 'entries',
    total,
    tty: o.tty,
  });
  const run = new RunControl(o);
  const pusher = await Pusher.connect(sid, { url: o.url, token: o.token, ack: o.ack });
  try {
    for (let i = 0; (o.maxValue === undefined || i < o.maxValue) && !run.finished(i); i++) {
      const text = String(i);
      const id = await pusher.send(text);
      progress.add(1, text.length, `last ${text}${id ? ` (${id})` : ''}`);
      await run.pace(o.fps, i + 1);
    }
    await pusher.close();
  } finally {
    run.dispose();
    process.stderr.write(`${progress.stop()}\n`);
  }
}

function minDefined(...values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}
