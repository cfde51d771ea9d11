import { Command } from 'commander';
import { Pusher } from '../../pusher.js';
import { formatShape, kb, NoisePool, parseShape, Shape } from '../images.js';
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

interface PushImageOptions extends CommonOptions {
  shape: Shape;
  fps?: number;
  quality: number;
  pool: number;
  ack?: boolean;
}

export function registerPushImage(program: Command): void {
  const cmd = program
    .command('push_image')
    .argument('<sid>', 'stream id')
    .description('push random-noise JPEG images');
  option(cmd, 'shape', 'shape', '[height,width,3] (RGB) or [height,width] (greyscale)', parseShape);
  option(cmd, 'fps', 'n', 'frames per second (default 30)', positive);
  option(cmd, 'quality', 'q', 'JPEG quality 1-100 (default 80)', integer(1));
  option(
    cmd,
    'pool',
    'n',
    'distinct noise frames encoded up front, then cycled (default 8)',
    integer(1),
  );
  option(cmd, 'ack', '', 'wait for each entry id from the server');
  withLimits(cmd, 'frames').action(async (sid: string, opts: Raw, self: Command) => {
    await pushImage(sid, {
      ...common(self, opts),
      shape: pick<Shape>(opts, 'shape') ?? [100, 100, 3],
      fps: pick<number>(opts, 'fps') ?? 30,
      quality: Math.min(100, pick<number>(opts, 'quality') ?? 80),
      pool: pick<number>(opts, 'pool') ?? 8,
      ack: pick<boolean>(opts, 'ack') === true,
    });
  });
}

/** `push_image SID --shape [H,W,3]`: random-noise JPEGs at `fps` frames a second. */
async function pushImage(sid: string, o: PushImageOptions): Promise<void> {
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
    process.stderr.write(`${progress.stop()}\n`);
  }
}
