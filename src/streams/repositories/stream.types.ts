/** One stream entry: its id and its payload (field `d`). */
export interface Entry {
  id: string;
  data: Buffer;
}

/** Entries of one stream, as read together. */
export interface StreamEntries {
  sid: string;
  entries: Entry[];
}

/** `XINFO STREAM` of one key, or the error Redis gave for it. */
export interface StreamInfo {
  sid: string;
  error: string | null;
  length: number | null;
  radixTreeKeys: number | null;
  radixTreeNodes: number | null;
  lastGeneratedId: string | null;
  maxDeletedEntryId: string | null;
  entriesAdded: number | null;
  recordedFirstEntryId: string | null;
  groups: number | null;
  firstEntry: Entry | null;
  lastEntry: Entry | null;
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
export interface GroupInfo {
  name: string;
  /** Entries delivered to the group's consumers and not acknowledged yet. */
  pending: number;
  lastDeliveredId: string;
  /** entries-read (null when Redis cannot tell). */
  entriesRead: number | null;
  /** Entries not delivered to the group yet (null when Redis cannot tell). */
  lag: number | null;
  consumers: { name: string; pending: number; idleMs: number; inactiveMs: number | null }[];
}
