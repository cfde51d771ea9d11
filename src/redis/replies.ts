import { ErrorReply, RESP_TYPES } from 'redis';
import { ErrorCode, StreamerError } from '../common/errors.js';
import type { CommandArgs, RedisCommands, SendOptions } from './redis-commands.js';

/**
 * Redis replies as typed values, shared by every repository: stream entries (XRANGE, XREAD,
 * XREADGROUP, XAUTOCLAIM), the XINFO replies, and failures as coded errors.
 */

/** Bulk strings as Buffers: payloads are binary. */
export const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;
const EMPTY = Buffer.alloc(0);

type Raw = unknown;
/** One entry as Redis sends it with `AS_BUFFERS`: its id and its fields (null: deleted). */
export type RawEntry = [Buffer, Buffer[] | null];

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

/** The fields of an `XINFO STREAM` reply (null when the reply lacks one). */
export interface StreamInfoReply {
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
}

/** One consumer group of a stream (`XINFO GROUPS`). */
export interface GroupReply {
  name: string;
  /** Entries delivered to the group's consumers and not acknowledged yet. */
  pending: number;
  lastDeliveredId: string;
  /** entries-read (null when Redis cannot tell). */
  entriesRead: number | null;
  /** Entries not delivered to the group yet (null when Redis cannot tell). */
  lag: number | null;
}

/** One consumer of a group (`XINFO CONSUMERS`). */
export interface ConsumerReply {
  name: string;
  pending: number;
  idleMs: number;
  inactiveMs: number | null;
}

export function toEntry(raw: RawEntry): Entry {
  const [id, fields] = raw;
  return { id: id.toString('latin1'), data: payloadOf(fields) };
}

function payloadOf(fields: Buffer[] | null): Buffer {
  if (!fields || fields.length < 2) return EMPTY;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i].length === 1 && fields[i][0] === 0x64 /* 'd' */) return fields[i + 1];
  }
  return fields[1];
}

/** An XREAD reply: the entries of each stream that had any. */
export function toStreamEntries(reply: [Buffer, RawEntry[]][] | null): StreamEntries[] {
  if (!reply) return [];
  return reply.map(([name, entries]) => ({
    sid: name.toString('utf8'),
    entries: entries.map(toEntry),
  }));
}

/**
 * The entries of a one-stream XREADGROUP reply, and the ids of pending entries that were trimmed
 * from the stream meanwhile (Redis sends them without fields).
 */
export function toGroupRead(reply: [Buffer, RawEntry[]][] | null): {
  entries: Entry[];
  deleted: string[];
} {
  const entries: Entry[] = [];
  const deleted: string[] = [];
  for (const raw of reply?.[0]?.[1] ?? []) {
    if (raw[1] === null) deleted.push(raw[0].toString('latin1'));
    else entries.push(toEntry(raw));
  }
  return { entries, deleted };
}

/** An XAUTOCLAIM reply: where to go on from, and the claimed entries still in the stream. */
export function toClaim([next, raw]: [Buffer, RawEntry[]]): { next: string; entries: Entry[] } {
  return {
    next: next.toString('latin1'),
    entries: raw.filter((e) => e[1] !== null).map(toEntry),
  };
}

export function str(value: Raw): string | null {
  if (value == null) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function num(value: Raw): number | null {
  if (value == null) return null;
  const n = Number(Buffer.isBuffer(value) ? value.toString('latin1') : value);
  return Number.isFinite(n) ? n : null;
}

/** A flat `[name, value, …]` reply as a map. */
function fieldsOf(reply: Raw[]): Map<string, Raw> {
  const fields = new Map<string, Raw>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(str(reply[i])), reply[i + 1]);
  return fields;
}

/** An `XINFO STREAM` reply (none: every field null). */
export function toStreamInfo(reply: Raw[] | null): StreamInfoReply {
  const fields = fieldsOf(reply ?? []);
  const entry = (value: Raw) => (Array.isArray(value) ? toEntry(value as RawEntry) : null);
  return {
    length: num(fields.get('length')),
    radixTreeKeys: num(fields.get('radix-tree-keys')),
    radixTreeNodes: num(fields.get('radix-tree-nodes')),
    lastGeneratedId: str(fields.get('last-generated-id')),
    maxDeletedEntryId: str(fields.get('max-deleted-entry-id')),
    entriesAdded: num(fields.get('entries-added')),
    recordedFirstEntryId: str(fields.get('recorded-first-entry-id')),
    groups: num(fields.get('groups')),
    firstEntry: entry(fields.get('first-entry')),
    lastEntry: entry(fields.get('last-entry')),
  };
}

/** An `XINFO GROUPS` reply. */
export function toGroups(reply: Raw[][]): GroupReply[] {
  return reply.map(fieldsOf).map((g) => ({
    name: String(str(g.get('name'))),
    pending: num(g.get('pending')) ?? 0,
    lastDeliveredId: String(str(g.get('last-delivered-id'))),
    entriesRead: num(g.get('entries-read')),
    lag: num(g.get('lag')),
  }));
}

/** An `XINFO CONSUMERS` reply. */
export function toConsumers(reply: Raw[][]): ConsumerReply[] {
  return reply.map(fieldsOf).map((c) => ({
    name: String(str(c.get('name'))),
    pending: num(c.get('pending')) ?? 0,
    idleMs: num(c.get('idle')) ?? 0,
    inactiveMs: num(c.get('inactive')),
  }));
}

/** Maps node-redis failures to coded errors: Redis error replies vs. an unreachable Redis. */
export function toStreamerError(err: unknown): StreamerError {
  if (err instanceof StreamerError) return err;
  if (err instanceof ErrorReply) {
    if (/ID specified in XADD|Invalid stream ID/i.test(err.message)) {
      return new StreamerError(ErrorCode.MalformedData, err.message);
    }
    return new StreamerError(ErrorCode.Internal, `Redis: ${err.message}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StreamerError(ErrorCode.Unavailable, `Redis unavailable: ${message}`);
}

export const rethrowAsStreamerError = (err: unknown): never => {
  throw toStreamerError(err);
};

/** One command, routed (on a cluster) by `key`, its only key; failures as coded errors. */
export async function command<T>(
  redis: RedisCommands,
  key: string | undefined,
  args: CommandArgs,
  options?: SendOptions,
): Promise<T> {
  try {
    return await redis.send<T>(key, args, options);
  } catch (err) {
    throw toStreamerError(err);
  }
}
