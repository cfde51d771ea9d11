import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { StreamMetaRepository } from '../streams/repositories/stream-meta.repository.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { StreamChannel, streamChannel } from '../streams/formats/stream-formats.js';
import { AdvertisedChannel } from './foxglove-protocol.js';

/** How often the stream list is scanned while viewers are connected. */
const DIRECTORY_SCAN_MS = 1000;

/** A stream as a channel: its advertisement and how its entries become messages. */
export interface ViewerChannel {
  sid: string;
  advertised: AdvertisedChannel;
  plan: StreamChannel;
}

/** Told when channels appear, change or disappear (a changed channel is removed, then added). */
export interface DirectoryListener {
  added(channels: readonly ViewerChannel[]): void;
  removed(channels: readonly ViewerChannel[]): void;
}

interface Known {
  channel: ViewerChannel;
  /** The first bytes of an entry, to sniff images when the metadata names no format. */
  sample: Buffer | undefined;
  fingerprint: string;
}

/**
 * Every stream of Redis as a Foxglove channel, kept current for all viewers at once: one scan of
 * the stream list (and of the known streams' metadata) every `DIRECTORY_SCAN_MS` while at least one
 * viewer is connected, whatever the number of viewers. Channel ids are unique for the process; a
 * stream whose format changes gets a new id.
 */
@Injectable()
export class ChannelDirectory implements OnApplicationShutdown {
  private readonly logger = new Logger(ChannelDirectory.name);
  private readonly known = new Map<string, Known>();
  private readonly listeners = new Set<DirectoryListener>();
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly repository: StreamRepository,
    private readonly meta: StreamMetaRepository,
  ) {}

  /** Starts telling `listener` about changes; resolves to every channel after a fresh scan. */
  async join(listener: DirectoryListener): Promise<ViewerChannel[]> {
    this.listeners.add(listener);
    await this.scan();
    if (!this.timer && !this.stopped && this.listeners.size > 0) {
      this.timer = setInterval(() => void this.scan().catch(() => undefined), DIRECTORY_SCAN_MS);
      this.timer.unref();
    }
    return this.channels();
  }

  leave(listener: DirectoryListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  channels(): ViewerChannel[] {
    return [...this.known.values()].map((k) => k.channel);
  }

  channelOf(sid: string): ViewerChannel | undefined {
    return this.known.get(sid)?.channel;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One scan at a time: a caller arriving during a scan waits for the next one. */
  private scan(): Promise<void> {
    const previous = this.scanning ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.scanOnce())
      .finally(() => {
        if (this.scanning === next) this.scanning = null;
      });
    this.scanning = next;
    return next;
  }

  private async scanOnce(): Promise<void> {
    let sids: string[];
    try {
      sids = await this.repository.listSids(false);
    } catch (err) {
      this.logger.warn(`stream scan failed: ${(err as Error).message}`);
      return;
    }
    const present = new Set(sids);
    const added: ViewerChannel[] = [];
    const removed: ViewerChannel[] = [];
    for (const [sid, known] of this.known) {
      if (!present.has(sid)) {
        this.known.delete(sid);
        removed.push(known.channel);
      }
    }
    const fresh = sids.filter((sid) => !this.known.has(sid));
    // Metadata and the first bytes of the first entry (to recognise images without a format).
    const firsts = await Promise.all(
      fresh.map((sid) =>
        Promise.all([
          this.meta.getMeta(sid),
          this.repository.rangeAfter(sid, '0-0', 1).catch(() => null),
        ]),
      ),
    );
    fresh.forEach((sid, i) => {
      const [meta, first] = firsts[i];
      if (first === null) return; // no longer a stream
      const sample = first[0] ? Buffer.from(first[0].data.subarray(0, 8)) : undefined;
      const known = this.make(sid, meta, sample);
      this.known.set(sid, known);
      added.push(known.channel);
    });
    // Metadata of the streams known before this scan: a new format is a new channel.
    const old = sids.filter((sid) => this.known.has(sid) && !fresh.includes(sid));
    const metas = await Promise.all(old.map((sid) => this.meta.getMeta(sid)));
    old.forEach((sid, i) => {
      const before = this.known.get(sid)!;
      const after = this.make(sid, metas[i], before.sample);
      if (after.fingerprint === before.fingerprint) return;
      this.known.set(sid, after);
      removed.push(before.channel);
      added.push(after.channel);
    });
    if (removed.length === 0 && added.length === 0) return;
    added.sort((a, b) => (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
    for (const listener of this.listeners) {
      if (removed.length > 0) listener.removed(removed);
      if (added.length > 0) listener.added(added);
    }
  }

  private make(sid: string, meta: Record<string, unknown>, sample: Buffer | undefined): Known {
    const plan = streamChannel(meta, sample);
    const schema = plan.schema;
    const fields = {
      topic: sid,
      encoding: plan.messageEncoding,
      schemaName: schema?.name ?? '',
      // Binary schemas (protobuf descriptors) travel base64-encoded, JSON Schemas as text.
      schema: !schema
        ? ''
        : schema.encoding === 'protobuf'
          ? Buffer.from(schema.data).toString('base64')
          : Buffer.from(schema.data).toString('utf8'),
      ...(schema && { schemaEncoding: schema.encoding }),
    };
    const fingerprint = JSON.stringify(fields);
    const current = this.known.get(sid);
    const id =
      current && current.fingerprint === fingerprint
        ? current.channel.advertised.id
        : this.nextId++;
    return { channel: { sid, plan, advertised: { id, ...fields } }, sample, fingerprint };
  }
}
