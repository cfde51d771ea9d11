import { Command, InvalidArgumentError } from 'commander';
import { createReadStream } from 'node:fs';
import { importMcap, ImportSummary } from '../../mcap.js';
import { connection, integer, option, pick, positive, Raw } from '../options.js';
import { RunControl } from '../run-control.js';

export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .argument('<file>', 'an MCAP file (from record, or any MCAP writer)')
    .description("append a file's messages to their streams at the recorded pace (server import)");
  option(cmd, 'speed', 'x', 'pace: 1 = as recorded (default), 2 = twice as fast', positive);
  option(cmd, 'as_fast_as_possible', '', 'do not pace');
  option(cmd, 'loop', '', 'replay again and again until Ctrl-C (or --limit rounds)');
  option(cmd, 'limit', 'n', 'with --loop: at most this many rounds', integer(1));
  option(cmd, 'prefix', 'text', "prepended to each channel's topic to name its stream");
  option(
    cmd,
    'ids',
    'keep|new',
    'keep: the recorded entry ids where the streams allow; new (default)',
  );
  cmd.action(async (file: string, opts: Raw, self: Command) => {
    const ids = pick<string>(opts, 'ids');
    if (ids !== undefined && ids !== 'keep' && ids !== 'new') {
      throw new InvalidArgumentError('--ids must be keep or new');
    }
    await replayCommand(file, {
      ...connection(self),
      speed: pick<boolean>(opts, 'as_fast_as_possible') ? null : (pick<number>(opts, 'speed') ?? 1),
      loop: pick<boolean>(opts, 'loop') === true,
      limit: pick<number>(opts, 'limit'),
      prefix: pick<string>(opts, 'prefix'),
      ids,
    });
  });
}

interface ReplayOptions {
  url: string;
  token?: string;
  /** Pace by the recorded timing at this speed; null: as fast as possible. */
  speed: number | null;
  loop: boolean;
  /** Most rounds with `loop`. */
  limit?: number;
  prefix?: string;
  ids?: 'keep' | 'new';
}

/**
 * `replay file.mcap [--speed 2] [--loop]`: sends the file to the server's import, which appends
 * its messages to their streams at the recorded pace (times `speed`). `--loop` replays it again
 * and again until Ctrl-C (or `--limit` rounds). Prints what each round wrote.
 */
async function replayCommand(file: string, o: ReplayOptions): Promise<void> {
  const run = new RunControl({ limit: o.limit });
  try {
    for (let round = 1; ; round++) {
      let summary: ImportSummary;
      try {
        summary = await importMcap(createReadStream(file), {
          url: o.url,
          token: o.token,
          prefix: o.prefix,
          speed: o.speed ?? undefined,
          ids: o.ids,
          signal: run.signal,
        });
      } catch (err) {
        if (run.signal.aborted) break;
        throw err;
      }
      process.stdout.write(`${describe(file, round, summary)}\n`);
      if (!o.loop || run.finished(round)) break;
    }
  } finally {
    run.dispose();
  }
}

function describe(file: string, round: number, summary: ImportSummary): string {
  const streams = summary.streams
    .map((s) => `${s.sid}: ${s.written}${s.newIds > 0 ? ` (${s.newIds} with new ids)` : ''}`)
    .join(', ');
  return `replay ${file} #${round}: ${summary.messages} messages${streams ? ` → ${streams}` : ''}`;
}
