import type { PulledEntry } from './frames.js';
import { Puller, PullerOptions } from './puller.js';
import type { SyncOptions, SyncTuple, TupleDescription, TuplePartner } from './sync.js';

/**
 * A synchronized pull as an async iterator of tuples, over a `Puller` (reconnects and resumes
 * after the last tuple's reference entry):
 *
 * ```ts
 * const tuples = new SyncPuller(['cam', 'imu', 'depth'], { sync: { reference: 'cam' } });
 * for await (const { reference, partners } of tuples) console.log(reference.id, partners.imu?.dtMs);
 * ```
 */
export class SyncPuller implements AsyncIterableIterator<SyncTuple> {
  readonly puller: Puller;
  private readonly described: TupleDescription[] = [];
  /** An entry read ahead that starts the next tuple. */
  private ahead: PulledEntry | null = null;

  constructor(sids: readonly string[], options: PullerOptions & { sync: SyncOptions }) {
    this.puller = new Puller(sids, {
      ...options,
      onTuples: (tuples) => this.described.push(...tuples),
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<SyncTuple>> {
    const reference = this.ahead ?? (await this.read());
    this.ahead = null;
    if (!reference) return { value: undefined, done: true };
    // Descriptions of tuples lost with a connection are skipped.
    while (this.described.length > 0 && this.described[0].id !== reference.id)
      this.described.shift();
    const description = this.described.shift();
    const partners: Record<string, TuplePartner | null> = {};
    for (const [sid, member] of Object.entries(description?.members ?? {})) {
      partners[sid] = null;
      if (member === null) continue;
      const entry = await this.read();
      if (!entry) break;
      if (entry.sid !== sid || entry.id !== member[0]) {
        // A reconnect resumed after this tuple's reference: its other partners are not coming.
        this.ahead = entry;
        break;
      }
      partners[sid] = { entry, dtMs: member[1] };
    }
    return { value: { reference, partners }, done: false };
  }

  async return(): Promise<IteratorResult<SyncTuple>> {
    this.puller.close();
    return { value: undefined, done: true };
  }

  close(): void {
    this.puller.close();
  }

  private async read(): Promise<PulledEntry | null> {
    const next = await this.puller.next();
    return next.done ? null : next.value;
  }
}
