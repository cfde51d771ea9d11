/** One entry as the client library hands it out. */
export interface PulledEntry {
  sid: string;
  /** Redis entry id, `<ms>-<seq>`. */
  id: string;
  data: Buffer;
}

/** What can be sent as an entry payload (strings are sent as UTF-8). */
export type Payload = Buffer | Uint8Array | ArrayBuffer | string;

export function toBuffer(data: Payload): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** `[[sid, entry_id, start_offset], …]`, the header of a pull batch (and of an HTTP GET). */
export type BatchHeader = [string, string, number][];

/** Checks and returns a pull batch header parsed from JSON. */
export function parseBatchHeader(value: unknown): BatchHeader {
  if (!Array.isArray(value)) throw new Error('batch header is not a list');
  for (const item of value) {
    if (
      !Array.isArray(item) ||
      item.length !== 3 ||
      typeof item[0] !== 'string' ||
      typeof item[1] !== 'string' ||
      typeof item[2] !== 'number'
    ) {
      throw new Error('batch header items must be [sid, entry_id, start_offset]');
    }
  }
  return value as BatchHeader;
}

/** Splits a batch body by its header's start offsets (slices, no copies). */
export function splitBatch(header: BatchHeader, body: Buffer): PulledEntry[] {
  return header.map(([sid, id, start], i) => ({
    sid,
    id,
    data: body.subarray(start, i + 1 < header.length ? header[i + 1][2] : body.length),
  }));
}

/**
 * A push header and body for `entries`: cumulative end offsets `[e1, e2, …]` when no entry names
 * its stream, else `[[sid, e], …]` (entries without a sid go to `defaultSid`).
 */
export function packPush(
  entries: readonly { sid?: string; data: Payload }[],
  defaultSid: string,
): { header: string; body: Buffer } {
  const buffers = entries.map((e) => toBuffer(e.data));
  const explicit = entries.some((e) => e.sid !== undefined);
  const items: (number | [string, number])[] = [];
  let end = 0;
  buffers.forEach((buf, i) => {
    end += buf.length;
    items.push(explicit ? [entries[i].sid ?? defaultSid, end] : end);
  });
  const body = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers, end);
  return { header: JSON.stringify(items), body };
}
