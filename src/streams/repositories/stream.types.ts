import type {
  ConsumerReply,
  Entry,
  GroupReply,
  StreamEntries,
  StreamInfoReply,
} from '../../redis/replies.js';

export type { Entry, StreamEntries };

/** `XINFO STREAM` of one key, or the error Redis gave for it, with the stream's metadata. */
export interface StreamInfo extends StreamInfoReply {
  sid: string;
  error: string | null;
  meta: Record<string, unknown>;
}

/**
 * Where a stream stands, as far as the gap signal needs it (`XINFO STREAM`): how many entries
 * were ever added and how many it holds, so `added - length` entries were removed, from the
 * front unless entries were deleted in the middle (`maxDeletedId` at or after `firstId`).
 */
export interface StreamPosition {
  /** entries-added */
  added: number;
  length: number;
  /** Id of the first entry (null: empty). */
  firstId: string | null;
  /** max-deleted-entry-id (XDEL; trimming leaves it alone). */
  maxDeletedId: string;
  lastGeneratedId: string;
  /** Id of the newest entry (`0-0`: empty). */
  lastId: string;
  /** Id of the entry before the newest, when asked for and there is one. */
  beforeLastId: string | null;
}

/** One consumer group of a stream (`XINFO GROUPS` and `XINFO CONSUMERS`). */
export interface GroupInfo extends GroupReply {
  consumers: ConsumerReply[];
}
