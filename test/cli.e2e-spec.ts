import jpeg from 'jpeg-js';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadHub } from '../src/streams/hub/read-hub.js';
import { startServer, TestServer } from './support/app.js';
import { buildCliIfStale, CliProcess, runCli } from './support/cli.js';
import { freePort } from './support/ports.js';
import { connectRedis, readEntries, TestRedis, uniqueKey } from './support/redis.js';
import { expectEventually } from './support/ws.js';

let server: TestServer;
let redis: TestRedis;
let outDir: string;

beforeAll(async () => {
  await buildCliIfStale();
  server = await startServer();
  redis = await connectRedis();
  outDir = await mkdtemp(join(tmpdir(), 'redis-streamer-cli-'));
}, 120000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  await redis?.quit();
  await server?.close();
});

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli([...args, '--url', server.http]);
}

/** The number of colour components a baseline JPEG's frame header (SOF0) declares. */
function jpegComponents(data: Buffer): number {
  let at = 2; // after SOI
  while (at + 4 <= data.length && data[at] === 0xff) {
    const marker = data[at + 1];
    if (marker === 0xc0) return data[at + 9];
    at += 2 + data.readUInt16BE(at + 2);
  }
  throw new Error('no SOF0 frame header');
}

function hubListeners(): number {
  return server.app.get(ReadHub).stats().listeners;
}

/** Live pulls start at `$`: push only once the CLI's session listens on the hub. */
async function untilListening(child: CliProcess, before: number): Promise<void> {
  await expectEventually(() => {
    if (child.stderr.includes('error:')) throw new Error(child.stderr);
    return hubListeners() > before;
  }, 15000);
}

describe('push_increment', () => {
  it('pushes 0 … max_value-1 as text, then exits', async () => {
    const sid = uniqueKey('cli-inc');
    const run = await cli('push_increment', sid, '--max_value', '20');
    expect(run.code).toBe(0);
    // The summary goes to stderr, as the Python CLI's does: stdout stays data.
    expect(run.stderr).toMatch(new RegExp(`push_increment ${sid}: 20 entries`));
    expect(run.stdout).toBe('');
    const entries = await readEntries(redis, sid);
    expect(entries.map((e) => e.data.toString())).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
  });

  it('accepts dashed flags and --ack, and --duration ends an unbounded run', async () => {
    const sid = uniqueKey('cli-inc-dash');
    const dashed = await cli('push_increment', sid, '--max-value', '3', '--ack');
    expect(dashed.code).toBe(0);
    expect(await redis.xLen(sid)).toBe(3);

    const timed = uniqueKey('cli-inc-timed');
    const started = Date.now();
    const run = await cli('push_increment', timed, '--fps', '20', '--duration', '1.5');
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10000);
    const n = await redis.xLen(timed);
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThanOrEqual(35);
    // Not a terminal: a plain progress line every second on stderr.
    expect(run.stderr).toMatch(
      new RegExp(`push_increment ${timed} 1\\.\\ds \\d+ entries \\| [\\d.]+/s`),
    );
  });
});

describe('pull_raw', () => {
  it('prints history as "sid: id | data" and stops at --limit', async () => {
    const sid = uniqueKey('cli-raw');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(String(await redis.xAdd(sid, '*', { d: `v${i}` })));
    await redis.xAdd(sid, '*', { d: Buffer.from([0, 1, 2, 255]) });
    const run = await cli('pull_raw', sid, '--last_entry_id', '0', '--count', '4', '--limit', '6');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(0, 5)).toEqual(ids.map((id, i) => `${sid}: ${id} | v${i}`));
    expect(lines[5]).toMatch(/\| <4 bytes: 000102ff>$/);
    expect(run.stderr).toMatch(/pull_raw .*: 6 entries/);
  });

  it('follows new entries from $ (what push_increment writes)', async () => {
    const sid = uniqueKey('cli-raw-live');
    await redis.xAdd(sid, '*', { d: 'old' });
    const before = hubListeners();
    const pull = new CliProcess(['pull_raw', sid, '--limit', '3', '--url', server.http]);
    await untilListening(pull, before);
    expect((await cli('push_increment', sid, '--max_value', '3')).code).toBe(0);
    const run = await pull.done;
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' | ')[1]),
    ).toEqual(['0', '1', '2']);
  });

  it('exits 1 with the server’s reason for an invalid sid', async () => {
    const run = await cli('pull_raw', 'a\u0001b', '--limit', '1');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: .*400.*control characters/);
  });
});

describe('push_image / pull_image', () => {
  it('push_image writes random-noise JPEGs of the shape asked for (RGB and greyscale)', async () => {
    const rgb = uniqueKey('cli-img');
    const run = await cli(
      'push_image',
      rgb,
      '--shape',
      '[48,64,3]',
      '--fps',
      '100',
      '--limit',
      '5',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/5 frames/);
    expect(run.stdout).toBe('');
    const frames = await readEntries(redis, rgb);
    expect(frames).toHaveLength(5);
    for (const frame of frames) {
      const image = jpeg.decode(frame.data, { useTArray: true, formatAsRGBA: false });
      expect([image.width, image.height]).toEqual([64, 48]);
    }
    // Noise: consecutive frames differ.
    expect(frames[0].data.equals(frames[1].data)).toBe(false);

    const grey = uniqueKey('cli-img-grey');
    expect((await cli('push_image', grey, '--shape', '[40,30]', '--limit', '2')).code).toBe(0);
    const [greyFrame] = await readEntries(redis, grey);
    const pixels = jpeg.decode(greyFrame.data, { useTArray: true, formatAsRGBA: false });
    expect([pixels.width, pixels.height]).toEqual([30, 40]);
    // One component (Y), as the Python CLI writes greyscale: not grey RGB.
    expect(jpegComponents(greyFrame.data)).toBe(1);
    expect(jpegComponents(frames[0].data)).toBe(3);
  });

  it('pull_image decodes frames, reports their shape and writes them with --out', async () => {
    const sid = uniqueKey('cli-pullimg');
    expect((await cli('push_image', sid, '--shape', '[32,16,3]', '--limit', '4')).code).toBe(0);
    const dir = join(outDir, 'frames');
    const run = await cli('pull_image', sid, '--last_entry_id', '0', '--limit', '4', '--out', dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /pull_image .*: 4 frames in [\d.]+ s \([\d.]+ frames\/s.*\[32,16,3\]/,
    );
    const stored = await readEntries(redis, sid);
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      expect(files[i]).toContain(stored[i].id);
      expect((await readFile(join(dir, files[i]))).equals(stored[i].data)).toBe(true);
    }

    const grey = uniqueKey('cli-pullimg-grey');
    expect((await cli('push_image', grey, '--shape', '[20,10]', '--limit', '1')).code).toBe(0);
    const greyRun = await cli('pull_image', grey, '--last_entry_id', '0', '--limit', '1');
    expect(greyRun.stderr).toMatch(/\[20,10\]/);
  });

  it('pull_image --latest follows a live push_image and ends at --duration', async () => {
    const sid = uniqueKey('cli-latest');
    const before = hubListeners();
    const pull = new CliProcess([
      'pull_image',
      sid,
      '--latest',
      // Long enough for the push CLI to start on a loaded machine; the run ends at it.
      '--duration',
      '10',
      '--url',
      server.http,
    ]);
    await untilListening(pull, before);
    const push = await cli(
      'push_image',
      sid,
      '--shape',
      '[60,80,3]',
      '--fps',
      '30',
      '--limit',
      '30',
    );
    expect(push.code).toBe(0);
    const run = await pull.done;
    expect(run.code).toBe(0);
    const got = Number(/: (\d+) frames in/.exec(run.stderr)?.[1]);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(30);
    expect(run.stderr).toMatch(/\[60,80,3\]/);
  });

  it('refuses a malformed --shape', async () => {
    const run = await cli('push_image', uniqueKey('cli-shape'), '--shape', '[700,700,4]');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--shape must be/);
  });
});

describe('the server', () => {
  it('comes from RS_URL when --url is not given', async () => {
    const sid = uniqueKey('cli-rs-url');
    const run = await runCli(['push_increment', sid, '--max_value', '2'], undefined, {
      RS_URL: server.http,
    });
    expect(run.code).toBe(0);
    expect(await redis.xLen(sid)).toBe(2);
    const listed = await runCli(['ls'], undefined, { RS_URL: server.http });
    expect(listed.stdout).toContain(`${sid} `);
  });

  it('is named by the URL tried when it cannot be reached', async () => {
    const closed = await freePort(); // nothing listens there
    const url = `http://127.0.0.1:${closed}`;
    const listed = await runCli(['ls'], undefined, { RS_URL: url });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toBe(`error: cannot connect to ${url}/graphql: ECONNREFUSED\n`);
    const pushed = await runCli(['push_increment', 'x', '--url', url]);
    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toMatch(
      new RegExp(
        `^error: cannot connect to ws://127\\.0\\.0\\.1:${closed}/data/x/push: .*ECONNREFUSED`,
      ),
    );
  });
});

describe('ls', () => {
  it('prints a table of the streams from GraphQL', async () => {
    const sid = uniqueKey('cli-ls');
    await redis.xAdd(sid, '*', { d: 'x' });
    const lastId = String(await redis.xAdd(sid, '*', { d: 'y' }));
    const run = await cli('ls');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^sid\s+length\s+lastEntryId\s+lastEntryTime\s+meta$/);
    const row = lines.find((l) => l.startsWith(`${sid} `));
    expect(row).toBeDefined();
    const cells = row!.split(/\s{2,}/);
    expect(cells[1]).toBe('2');
    expect(cells[2]).toBe(lastId);
    expect(cells[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(run.stdout).toMatch(/\d+ streams?\n$/);
  });
});
