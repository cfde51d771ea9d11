import { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJpeg, formatShape, kb } from '../images.js';
import { option, pick, pullOptions, PullOptions, Raw, withLimits, withPull } from '../options.js';
import { Progress } from '../progress.js';
import { openPuller } from '../pulling.js';
import { RunControl } from '../run-control.js';

export function registerPullImage(program: Command): void {
  const cmd = program
    .command('pull_image')
    .argument('<sid>', 'stream id (several joined by +)')
    .description('decode JPEG entries, show their size and the frame rate');
  option(cmd, 'out', 'dir', 'write every frame to this directory');
  withLimits(withPull(cmd), 'frames').action(async (sid: string, opts: Raw, self: Command) => {
    await pullImage(sid, { ...pullOptions(self, opts), out: pick<string>(opts, 'out') });
  });
}

/**
 * `pull_image SID [--latest]`: decodes every JPEG, shows its shape and the frame rate; `--out`
 * writes the frames. With `--latest` the puller acknowledges each frame once decoded, so the
 * server always sends the newest frame and skips those the decoder had no time for.
 */
async function pullImage(sid: string, o: PullOptions & { out?: string }): Promise<void> {
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
    process.stderr.write(`${progress.stop()}\n`);
  }
}

function fileSafe(sid: string): string {
  return sid.replace(/[^A-Za-z0-9._-]/g, '_');
}
