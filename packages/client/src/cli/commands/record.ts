import { Command, InvalidArgumentError } from 'commander';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportMcap } from '../../mcap.js';
import { connection, Raw, span, tty } from '../options.js';
import { Progress } from '../progress.js';
import { RunControl } from '../run-control.js';

interface RecordOptions {
  url: string;
  token?: string;
  tty: boolean;
  start?: string;
  end?: string;
  /** Live recording: from now (or `start`) until this many ms from now. */
  durationMs?: number;
  /** File to write (default: the name the server suggests). */
  out?: string;
  compression?: 'zstd' | 'none';
}

export function registerRecord(program: Command): void {
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
      if (opts.duration !== undefined && opts.end !== undefined) {
        throw new InvalidArgumentError('give --end or --duration, not both');
      }
      await recordCommand(sids, {
        ...connection(cmd),
        tty: tty(cmd),
        start: opts.start as string | undefined,
        end: opts.end as string | undefined,
        durationMs: opts.duration as number | undefined,
        out: opts.out as string | undefined,
        compression: opts.compression as 'zstd' | 'none' | undefined,
      });
    });
}

/**
 * `record SID… [--start …] [--end …] [-o file.mcap]`, or `--duration 30s` for a live recording:
 * the server's MCAP export written to a file (through a temporary name, so a file of that name
 * is always complete). Ctrl-C during a live recording ends it early: the window recorded so far
 * is exported again from Redis, as a complete file.
 */
async function recordCommand(sids: string[], o: RecordOptions): Promise<void> {
  const startedAt = Date.now();
  const live = o.durationMs !== undefined;
  const window = live
    ? { start: o.start ?? String(startedAt), end: `now+${Math.round(o.durationMs!)}ms` }
    : { start: o.start, end: o.end };
  const run = new RunControl({});
  const progress = new Progress({ label: `record ${sids.join('+')}`, unit: 'KiB', tty: o.tty });
  let out = o.out;
  try {
    const connection = { url: o.url, token: o.token, compression: o.compression };
    try {
      out = await download(sids, { ...connection, ...window, signal: run.signal }, out, progress);
    } catch (err) {
      if (!live || !run.signal.aborted) throw err;
      progress.notice('stopped: exporting what was recorded so far as a complete file');
      out = await download(sids, { ...connection, start: window.start, end: '+' }, out, progress);
    }
  } finally {
    run.dispose();
    process.stderr.write(`${progress.stop()}\n`);
  }
  process.stdout.write(`${out}\n`);
}

async function download(
  sids: string[],
  options: Parameters<typeof exportMcap>[1],
  out: string | undefined,
  progress: Progress,
): Promise<string> {
  const { body, fileName } = await exportMcap(sids, options);
  const path = out ?? fileName ?? `${sids.join('+').replace(/[^A-Za-z0-9._+-]+/g, '_')}.mcap`;
  const partial = `${path}.part`;
  let kib = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const total = progress.bytes + chunk.length;
      progress.add(Math.floor(total / 1024) - kib, chunk.length);
      kib = Math.floor(total / 1024);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, count, createWriteStream(partial));
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  await rename(partial, path);
  return path;
}
