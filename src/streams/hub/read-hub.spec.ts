import { jest } from '@jest/globals';
import { EventEmitter, once } from 'node:events';
import { YoungGarbage } from '../../common/young-garbage.js';
import { AppConfig } from '../../config/app-config.js';
import { ErrorCode, StreamerError } from '../../common/errors.js';
import type { RedisConnections } from '../../redis/redis-connections.js';
import type { HubListener } from './hub.types.js';
import { ReadHub } from './read-hub.js';
import { SlotMovedError, type HubRepository } from '../repositories/hub.repository.js';
import { Entry, StreamEntries } from '../repositories/stream.types.js';

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
    called();
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
    called();
  }
  onHubError(error: StreamerError): void {
    this.error = error;
    called();
  }
}

const entry = (id: string, text: string): Entry => ({ id, data: Buffer.from(text) });

/** Each fake below reports here whenever the hub calls it: a test waits on these, not on time. */
const calls = new EventEmitter();
const called = () => void calls.emit('call');

/** Resolves once `check` holds, checked again after each call the hub makes into the fakes. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await once(calls, 'call');
}

describe('ReadHub', () => {
  let repo: ScriptedRepository;
  let hub: ReadHub;

  beforeEach(() => {
    repo = new ScriptedRepository();
    const config = Object.assign(new AppConfig(), { HUB_READERS: 1 });
    hub = new ReadHub(repo as unknown as HubRepository, connections, config);
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

  it('counts the payload bytes it reads for the young-generation collections', async () => {
    const add = jest.spyOn(YoungGarbage.prototype, 'add');
    try {
      const listener = new Recorder();
      repo.script.push([{ sid: 'a', entries: [entry('1-0', 'abc'), entry('2-0', 'defgh')] }]);
      hub.attach('a', '0-0', listener);
      await until(() => listener.entries.length === 2);
      expect(add).toHaveBeenCalledWith(8);
    } finally {
      add.mockRestore();
    }
  });

  it('issues the next XREAD before delivering a reply, keeping order and the prevId chain', async () => {
    const seen: { prevId: string; ids: string[]; readsIssued: number }[] = [];
    const listener: HubListener = {
      onEntries: (_sid, prevId, entries) => {
        seen.push({ prevId, ids: entries.map((e) => e.id), readsIssued: repo.reads.length });
        called();
      },
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

describe('ReadHub on a cluster', () => {
  /** A fake cluster: the slot of a sid is its first letter's position (a=0, b=1, ...). */
  const slotOf = (sid: string) => sid.charCodeAt(0) - 97;
  let repo: ScriptedRepository;
  let hub: ReadHub;
  let opened: { name: string; node: unknown }[];
  let released: number;
  let refreshed: number;

  beforeEach(() => {
    repo = new ScriptedRepository();
    opened = [];
    released = 0;
    refreshed = 0;
    const clusterConnections = {
      clustered: true,
      slotOf,
      masterOf: (slot: number) => ({ host: 'owner', port: 7000 + slot }),
      refreshTopology: async () => void refreshed++,
      create: (name: string, options: { node: unknown }) => {
        opened.push({ name, node: options.node });
        called();
        return connection;
      },
      release: async () => {
        released++;
        called();
      },
    } as unknown as RedisConnections;
    const config = Object.assign(new AppConfig(), { HUB_READERS: 4 });
    hub = new ReadHub(repo as unknown as HubRepository, clusterConnections, config);
  });

  afterEach(() => hub.onApplicationShutdown());

  it('reads the streams of one slot together, one reader per slot in use, whatever HUB_READERS', async () => {
    const listeners = Array.from({ length: 6 }, () => new Recorder());
    hub.attach('a1', '0-0', listeners[0]);
    hub.attach('a2', '0-0', listeners[1]);
    hub.attach('a1', '0-0', listeners[2]);
    hub.attach('b1', '0-0', listeners[3]);
    hub.attach('c1', '0-0', listeners[4]);
    hub.attach('c1', '0-0', listeners[5]);
    expect(hub.stats()).toMatchObject({ streams: 4, listeners: 6, readers: 3 });
    await until(() => opened.length === 3);
    expect(opened.map((o) => o.node)).toEqual(
      expect.arrayContaining([0, 1, 2].map((slot) => ({ host: 'owner', port: 7000 + slot }))),
    );
    await until(() => repo.reads.some((r) => r.length === 2));
    // every XREAD names the sids of one slot only
    for (const read of repo.reads) expect(new Set(read.map(slotOf)).size).toBe(1);
  });

  it('closes a slot reader with its last stream', async () => {
    const a = new Recorder();
    const b = new Recorder();
    hub.attach('a1', '0-0', a);
    hub.attach('b1', '0-0', b);
    await until(() => opened.length === 2);
    hub.detach('a1', a);
    expect(hub.stats()).toMatchObject({ streams: 1, readers: 1 });
    await until(() => released === 1);
  });

  it('follows a MOVED slot to the node it names, from the same cursor, without failing listeners', async () => {
    const a = new Recorder();
    repo.script.push(
      [{ sid: 'a1', entries: [entry('1-0', 'before')] }],
      new SlotMovedError(
        { kind: 'MOVED', slot: 0, host: 'new-owner', port: 7100 },
        new Error('MOVED 0 new-owner:7100'),
      ),
      [{ sid: 'a1', entries: [entry('2-0', 'after')] }],
    );
    hub.attach('a1', '0-0', a);
    await until(() => a.entries.length === 2);
    expect(a.entries).toEqual(['before', 'after']);
    expect(a.error).toBeNull();
    expect(opened.map((o) => o.node)).toEqual([
      { host: 'owner', port: 7000 },
      { host: 'new-owner', port: 7100 },
    ]);
    expect(repo.cursors.slice(0, 3)).toEqual([['0-0'], ['1-0'], ['1-0']]);
  });

  it('rides out a lost node quietly, looking up the topology again', async () => {
    const a = new Recorder();
    repo.script.push(new StreamerError(ErrorCode.Unavailable, 'Redis unavailable: socket closed'));
    repo.script.push([{ sid: 'a1', entries: [entry('1-0', 'back')] }]);
    hub.attach('a1', '0-0', a);
    await until(() => a.entries.length === 1);
    expect(a.error).toBeNull();
    expect(refreshed).toBeGreaterThan(0);
    expect(opened).toHaveLength(2);
  });
});
