import { BatchEntry, PullOptions, PullSession, PullSink } from './pull-session.js';
import type { ReadHub } from '../hub/read-hub.js';
import type { StreamRepository } from '../repositories/stream.repository.js';
import { Entry, StreamPosition } from '../repositories/stream.types.js';
import type { Gap } from './gaps.js';

/** In-memory streams standing in for Redis (only the calls a session makes). */
class FakeRepository {
  readonly streams = new Map<string, Entry[]>();
  rangeCalls = 0;
  private seq = 0;

  add(sid: string, text: string, bytes = 0): Entry {
    const entry = {
      id: `${++this.seq}-0`,
      data: bytes ? Buffer.alloc(bytes, text) : Buffer.from(text),
    };
    this.streams.set(sid, [...(this.streams.get(sid) ?? []), entry]);
    return entry;
  }

  async latest(sid: string): Promise<Entry | null> {
    const entries = this.streams.get(sid) ?? [];
    return entries[entries.length - 1] ?? null;
  }

  async lastId(sid: string): Promise<string> {
    const entries = this.streams.get(sid) ?? [];
    return entries[entries.length - 1]?.id ?? '0-0';
  }

  /** Payload bytes of the largest XRANGE reply so far. */
  largestRange = 0;

  async rangeAfter(sid: string, after: string, count: number): Promise<Entry[]> {
    this.rangeCalls++;
    const n = Number(after.split('-')[0]);
    const reply = (this.streams.get(sid) ?? [])
      .filter((e) => Number(e.id.split('-')[0]) > n)
      .slice(0, count);
    let bytes = 0;
    for (const e of reply) bytes += e.data.length;
    this.largestRange = Math.max(this.largestRange, bytes);
    return reply;
  }
}

/** Also answers the probe the gap signal uses, and trims like MAXLEN does. */
class TrimmingRepository extends FakeRepository {
  private added = 0;

  override add(sid: string, text: string, bytes = 0): Entry {
    this.added++;
    return super.add(sid, text, bytes);
  }

  /** Keeps the newest `keep` entries of `sid`. */
  trim(sid: string, keep: number): void {
    this.streams.set(sid, (this.streams.get(sid) ?? []).slice(-keep));
  }

  async position(
    sid: string,
    afterId: string | null,
    count: number,
  ): Promise<{ entries: Entry[]; position: StreamPosition }> {
    const entries = this.streams.get(sid) ?? [];
    const lastId = entries[entries.length - 1]?.id ?? '0-0';
    return {
      entries: afterId === null ? [] : await this.rangeAfter(sid, afterId, count),
      position: {
        added: this.added,
        length: entries.length,
        firstId: entries[0]?.id ?? null,
        maxDeletedId: '0-0',
        lastGeneratedId: lastId,
        lastId,
        beforeLastId: null,
      },
    };
  }
}

class FakeHub {
  readonly attached = new Map<string, string>();
  attach(sid: string, cursor: string): void {
    this.attached.set(sid, cursor);
  }
  detach(sid: string): void {
    this.attached.delete(sid);
  }
}

class RecordingSink implements PullSink {
  open = true;
  batches: BatchEntry[][] = [];
  /** The gaps told with each batch, by batch index. */
  gaps = new Map<number, readonly Gap[]>();
  failure: Error | null = null;
  canSend(): boolean {
    return this.open;
  }
  send(batch: BatchEntry[], gaps?: readonly Gap[]): void {
    if (gaps) this.gaps.set(this.batches.length, gaps);
    this.batches.push(batch);
  }
  fail(error: Error): void {
    this.failure = error;
  }
  texts(): string[] {
    return this.batches.flat().map((e) => e.data.toString().slice(0, 8));
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function session(
  repo: FakeRepository,
  hub: FakeHub,
  sink: RecordingSink,
  options: Partial<PullOptions>,
) {
  return new PullSession(
    hub as unknown as ReadHub,
    repo as unknown as StreamRepository,
    { sids: ['s'], cursors: ['$'], count: 1, latest: false, ...options },
    sink,
  );
}

describe('PullSession', () => {
  it('starts after the newest entry for $ and joins the hub at the stream end', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    repo.add('s', 'old');
    const s = session(repo, hub, sink, {});
    await s.start();
    expect(hub.attached.get('s')).toBe('1-0');
    const e = repo.add('s', 'new');
    s.onEntries('s', '1-0', [e]);
    expect(sink.texts()).toEqual(['new']);
    s.close();
    expect(hub.attached.size).toBe(0);
  });

  it('copies small queued payloads out of the reply chunk they arrived in', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    const s = session(repo, hub, sink, {});
    await s.start();
    sink.open = false; // the entries stay queued
    const reply = Buffer.allocUnsafeSlow(64 * 1024).fill(0x61);
    s.onEntries('s', '0-0', [{ id: '1-0', data: reply.subarray(0, 100) }]);
    sink.open = true;
    s.pump();
    expect(sink.texts()).toEqual(['aaaaaaaa']);
    expect(sink.batches[0][0].data.buffer).not.toBe(reply.buffer);
    s.close();
  });

  it('reads history from 0 with XRANGE, then takes live entries without duplicates', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    for (const t of ['a', 'b', 'c']) repo.add('s', t);
    const s = session(repo, hub, sink, { cursors: ['0'], count: 2 });
    await s.start();
    await settle();
    expect(sink.batches.map((b) => b.length)).toEqual([2, 1]);
    // a live batch that overlaps what was read is filtered
    const d = repo.add('s', 'd');
    s.onEntries('s', '2-0', [repo.streams.get('s')![2], d]);
    expect(sink.texts()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('closes a gap in live entries by reading from its own cursor', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    const s = session(repo, hub, sink, { count: 10 });
    await s.start();
    const a = repo.add('s', 'a');
    const b = repo.add('s', 'b');
    const c = repo.add('s', 'c');
    // the hub's batch starts after b: entries a and b are missing
    s.onEntries('s', b.id, [c]);
    await settle();
    expect(sink.texts()).toEqual(['a', 'b', 'c']);
    expect(a.id).toBe('1-0');
  });

  it('stops taking live entries when its queue is full, then catches up from Redis in order', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    const s = session(repo, hub, sink, { count: 1, batchBytes: 4 * 1024 * 1024 });
    await s.start();
    sink.open = false; // a slow client
    let prev = '0-0';
    for (let i = 0; i < 40; i++) {
      const e = repo.add('s', `e${i}`, 256 * 1024); // 40 x 256 KiB = 10 MiB > the 4 MiB queue
      s.onEntries('s', prev, [e]);
      prev = e.id;
    }
    const queued = (s as unknown as { queuedBytes: number }).queuedBytes;
    expect(queued).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(sink.batches).toHaveLength(0);
    sink.open = true;
    for (let i = 0; i < 100 && sink.batches.length < 40; i++) {
      s.pump();
      await settle();
    }
    expect(sink.texts()).toEqual(
      Array.from({ length: 40 }, (_, i) => `e${i}`.padEnd(8, `e${i}`).slice(0, 8)),
    );
    expect(repo.rangeCalls).toBeGreaterThan(0);
  });

  it('with latest, keeps only the newest entry per stream and counts the dropped ones', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    let dropped = 0;
    const s = session(repo, hub, sink, {
      latest: true,
      sids: ['s', 't'],
      cursors: ['$', '$'],
      onDropped: (n) => (dropped += n),
    });
    await s.start();
    sink.open = false;
    const entries = ['1', '2', '3'].map((t) => repo.add('s', t));
    s.onEntries('s', '0-0', entries.slice(0, 2));
    s.onEntries('s', entries[1].id, entries.slice(2));
    const t = repo.add('t', 'only');
    s.onEntries('t', '0-0', [t]);
    sink.open = true;
    s.pump();
    expect(sink.batches).toEqual([
      [
        { sid: 's', id: entries[2].id, data: entries[2].data },
        { sid: 't', id: t.id, data: t.data },
      ],
    ]);
    expect(dropped).toBe(2);
  });

  it('with latest and a past cursor, first sends the newest existing entry', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    repo.add('s', 'x');
    repo.add('s', 'y');
    const s = session(repo, hub, sink, { latest: true, cursors: ['0'] });
    await s.start();
    expect(sink.texts()).toEqual(['y']);
  });

  it('fails the sink and releases the hub when Redis fails', async () => {
    const repo = new FakeRepository();
    repo.lastId = async () => {
      throw new Error('connection lost');
    };
    const hub = new FakeHub();
    const sink = new RecordingSink();
    const s = session(repo, hub, sink, {});
    await s.start();
    expect(sink.failure?.message).toBe('connection lost');
    expect(hub.attached.size).toBe(0);
  });

  it('bounds batches and catch-up reads in bytes, whatever count asks for', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    const mib = 1024 * 1024;
    for (let i = 0; i < 12; i++) repo.add('s', `e${i}`, mib);
    const s = session(repo, hub, sink, { cursors: ['0'], count: 48, batchBytes: 3 * mib });
    await s.start();
    for (let i = 0; i < 50 && sink.batches.flat().length < 12; i++) {
      s.pump();
      await settle();
    }
    expect(sink.batches.flat()).toHaveLength(12);
    for (const batch of sink.batches) {
      expect(batch.reduce((n, e) => n + e.data.length, 0)).toBeLessThanOrEqual(3 * mib);
    }
    expect(repo.largestRange).toBeLessThanOrEqual(3 * mib);
  });

  it('reads no further ahead of a slow sink than readAheadBytes when catching up', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    const kib = 1024;
    for (let i = 0; i < 40; i++) repo.add('s', `e${i}`, 64 * kib);
    const s = session(repo, hub, sink, {
      cursors: ['0'],
      count: 100,
      batchBytes: 8 * 1024 * kib,
      readAheadBytes: 256 * kib,
    });
    sink.open = false; // a socket over its high-water mark
    await s.start();
    for (let i = 0; i < 20; i++) {
      s.pump();
      await settle();
    }
    const queued = (s as unknown as { queuedBytes: number }).queuedBytes;
    expect(queued).toBeLessThanOrEqual(256 * kib);
    expect(repo.largestRange).toBeLessThanOrEqual(256 * kib);
    sink.open = true;
    for (let i = 0; i < 100 && sink.batches.flat().length < 40; i++) {
      s.pump();
      await settle();
    }
    expect(sink.texts()).toEqual(
      Array.from({ length: 40 }, (_, i) => `e${i}`.padEnd(8, `e${i}`).slice(0, 8)),
    );
  });

  it('reads no entry bigger than the read-ahead room for a sink that cannot take it', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    // A socket that goes over its high-water mark with every batch it takes.
    const sink = new (class extends RecordingSink {
      override send(batch: BatchEntry[]): void {
        super.send(batch);
        this.open = false;
      }
    })();
    const mib = 1024 * 1024;
    for (let i = 0; i < 6; i++) repo.add('s', `e${i}`, 4 * mib);
    const s = session(repo, hub, sink, {
      cursors: ['0'],
      count: 48,
      batchBytes: 8 * mib,
      readAheadBytes: mib,
    });
    const queued = () => (s as unknown as { queuedBytes: number }).queuedBytes;
    sink.open = false; // a stalled puller: nothing is read for it
    await s.start();
    for (let i = 0; i < 10; i++) {
      s.pump();
      await settle();
    }
    expect(repo.rangeCalls).toBe(0);
    // It takes one batch, then stalls again: the entry it took is all it cost.
    for (let round = 1; round <= 3; round++) {
      sink.open = true;
      for (let i = 0; i < 20 && sink.batches.length < round; i++) {
        s.pump();
        await settle();
      }
      for (let i = 0; i < 10; i++) {
        s.pump();
        await settle();
      }
      expect(sink.batches.flat()).toHaveLength(round);
      expect(queued()).toBe(0);
    }
    for (let i = 0; i < 50 && sink.batches.flat().length < 6; i++) {
      sink.open = true;
      s.pump();
      await settle();
    }
    expect(sink.texts()).toEqual([
      'e0e0e0e0',
      'e1e1e1e1',
      'e2e2e2e2',
      'e3e3e3e3',
      'e4e4e4e4',
      'e5e5e5e5',
    ]);
  });

  it('sends one entry bigger than the budget alone', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    repo.add('s', 'big', 4096);
    repo.add('s', 'small');
    const s = session(repo, hub, sink, { cursors: ['0'], count: 10, batchBytes: 1024 });
    await s.start();
    for (let i = 0; i < 10 && sink.batches.flat().length < 2; i++) await settle();
    expect(sink.batches.map((b) => b.length)).toEqual([1, 1]);
  });

  it('counts live batches that arrive during a catch-up read in bytes, and drops them past the budget', async () => {
    const repo = new FakeRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    const s = session(repo, hub, sink, { count: 100, batchBytes: 1000 });
    await s.start();
    const a = repo.add('s', 'a');
    const b = repo.add('s', 'b');
    s.onEntries('s', a.id, [b]); // a gap: a catch-up read starts
    const internals = s as unknown as { queuedBytes: number };
    let prev = b.id;
    for (let i = 0; i < 20; i++) {
      const e = repo.add('s', 'x', 100);
      s.onEntries('s', prev, [e]);
      prev = e.id;
      expect(internals.queuedBytes).toBeLessThanOrEqual(1100);
    }
    for (let i = 0; i < 50 && sink.batches.flat().length < 22; i++) {
      s.pump();
      await settle();
    }
    expect(sink.batches.flat()).toHaveLength(22);
  });

  it('tells a gap right before the entry it names as `to`, after the queued entries up to its `from`', async () => {
    const repo = new TrimmingRepository();
    const hub = new FakeHub();
    const sink = new RecordingSink();
    repo.add('s', 'e1');
    const s = session(repo, hub, sink, { gaps: true, count: 100, cursors: ['0'] });
    await s.start();
    await settle(); // entry 1 is read from history and sent
    sink.open = false; // entries 2 and 3 stay queued for the sink
    s.onEntries('s', '1-0', [repo.add('s', 'e2'), repo.add('s', 'e3')]);
    for (const text of ['e4', 'e5']) repo.add('s', text);
    const e6 = repo.add('s', 'e6');
    repo.trim('s', 1); // 4 and 5 are trimmed before the session reads them
    s.onEntries('s', '5-0', [e6]);
    await settle(); // the catch-up read finds the gap, then queues entry 6
    sink.open = true;
    s.pump();
    expect(sink.texts()).toEqual(['e1', 'e2', 'e3', 'e6']);
    const told = [...sink.gaps.entries()];
    expect(told).toHaveLength(1);
    const [index, [gap]] = told[0];
    expect(gap).toEqual({ sid: 's', missed: 2, from: '3-0', to: '6-0', exact: true });
    // Every entry up to `from` went in earlier batches; the batch told with it starts at `to`.
    expect(
      sink.batches
        .slice(0, index)
        .flat()
        .map((e) => e.id),
    ).toEqual(['1-0', '2-0', '3-0']);
    expect(sink.batches[index][0].id).toBe('6-0');
    s.close();
  });

  it('resolves $ without reading payloads', async () => {
    const repo = new FakeRepository();
    repo.latest = async () => {
      throw new Error('payload read');
    };
    repo.add('s', 'old');
    const hub = new FakeHub();
    const sink = new RecordingSink();
    await session(repo, hub, sink, {}).start();
    expect(sink.failure).toBeNull();
    expect(hub.attached.get('s')).toBe('1-0');
  });
});
