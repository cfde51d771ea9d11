import type { ReadHub } from '../streams/hub/read-hub.js';
import type { Nearest, SamplingRepository } from '../streams/repositories/sampling.repository.js';
import type { StreamRepository } from '../streams/repositories/stream.repository.js';
import type { BatchEntry, PullSink } from '../streams/sessions/pull-session.js';
import type { Gap } from '../streams/sessions/gaps.js';
import type { EntrySource } from './decimated-source.js';
import { SyncSession, SyncSink } from './sync-session.js';
import type { Tuple } from './tuple.js';

const e = (ms: number) => ({ id: `${ms}-0`, data: Buffer.from(String(ms)) });

/** A reference source the test feeds by hand. */
class FakeSource implements EntrySource {
  sink: PullSink | null = null;
  async start(): Promise<void> {}
  pump(): void {}
  close(): void {}
  push(ms: number): void {
    this.sink!.send([{ sid: 'cam', ...e(ms) }]);
  }
}

describe('SyncSession', () => {
  let answers: { sid: string; resolve: (n: Nearest[]) => void }[];
  let sent: { batch: BatchEntry[]; tuples: Tuple[]; gaps?: readonly Gap[] }[];
  let source: FakeSource;
  let session: SyncSession;

  beforeEach(async () => {
    answers = [];
    sent = [];
    source = new FakeSource();
    const hub = { attach: () => undefined, detach: () => undefined } as unknown as ReadHub;
    const repository = { lastId: async () => '0-0' } as unknown as StreamRepository;
    const sampling = {
      nearest: (sid: string) => new Promise<Nearest[]>((resolve) => answers.push({ sid, resolve })),
    } as unknown as SamplingRepository;
    const sink: SyncSink = {
      canSend: () => true,
      send: (batch, gaps, _written, tuples) => sent.push({ batch, gaps, tuples: tuples! }),
      fail: (err) => {
        throw err;
      },
    };
    session = new SyncSession(
      hub,
      repository,
      sampling,
      {
        spec: { ref: 'cam', partners: ['imu'], toleranceMs: 20, waitMs: 60_000 },
        count: 10,
        maxPending: 16,
      },
      sink,
      (refSink) => {
        source.sink = refSink;
        return source;
      },
    );
    await session.start();
  });

  afterEach(() => session.close());

  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it('sends a tuple as soon as Redis says the partner is settled', async () => {
    source.push(1000);
    answers[0].resolve([{ entry: e(1004), settled: true }]);
    await flush();
    expect(sent.map((s) => s.tuples)).toEqual([
      [{ ref: 'cam', id: '1000-0', members: [{ sid: 'imu', id: '1004-0', dtMs: 4 }] }],
    ]);
    expect(sent[0].batch.map((b) => `${b.sid}:${b.id}`)).toEqual(['cam:1000-0', 'imu:1004-0']);
  });

  it('settles with a live partner entry that came while Redis was asked', async () => {
    source.push(1000);
    session.onEntries('imu', '0-0', [e(995), e(1012)]);
    answers[0].resolve([{ entry: e(990), settled: false }]);
    await flush();
    // 995 is nearer than 990, and 1012 (after the time) settles it
    expect(sent[0].tuples[0].members).toEqual([{ sid: 'imu', id: '995-0', dtMs: -5 }]);
  });

  it('waits for a partner seen live after the answer, keeping reference order', async () => {
    source.push(1000);
    source.push(2000);
    answers[0].resolve([{ entry: null, settled: false }]);
    answers[1].resolve([{ entry: e(1990), settled: true }]);
    await flush();
    expect(sent).toEqual([]); // the first tuple holds the second back
    session.onEntries('imu', '0-0', [e(1003)]);
    expect(sent.map((s) => s.tuples.map((t) => t.members[0].id))).toEqual([['1003-0', '1990-0']]);
  });

  it('marks a partner further than the tolerance missing', async () => {
    source.push(1000);
    answers[0].resolve([{ entry: null, settled: false }]);
    await flush();
    session.onEntries('imu', '0-0', [e(1500)]);
    expect(sent[0].tuples[0].members).toEqual([{ sid: 'imu', id: null, dtMs: null }]);
    expect(sent[0].batch).toHaveLength(1);
  });
});
