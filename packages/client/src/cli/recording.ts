import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportMcap, importMcap, ImportSummary } from '../mcap.js';
import { Progress } from './progress.js';
import { RunControl } from './run-control.js';

export interface RecordOptions {
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

/**
 * `record SID… [--start …] [--end …] [-o file.mcap]`, or `--duration 30s` for a live recording:
 * the server's MCAP export written to a file (through a temporary name, so a file of that name
 * is always complete). Ctrl-C during a live recording ends it early: the window recorded so far
 * is exported again from Redis, as a complete file.
 */
export async function recordCommand(sids: string[], o: RecordOptions): Promise<void> {
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

export interface ReplayOptions {
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
export async function replayCommand(file: string, o: ReplayOptions): Promise<void> {
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
