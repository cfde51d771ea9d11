import type { Gap } from '../streams/sessions/gaps.js';
import { ErrorCode, malformed, StreamerError } from '../common/errors.js';
import { isValidAddId } from '../streams/ids/entry-id.js';
import { BatchEntry } from '../streams/sessions/pull-session.js';

/** One entry a push header announces: where it goes and where it ends in the binary frame. */
export interface PlannedEntry {
  sid: string;
  /** `*` lets Redis choose. */
  id: string;
  /** End offset (exclusive) in the following binary frame; the entry starts where the previous ended. */
  end: number;
}

/**
 * Parses a push header (SPEC "WebSocket push"), one of:
 * - `[e1, e2, …]` cumulative end offsets; with one URL sid all entries go to it, with k sids
 *   there must be exactly k entries, entry i going to sid i;
 * - `[[sid, e], …]`; `[[sid, id, e], …]` with an explicit id (`"*"` or null: Redis chooses).
 * Offsets must be non-decreasing non-negative integers. The binary frame's length is checked
 * later by `checkFrameLength`.
 */
export function parsePushHeader(text: string, urlSids: readonly string[]): PlannedEntry[] {
  if (urlSids.length === 1) {
    const end = singleOffset(text);
    if (end >= 0) return [{ sid: urlSids[0], id: '*', end }];
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw malformed('header is not JSON');
  }
  if (!Array.isArray(header)) throw malformed('header must be a JSON list');
  const plan: PlannedEntry[] = new Array(header.length);
  const positional = header.length > 0 && typeof header[0] === 'number';
  if (positional && urlSids.length > 1 && header.length !== urlSids.length) {
    throw malformed(
      `header has ${header.length} offsets but the URL names ${urlSids.length} streams (one entry per stream)`,
    );
  }
  let previous = 0;
  for (let i = 0; i < header.length; i++) {
    const item: unknown = header[i];
    let sid: string;
    let id = '*';
    let end: unknown;
    if (positional) {
      if (Array.isArray(item)) throw malformed('header mixes offsets and [sid, offset] items');
      sid = urlSids.length === 1 ? urlSids[0] : urlSids[i];
      end = item;
    } else {
      if (!Array.isArray(item) || item.length < 2 || item.length > 3) {
        throw malformed(`header item ${i} must be an offset, [sid, offset] or [sid, id, offset]`);
      }
      if (typeof item[0] !== 'string') throw malformed(`header item ${i}: sid must be a string`);
      sid = item[0];
      if (!urlSids.includes(sid)) {
        throw new StreamerError(
          ErrorCode.NotAllowed,
          `stream ${JSON.stringify(sid.slice(0, 64))} is not in this connection's URL`,
        );
      }
      if (item.length === 3) {
        const given: unknown = item[1];
        if (given !== null && (typeof given !== 'string' || !isValidAddId(given))) {
          throw malformed(`header item ${i}: malformed entry id ${JSON.stringify(given)}`);
        }
        id = given ?? '*';
      }
      end = item[item.length - 1];
    }
    if (typeof end !== 'number' || !Number.isSafeInteger(end) || end < 0) {
      throw malformed(`header item ${i}: offset must be a non-negative integer`);
    }
    if (end < previous) throw malformed(`header item ${i}: offsets must not decrease`);
    previous = end;
    plan[i] = { sid, id, end };
  }
  return plan;
}

/**
 * The offset of a `[123]` header (the seed README's form, sent once per entry by most clients)
 * without JSON.parse, or -1 for anything else (spaces, leading zeros, several items...), which
 * then takes the general path and its error messages.
 */
function singleOffset(text: string): number {
  const last = text.length - 1;
  if (last < 2 || last > 16 || text.charCodeAt(0) !== 0x5b || text.charCodeAt(last) !== 0x5d)
    return -1;
  if (text.charCodeAt(1) === 0x30 && last > 2) return -1; // leading zero: not JSON
  let n = 0;
  for (let i = 1; i < last; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The binary frame must end exactly where the header's last offset says. */
export function checkFrameLength(plan: readonly PlannedEntry[], length: number): void {
  const expected = plan.length > 0 ? plan[plan.length - 1].end : 0;
  if (expected !== length) {
    throw malformed(`binary frame has ${length} bytes but the header's last offset is ${expected}`);
  }
}

/**
 * The text header of a pull batch, `[[sid, entry_id, start_offset], …]` (start offsets into the
 * payloads back to back), and the total payload length.
 */
export function batchHeader(batch: readonly BatchEntry[]): { header: string; length: number } {
  if (batch.length === 1) {
    const { sid, id, data } = batch[0];
    return { header: `[[${JSON.stringify(sid)},"${id}",0]]`, length: data.length };
  }
  const parts: string[] = new Array(batch.length);
  let offset = 0;
  for (let i = 0; i < batch.length; i++) {
    const { sid, id, data } = batch[i];
    parts[i] = `[${JSON.stringify(sid)},"${id}",${offset}]`;
    offset += data.length;
  }
  return { header: `[${parts.join(',')}]`, length: offset };
}

/**
 * Packs a pull batch into its text header and one body buffer (the payloads back to back). A
 * single entry's payload is used as is (no copy).
 */
export function packBatch(batch: readonly BatchEntry[]): { header: string; body: Buffer } {
  const { header, length } = batchHeader(batch);
  const body =
    batch.length === 1
      ? batch[0].data
      : Buffer.concat(
          batch.map((e) => e.data),
          length,
        );
  return { header, body };
}

/**
 * The text frame that tells a puller with `gaps=1` what it missed, sent right before the batch
 * holding entry `to`: `{"gap":{"sid","missed","from","to","exact"}}`. It is not a JSON array, so
 * it cannot be taken for a batch header.
 */
export function gapFrame(gap: Gap): string {
  const { sid, missed, from, to, exact } = gap;
  return JSON.stringify({ gap: { sid, missed, from, to, exact } });
}

/**
 * A group consumer's acknowledgement (`ack=client`): `{"ack": ["<id>", …]}`, where an item may
 * also be `[sid, id]` to name the stream when several are pulled.
 */
export function parseAckFrame(text: string): (string | [string, string])[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('an acknowledgement must be JSON: {"ack": ["<entry id>", ...]}');
  }
  const ids = (parsed as { ack?: unknown } | null)?.ack;
  if (!Array.isArray(ids)) throw malformed('an acknowledgement is {"ack": ["<entry id>", ...]}');
  for (const item of ids) {
    const ok =
      typeof item === 'string' ||
      (Array.isArray(item) &&
        item.length === 2 &&
        typeof item[0] === 'string' &&
        typeof item[1] === 'string');
    if (!ok) throw malformed('each acknowledged item is an entry id or [sid, entry id]');
  }
  return ids as (string | [string, string])[];
}
