import { badRequest } from '../../common/errors.js';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
export const MAX_SID_BYTES = 256;

/** Why `sid` is not a valid stream id, or null when it is (SPEC "Words"). */
export function sidProblem(sid: string): string | null {
  if (typeof sid !== 'string' || sid.length === 0) return 'stream id must not be empty';
  if (Buffer.byteLength(sid, 'utf8') > MAX_SID_BYTES)
    return `stream id is longer than ${MAX_SID_BYTES} bytes`;
  if (CONTROL.test(sid)) return 'stream id must not contain control characters';
  if (sid.includes('+')) return 'stream id must not contain "+"';
  if (sid.includes('\ufffd')) return 'stream id must be valid UTF-8';
  return null;
}

export function assertSid(sid: string): string {
  const problem = sidProblem(sid);
  if (problem) throw badRequest(`${problem}: ${JSON.stringify(sid.slice(0, 64))}`);
  return sid;
}

/** Why `name` is not a consumer group or consumer name (1-256 bytes, no control characters). */
export function groupNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must not be empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_SID_BYTES)
    return `is longer than ${MAX_SID_BYTES} bytes`;
  if (CONTROL.test(name)) return 'must not contain control characters';
  return null;
}

/** Metadata keys (`XMETA:{sid}`) are not streams: the data endpoints refuse sids with this prefix. */
export const RESERVED_PREFIX = 'XMETA:';

/** A valid sid the data endpoints may read or write (not in the reserved `XMETA:` space). */
export function assertDataSid(sid: string): string {
  assertSid(sid);
  if (sid.startsWith(RESERVED_PREFIX)) {
    throw badRequest(
      `stream ids starting with "${RESERVED_PREFIX}" are reserved for metadata: ${JSON.stringify(sid.slice(0, 64))}`,
    );
  }
  return sid;
}

/**
 * Why `sids` is not a list of stream ids, or null when it is: each must be valid, and none listed
 * twice (positional push headers and per-stream cursors would become ambiguous).
 */
export function sidListProblem(sids: readonly unknown[]): string | null {
  const seen = new Set<string>();
  for (const sid of sids) {
    if (typeof sid !== 'string') return 'stream id must be a string';
    const problem = sidProblem(sid);
    if (problem) return `${problem}: ${JSON.stringify(sid.slice(0, 64))}`;
    if (seen.has(sid)) return `stream id listed twice: ${JSON.stringify(sid.slice(0, 64))}`;
    seen.add(sid);
  }
  return null;
}

/**
 * The sids of a data URL path segment: `+` separates several, each percent-decoded and validated
 * (reserved `XMETA:` sids refused).
 */
export function parseSidList(segment: string, maxSids: number): string[] {
  const sids = segment.split('+').map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw badRequest(
        `stream id is not valid percent-encoding: ${JSON.stringify(part.slice(0, 64))}`,
      );
    }
  });
  const problem = sidListProblem(sids);
  if (problem) throw badRequest(problem);
  for (const sid of sids) assertDataSid(sid);
  if (sids.length > maxSids) throw badRequest(`at most ${maxSids} stream ids per request`);
  return sids;
}
