#!/usr/bin/env node
/**
 * The command-line client, the TypeScript successor of the original's `tests/api.py`, with the
 * same commands and flags: push_increment, pull_raw, push_image, pull_image, ls; `record` and
 * `replay` (MCAP files); and `token`, which mints a JWT for a server with AUTH_JWT_SECRET.
 *
 *   npm run client -- push_increment counter --max_value 100
 *   redis-streamer pull_image blah --latest --duration 10
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TTL, mintToken } from './auth.js';
import { DEFAULT_URL } from './urls.js';
import {
  CommonOptions,
  listCommand,
  pullImage,
  pullRaw,
  pushImage,
  pushIncrement,
  PullOptions,
} from './cli/commands.js';
import { parseShape } from './cli/images.js';
import { recordCommand, replayCommand } from './cli/recording.js';

type Raw = Record<string, unknown>;

function integer(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new InvalidArgumentError(`must be an integer >= ${min}`);
    }
    return Number(value);
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) {
    throw new InvalidArgumentError('must be a number > 0');
  }
  return n;
}

/**
 * Adds `--snake_name` (the original's spelling) and a hidden `--dashed-name` alias; `pick` reads
 * whichever was given.
 */
function option(
  cmd: Command,
  name: string,
  arg: string,
  description: string,
  parse?: (v: string) => unknown,
): Command {
  const main = new Option(`--${name}${arg ? ` <${arg}>` : ''}`, description);
  if (parse) main.argParser(parse);
  cmd.addOption(main);
  if (name.includes('_')) {
    const alias = new Option(`--${name.replace(/_/g, '-')}${arg ? ` <${arg}>` : ''}`).hideHelp();
    if (parse) alias.argParser(parse);
    cmd.addOption(alias);
  }
  return cmd;
}

function pick<T>(opts: Raw, name: string): T | undefined {
  const camel = name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return (opts[name] ?? opts[camel]) as T | undefined;
}

function withLimits(cmd: Command, unit: string): Command {
  option(cmd, 'limit', 'n', `stop after this many ${unit}`, integer(1));
  option(cmd, 'duration', 'seconds', 'stop after this many seconds', positive);
  return cmd;
}

function withPull(cmd: Command): Command {
  option(
    cmd,
    'last_entry_id',
    'id',
    'start after this id: $ (default, only new entries), 0 (from the beginning) or an entry id',
  );
  option(cmd, 'count', 'n', 'most entries per batch', integer(1));
  option(cmd, 'latest', '', 'only the newest entry; skip what we cannot keep up with');
  option(cmd, 'max_fps', 'n', 'at most this many batches a second', positive);
  return cmd;
}

const SPAN_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A span: seconds (`30`, `1.5`) or with a unit (`500ms`, `30s`, `5m`, `1h`), in ms. */
function span(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (SPAN_UNIT_MS[match[2] ?? 's'] ?? 0) : 0;
  if (!(ms > 0)) throw new InvalidArgumentError('must be a time span such as 30s, 5m, 1h or 500ms');
  return ms;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function connection(cmd: Command): { url: string; token?: string } {
  const globals = cmd.optsWithGlobals<Raw>();
  const token =
    typeof globals.token === 'string' && globals.token !== '' ? globals.token : undefined;
  return { url: String(globals.url ?? DEFAULT_URL), token };
}

function common(cmd: Command, opts: Raw): CommonOptions {
  const globals = cmd.optsWithGlobals<Raw>();
  return {
    ...connection(cmd),
    tty: Boolean(process.stderr.isTTY) && !globals.plain,
    limit: pick<number>(opts, 'limit'),
    durationSeconds: pick<number>(opts, 'duration'),
  };
}

function pullOptions(cmd: Command, opts: Raw): PullOptions {
  return {
    ...common(cmd, opts),
    lastEntryId: pick<string>(opts, 'last_entry_id'),
    count: pick<number>(opts, 'count'),
    latest: pick<boolean>(opts, 'latest') === true,
    maxFps: pick<number>(opts, 'max_fps'),
  };
}

function buildProgram(): Command {
  const program = new Command('redis-streamer')
    .description('Push and pull data through a redis-streamer server (WebSocket, HTTP, GraphQL).')
    .option('--url <url>', 'server base URL', DEFAULT_URL)
    .addOption(
      new Option('--token <jwt>', 'access token, sent as Authorization: Bearer').env('RS_TOKEN'),
    )
    .option('--plain', 'plain progress lines even on a terminal')
    .showHelpAfterError();

  const increment = program
    .command('push_increment')
    .argument('<sid>', 'stream id')
    .description('push 0, 1, 2, … as text entries');
  option(increment, 'max_value', 'n', 'push 0 … n-1, then stop', integer(0));
  option(increment, 'fps', 'n', 'entries per second (default: as fast as possible)', positive);
  option(increment, 'ack', '', 'wait for each entry id from the server');
  withLimits(increment, 'entries').action(async (sid: string, opts: Raw, cmd: Command) => {
    await pushIncrement(sid, {
      ...common(cmd, opts),
      maxValue: pick<number>(opts, 'max_value'),
      fps: pick<number>(opts, 'fps'),
      ack: pick<boolean>(opts, 'ack') === true,
    });
  });

  const raw = program
    .command('pull_raw')
    .argument('<sid>', 'stream id (several joined by +)')
    .description('print every entry as "sid: id | data"');
  withLimits(withPull(raw), 'entries').action(async (sid: string, opts: Raw, cmd: Command) => {
    await pullRaw(sid, pullOptions(cmd, opts));
  });

  const image = program
    .command('push_image')
    .argument('<sid>', 'stream id')
    .description('push random-noise JPEG images');
  option(
    image,
    'shape',
    'shape',
    '[height,width,3] (RGB) or [height,width] (greyscale)',
    parseShape,
  );
  option(image, 'fps', 'n', 'frames per second (default 30)', positive);
  option(image, 'quality', 'q', 'JPEG quality 1-100 (default 80)', integer(1));
  option(
    image,
    'pool',
    'n',
    'distinct noise frames encoded up front, then cycled (default 8)',
    integer(1),
  );
  option(image, 'ack', '', 'wait for each entry id from the server');
  withLimits(image, 'frames').action(async (sid: string, opts: Raw, cmd: Command) => {
    await pushImage(sid, {
      ...common(cmd, opts),
      shape: pick<ReturnType<typeof parseShape>>(opts, 'shape') ?? [100, 100, 3],
      fps: pick<number>(opts, 'fps') ?? 30,
      quality: Math.min(100, pick<number>(opts, 'quality') ?? 80),
      pool: pick<number>(opts, 'pool') ?? 8,
      ack: pick<boolean>(opts, 'ack') === true,
    });
  });

  const pull = program
    .command('pull_image')
    .argument('<sid>', 'stream id (several joined by +)')
    .description('decode JPEG entries, show their size and the frame rate');
  option(pull, 'out', 'dir', 'write every frame to this directory');
  withLimits(withPull(pull), 'frames').action(async (sid: string, opts: Raw, cmd: Command) => {
    await pullImage(sid, { ...pullOptions(cmd, opts), out: pick<string>(opts, 'out') });
  });

  program
    .command('ls')
    .description('list the streams (GraphQL)')
    .action(async (_opts: Raw, cmd: Command) => {
      await listCommand(connection(cmd));
    });

  program
    .command('record')
    .argument('<sid...>', 'stream ids to record (one MCAP channel each)')
    .description('write a time window of streams to an MCAP file (server export)')
    .option(
      '--start <when>',
      'first entry: entry id, epoch ms, ISO-8601 time or now-30s (default: the oldest)',
    )
    .option('--end <when>', 'last entry: the same forms (default: the newest now)')
    .option(
      '--duration <span>',
      'record live from now for this long (30s, 5m); Ctrl-C ends early',
      span,
    )
    .option('-o, --out <file>', 'file to write (default: the name the server suggests)')
    .option('--compression <kind>', 'chunk compression: zstd (default) or none')
    .action(async (sids: string[], opts: Raw, cmd: Command) => {
      const globals = cmd.optsWithGlobals<Raw>();
      if (opts.duration !== undefined && opts.end !== undefined) {
        throw new InvalidArgumentError('give --end or --duration, not both');
      }
      await recordCommand(sids, {
        ...connection(cmd),
        tty: Boolean(process.stderr.isTTY) && !globals.plain,
        start: opts.start as string | undefined,
        end: opts.end as string | undefined,
        durationMs: opts.duration as number | undefined,
        out: opts.out as string | undefined,
        compression: opts.compression as 'zstd' | 'none' | undefined,
      });
    });

  const replay = program
    .command('replay')
    .argument('<file>', 'an MCAP file (from record, or any MCAP writer)')
    .description("append a file's messages to their streams at the recorded pace (server import)");
  option(replay, 'speed', 'x', 'pace: 1 = as recorded (default), 2 = twice as fast', positive);
  option(replay, 'as_fast_as_possible', '', 'do not pace');
  option(replay, 'loop', '', 'replay again and again until Ctrl-C (or --limit rounds)');
  option(replay, 'limit', 'n', 'with --loop: at most this many rounds', integer(1));
  option(replay, 'prefix', 'text', "prepended to each channel's topic to name its stream");
  option(
    replay,
    'ids',
    'keep|new',
    'keep: the recorded entry ids where the streams allow; new (default)',
  );
  replay.action(async (file: string, opts: Raw, cmd: Command) => {
    const ids = pick<string>(opts, 'ids');
    if (ids !== undefined && ids !== 'keep' && ids !== 'new') {
      throw new InvalidArgumentError('--ids must be keep or new');
    }
    await replayCommand(file, {
      ...connection(cmd),
      speed: pick<boolean>(opts, 'as_fast_as_possible') ? null : (pick<number>(opts, 'speed') ?? 1),
      loop: pick<boolean>(opts, 'loop') === true,
      limit: pick<number>(opts, 'limit'),
      prefix: pick<string>(opts, 'prefix'),
      ids,
    });
  });

  program
    .command('token')
    .description('print an HS256 JWT signed with AUTH_JWT_SECRET (from the environment)')
    .requiredOption('--sub <subject>', 'who the token is for (claim sub)')
    .option('--read <pattern>', 'sid glob it may pull and subscribe to (repeatable)', collect)
    .option(
      '--write <pattern>',
      'sid glob it may push to and set metadata of (repeatable)',
      collect,
    )
    .option('--admin', 'everything, including deleteStream')
    .option('--ttl <span>', 'lifetime: seconds, or 30m, 1h, 7d', DEFAULT_TTL)
    .action(async (opts: Raw) => {
      const secret = process.env.AUTH_JWT_SECRET;
      if (!secret) throw new Error("set AUTH_JWT_SECRET to the server's secret to mint a token");
      const token = await mintToken(secret, {
        sub: String(opts.sub),
        read: opts.read as string[] | undefined,
        write: opts.write as string[] | undefined,
        admin: opts.admin === true,
        ttl: String(opts.ttl),
      });
      process.stdout.write(`${token}\n`);
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
    // Keep-alive HTTP sockets would hold the process open for a few more seconds.
    process.exit(0);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

void main();
