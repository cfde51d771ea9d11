import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_URL } from '../urls.js';
import { RunLimits } from './run-control.js';

/** Commander's parsed options, before `pick` reads them. */
export type Raw = Record<string, unknown>;

/** Options every data command takes. */
export interface CommonOptions extends RunLimits {
  url: string;
  /** Sent as `Authorization: Bearer` (from `--token` or `RS_TOKEN`). */
  token?: string;
  /** Live bar on a terminal; plain periodic lines otherwise. */
  tty: boolean;
}

export interface PullOptions extends CommonOptions {
  lastEntryId?: string;
  count?: number;
  latest?: boolean;
  maxFps?: number;
}

export function integer(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new InvalidArgumentError(`must be an integer >= ${min}`);
    }
    return Number(value);
  };
}

export function positive(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) {
    throw new InvalidArgumentError('must be a number > 0');
  }
  return n;
}

const SPAN_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A span: seconds (`30`, `1.5`) or with a unit (`500ms`, `30s`, `5m`, `1h`), in ms. */
export function span(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (SPAN_UNIT_MS[match[2] ?? 's'] ?? 0) : 0;
  if (!(ms > 0)) throw new InvalidArgumentError('must be a time span such as 30s, 5m, 1h or 500ms');
  return ms;
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Adds `--snake_name` (the original's spelling) and a hidden `--dashed-name` alias; `pick` reads
 * whichever was given.
 */
export function option(
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

export function pick<T>(opts: Raw, name: string): T | undefined {
  const camel = name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return (opts[name] ?? opts[camel]) as T | undefined;
}

/** `--limit` and `--duration`. */
export function withLimits(cmd: Command, unit: string): Command {
  option(cmd, 'limit', 'n', `stop after this many ${unit}`, integer(1));
  option(cmd, 'duration', 'seconds', 'stop after this many seconds', positive);
  return cmd;
}

/** Where a pull starts and how it is paced. */
export function withPull(cmd: Command): Command {
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

/** The server and token, from the program's global options. */
export function connection(cmd: Command): { url: string; token?: string } {
  const globals = cmd.optsWithGlobals<Raw>();
  const token =
    typeof globals.token === 'string' && globals.token !== '' ? globals.token : undefined;
  // An empty `RS_URL` counts as unset.
  return { url: String(globals.url || DEFAULT_URL), token };
}

/** Whether progress shows as a live bar (a terminal, without `--plain`). */
export function tty(cmd: Command): boolean {
  return Boolean(process.stderr.isTTY) && !cmd.optsWithGlobals<Raw>().plain;
}

export function common(cmd: Command, opts: Raw): CommonOptions {
  return {
    ...connection(cmd),
    tty: tty(cmd),
    limit: pick<number>(opts, 'limit'),
    durationSeconds: pick<number>(opts, 'duration'),
  };
}

export function pullOptions(cmd: Command, opts: Raw): PullOptions {
  return {
    ...common(cmd, opts),
    lastEntryId: pick<string>(opts, 'last_entry_id'),
    count: pick<number>(opts, 'count'),
    latest: pick<boolean>(opts, 'latest') === true,
    maxFps: pick<number>(opts, 'max_fps'),
  };
}
