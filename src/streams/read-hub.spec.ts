import { AppConfig } from '../config/app-config.js';
import { ErrorCode, StreamerError } from '../common/errors.js';
import type { RedisConnections } from '../redis/redis-connections.js';
import { HubListener, ReadHub } from './read-hub.js';
import type { StreamRepository } from './stream.repository.js';
import { Entry, StreamEntries } from './stream.types.js';

type Read = StreamEntries[] | StreamerError;

/** A scripted repository: each XREAD takes the next scripted answer, then idles briefly. */
class ScriptedRepository {
  readonly script: Read[] = [];
  types = new Map<string, string>();
  readonly reads: string[][] = [];
  readonly cursors: string[][] = [];
  async connectionId(): Promise<number> {
    return 7;
  }
  async interrupt(): Promise<boolean> {
    return true;
  }
  async keyTypes(sids: readonly string[]): Promise<string[]> {
    return sids.map((sid) => this.types.get(sid) ?? 'stream');
  }
  async readLive(
    _c: unknown,
    sids: readonly string[],
    cursors: readonly string[],
  ): Promise<StreamEntries[]> {
    this.reads.push([...sids]);
    this.cursors.push([...cursors]);
    const next = this.script.shift();
    if (next instanceof StreamerError) throw next;
    if (next) return next;
    return new Promise((resolve) => setTimeout(() => resolve([]), 5));
  }
}

const connection = { isReady: true, on: () => undefined, off: () => undefined };
const connections = {
  create: () => connection,
  release: async () => undefined,
} as unknown as RedisConnections;

class Recorder implements HubListener {
  readonly entries: string[] = [];
  error: StreamerError | null = null;
  onEntries(_sid: string, _prev: string, entries: Entry[]): void {
    this.entries.push(...entries.map((e) => e.data.toString()));
  }
  onHubError(error: StreamerError): void {
    this.error = error;
  }
}

const entry = (id: string, text: string): Entry => ({ id, data: Buffer.from(text) });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

describe('ReadHub', () => {
  let repo: ScriptedRepository;
  let hub: ReadHub;

  beforeEach(() => {
    repo = new ScriptedRepository();
    const config = Object.assign(new AppConfig(), { HUB_READERS: 1 });
    hub = new ReadHub(repo as unknown as StreamRepository, connections, config);
  });

  afterEach(() => hub.onApplicationShutdown());

  it('fans each stream out to its listeners, after their cursor', async () => {
    const a1 = new Recorder();
    const a2 = new Recorder();
    const b = new Recorder();
    repo.script.push([
      { sid: 'a', entries: [entry('1-0', 'old'), entry('2-0', 'a2')] },
      { sid: 'b', entries: [entry('3-0', 'b3')] },
    ]);
    hub.attach('a', '1-0', a1);
    hub.attach('a', '1-0', a2);
    hub.attach('b', '0-0', b);
    await until(() => b.entries.length > 0);
    expect([a1.entries, a2.entries, b.entries]).toEqual([['a2'], ['a2'], ['b3']]);
    expect(hub.stats()).toMatchObject({ streams: 2, listeners: 3, activeReaders: 1 });
  });

  it('issues the next XREAD before delivering a reply, keeping order and the prevId chain', async () => {
    const seen: { prevId: string; ids: string[]; readsIssued: number }[] = [];
    const listener: HubListener = {
      onEntries: (_sid, prevId, entries) =>
        seen.push({ prevId, ids: entries.map((e) => e.id), readsIssued: repo.reads.length }),
      onHubError: () => undefined,
    };
    repo.script.push(
      [{ sid: 'a', entries: [entry('1-0', 'x'), entry('2-0', 'x')] }],
      [{ sid: 'a', entries: [entry('3-0', 'x')] }],
      [{ sid: 'a', entries: [entry('4-0', 'x'), entry('5-0', 'x')] }],
    );
    hub.attach('a', '0-0', listener);
    await until(() => seen.length === 3);
    // each batch reached the listener only once the read after it had gone out, from its cursor
    seen.forEach((s, i) => expect(s.readsIssued).toBeGreaterThan(i + 1));
    expect(repo.cursors.slice(0, 4)).toEqual([['0-0'], ['2-0'], ['3-0'], ['5-0']]);
    expect(seen.map((s) => [s.prevId, s.ids])).toEqual([
      ['0-0', ['1-0', '2-0']],
      ['2-0', ['3-0']],
      ['3-0', ['4-0', '5-0']],
    ]);
  });

  it('on an error reply fails only the listeners of keys that are not streams, and reads on', async () => {
    const bad = new Recorder();
    const good = new Recorder();
    hub.attach('bad', '0-0', bad);
    hub.attach('good', '0-0', good);
    repo.types.set('bad', 'string');
    repo.script.push(new StreamerError(ErrorCode.Internal, 'Redis: WRONGTYPE'));
    repo.script.push([{ sid: 'good', entries: [entry('1-0', 'still served')] }]);
    await until(() => good.entries.length > 0);
    expect(bad.error?.code).toBe(ErrorCode.Internal);
    expect(bad.error?.message).toContain('"bad"');
    expect(good.error).toBeNull();
    expect(repo.reads[repo.reads.length - 1]).toEqual(['good']);
    expect(hub.stats()).toMatchObject({ streams: 1, listeners: 1 });
  });

  it('fails every listener of the reader on a connection-level error', async () => {
    const a = new Recorder();
    const b = new Recorder();
    hub.attach('a', '0-0', a);
    hub.attach('b', '0-0', b);
    repo.script.push(new StreamerError(ErrorCode.Unavailable, 'Redis unavailable'));
    await until(() => a.error !== null && b.error !== null);
    expect([a.error?.code, b.error?.code]).toEqual([ErrorCode.Unavailable, ErrorCode.Unavailable]);
  });

  it('stops reading a stream when its last listener detaches', async () => {
    const a = new Recorder();
    hub.attach('a', '0-0', a);
    hub.detach('a', a);
    expect(hub.stats()).toMatchObject({ streams: 0, listeners: 0 });
  });

  it('refuses new listeners once shutting down', async () => {
    await hub.onApplicationShutdown();
    expect(() => hub.attach('a', '0-0', new Recorder())).toThrow(StreamerError);
  });
});
