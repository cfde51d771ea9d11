import { Injectable, Logger } from '@nestjs/common';
import { StreamerError } from '../common/errors.js';
import { idMillis } from '../streams/ids/entry-id.js';
import type { HubListener } from '../streams/hub/hub.types.js';
import { ReadHub } from '../streams/hub/read-hub.js';
import { StreamRepository } from '../streams/repositories/stream.repository.js';
import { Entry } from '../streams/repositories/stream.types.js';
import { ChannelDirectory } from './channel-directory.js';

/** A viewer as the live feeds see it. */
export interface LiveViewer {
  /**
   * One new entry of `sid`: its channel's message is `head` then `body` (the entry as Redis
   * returned it); both are shared by every viewer and must not be changed.
   */
  live(sid: string, id: string, ns: bigint, head: Buffer, body: Buffer): void;
  /** The feed of `sid` failed (Redis unreachable, key not a stream). */
  feedFailed(sid: string, error: StreamerError): void;
}

/** The live entries of one stream, for every viewer subscribed to it. */
class Feed implements HubListener {
  readonly viewers = new Set<LiveViewer>();

  constructor(
    readonly sid: string,
    private readonly directory: ChannelDirectory,
  ) {}

  onEntries(sid: string, _prevId: string, entries: Entry[]): void {
    const channel = this.directory.channelOf(sid);
    if (!channel) return;
    for (const entry of entries) {
      const ms = idMillis(entry.id);
      // Framed once, whatever the number of viewers; the entry itself is never copied.
      const head = channel.plan.head(entry.data.length, ms);
      const ns = BigInt(ms) * 1_000_000n;
      for (const viewer of this.viewers) viewer.live(sid, entry.id, ns, head, entry.data);
    }
  }

  onHubError(error: StreamerError): void {
    for (const viewer of [...this.viewers]) viewer.feedFailed(this.sid, error);
  }
}

/**
 * Fan-out of live entries to viewers on the shared read hub: one hub listener per stream that
 * has subscribers (no Redis connection per viewer), which encodes each entry once.
 */
@Injectable()
export class LiveFeeds {
  private readonly logger = new Logger(LiveFeeds.name);
  private readonly feeds = new Map<string, Feed>();

  constructor(
    private readonly hub: ReadHub,
    private readonly repository: StreamRepository,
    private readonly directory: ChannelDirectory,
  ) {}

  /** Delivers new entries of `sid` to `viewer` from now on. */
  async join(sid: string, viewer: LiveViewer): Promise<void> {
    let feed = this.feeds.get(sid);
    if (!feed) {
      feed = new Feed(sid, this.directory);
      this.feeds.set(sid, feed);
      feed.viewers.add(viewer);
      let cursor: string;
      try {
        cursor = await this.repository.lastId(sid);
      } catch (err) {
        if (this.feeds.get(sid) === feed) this.feeds.delete(sid);
        throw err;
      }
      // Every viewer may have left while the cursor was read.
      if (this.feeds.get(sid) === feed) this.hub.attach(sid, cursor, feed);
      return;
    }
    feed.viewers.add(viewer);
  }

  leave(sid: string, viewer: LiveViewer): void {
    const feed = this.feeds.get(sid);
    if (!feed || !feed.viewers.delete(viewer) || feed.viewers.size > 0) return;
    this.feeds.delete(sid);
    this.hub.detach(sid, feed); // a no-op when the feed was not attached yet
    this.logger.debug(`no viewer of ${sid} left`);
  }
}
