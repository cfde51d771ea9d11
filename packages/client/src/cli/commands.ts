import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphQLClient, listStreams, StreamSummary } from '../graphql.js';
import { Puller, ReconnectEvent } from '../puller.js';
import { Pusher } from '../pusher.js';
import { decodeJpeg, formatShape, NoisePool, Shape } from './images.js';
import { Progress } from './progress.js';
import { RunControl, RunLimits } from './run-control.js';

/** Options every command takes. */
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

/** `push_increment SID`: pushes `0`, `1`, `2`, … as text, up to `maxValue` entries (like `range`). */
export async function pushIncrement(
  sid: string,
  o: CommonOptions & { maxValue?: number; fps?: number; ack?: boolean },
): Promise<void> {
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
    process.stdout.write(`${progress.stop()}\n`);
  }
}

/** `pull_raw SID`: prints every entry as `sid: id | data`. */
export async function pullRaw(sid: string, o: PullOptions): Promise<void> {
  const progress = new Progress({
    label: `pull_raw ${sid}`,
    unit: 'entries',
    total: o.limit,
    tty: o.tty,
  });
  const run = new RunControl(o);
  const puller = openPuller(sid, o, run, progress);
  try {
    for await (const entry of puller) {
      progress.log(`${entry.sid}: ${entry.id} | ${printable(entry.data)}`);
      progress.add(1, entry.data.length, `last ${entry.id}`);
      if (run.finished(progress.count)) break;
    }
  } finally {
    puller.close();
    run.dispose();
    process.stderr.write(`${progress.stop()}\n`);
  }
}

/** `push_image SID --shape [H,W,3]`: random-noise JPEGs at `fps` frames a second. */
export async function pushImage(
  sid: string,
  o: CommonOptions & { shape: Shape; fps?: number; quality: number; pool: number; ack?: boolean },
): Promise<void> {
  process.stderr.write(
    `push_image ${sid}: encoding ${o.pool} noise frames ${formatShape(o.shape)}…\n`,
  );
  const pool = new NoisePool(o.shape, o.quality, o.pool);
  const progress = new Progress({
    label: `push_image ${sid}`,
    unit: 'frames',
    total: o.limit,
    tty: o.tty,
  });
  const run = new RunControl(o);
  const pusher = await Pusher.connect(sid, { url: o.url, token: o.token, ack: o.ack });
  try {
    for (let i = 0; !run.finished(i); i++) {
      const frame = pool.next();
      await pusher.send(frame);
      progress.add(1, frame.length, `${formatShape(o.shape)} ${kb(frame.length)} kB`);
      await run.pace(o.fps, i + 1);
    }
    await pusher.close();
  } finally {
    run.dispose();
    process.stdout.write(`${progress.stop()}\n`);
  }
}

/**
 * `pull_image SID [--latest]`: decodes every JPEG, shows its shape and the frame rate; `--out`
 * writes the frames. With `--latest` the puller acknowledges each frame once decoded, so the
 * server always sends the newest frame and skips those the decoder had no time for.
 */
export async function pullImage(sid: string, o: PullOptions & { out?: string }): Promise<void> {
  if (o.out) await mkdir(o.out, { recursive: true });
  const progress = new Progress({
    label: `pull_image ${sid}`,
    unit: 'frames',
    total: o.limit,
    tty: o.tty,
  });
  const run = new RunControl(o);
  const puller = openPuller(sid, { ...o }, run, progress, o.latest === true);
  let undecodable = 0;
  try {
    for await (const entry of puller) {
      let shape: string;
      try {
        shape = formatShape(decodeJpeg(entry.data).shape);
      } catch (err) {
        undecodable++;
        shape = `not a JPEG (${(err as Error).message.slice(0, 60)})`;
      }
      if (o.out) {
        await writeFile(join(o.out, `${fileSafe(entry.sid)}_${entry.id}.jpg`), entry.data);
      }
      progress.add(1, entry.data.length, `${shape} ${kb(entry.data.length)} kB, id ${entry.id}`);
      if (run.finished(progress.count)) break;
    }
  } finally {
    puller.close();
    run.dispose();
    if (undecodable > 0) progress.notice(`${undecodable} entries were not JPEG images`);
    process.stdout.write(`${progress.stop()}\n`);
  }
}

/** `ls`: a table of the streams (GraphQL `streams`). */
export async function listCommand(o: { url: string; token?: string }): Promise<void> {
  const streams = await listStreams(new GraphQLClient(o.url, { token: o.token }));
  process.stdout.write(`${formatTable(streams)}\n`);
}

export function formatTable(streams: readonly StreamSummary[]): string {
  const header = ['sid', 'length', 'lastEntryId', 'lastEntryTime', 'meta'];
  const rows = streams.map((s) => [
    s.sid,
    s.length === null ? '-' : String(s.length),
    s.lastEntryId ?? '-',
    s.lastEntryTime ?? '-',
    s.meta && typeof s.meta === 'object' && Object.keys(s.meta).length === 0
      ? ''
      : JSON.stringify(s.meta),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  out.push(`${streams.length} stream${streams.length === 1 ? '' : 's'}`);
  return out.join('\n');
}

function openPuller(
  sid: string,
  o: PullOptions,
  run: RunControl,
  progress: Progress,
  ack = false,
): Puller {
  return new Puller(sid, {
    url: o.url,
    token: o.token,
    lastEntryId: o.lastEntryId,
    count: o.count,
    latest: o.latest,
    maxFps: o.maxFps,
    ack,
    signal: run.signal,
    onReconnect: (e: ReconnectEvent) =>
      progress.notice(
        `connection lost (${e.reason}); reconnecting in ${e.delayMs} ms (attempt ${e.attempt})`,
      ),
  });
}

/** The payload as text when it is printable UTF-8, else a short hex dump. */
export function printable(data: Buffer): string {
  const text = data.toString('utf8');
  // eslint-disable-next-line no-control-regex -- control characters mean "binary"
  if (!text.includes('\ufffd') && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) {
    return text.length > 200 ? `${text.slice(0, 200)}… (${data.length} bytes)` : text;
  }
  const hex = data.subarray(0, 32).toString('hex');
  return `<${data.length} bytes: ${hex}${data.length > 32 ? '…' : ''}>`;
}

function fileSafe(sid: string): string {
  return sid.replace(/[^A-Za-z0-9._-]/g, '_');
}

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(0);
}

function minDefined(...values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}
