import { Command } from 'commander';
import { pullOptions, PullOptions, Raw, withLimits, withPull } from '../options.js';
import { Progress } from '../progress.js';
import { openPuller } from '../pulling.js';
import { RunControl } from '../run-control.js';

export function registerPullRaw(program: Command): void {
  const cmd = program
    .command('pull_raw')
    .argument('<sid>', 'stream id (several joined by +)')
    .description('print every entry as "sid: id | data"');
  withLimits(withPull(cmd), 'entries').action(async (sid: string, opts: Raw, self: Command) => {
    await pullRaw(sid, pullOptions(self, opts));
  });
}

/** `pull_raw SID`: prints every entry as `sid: id | data`. */
async function pullRaw(sid: string, o: PullOptions): Promise<void> {
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
