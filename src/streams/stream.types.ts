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
