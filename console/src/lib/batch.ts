/** One entry of a pull batch. */
export interface PulledEntry {
  sid: string;
  id: string;
  data: Uint8Array;
}

/**
 * Splits a pull batch: the text frame's header `[[sid, id, start], …]` and the binary frame with
 * the payloads back to back (entry i ends where entry i+1 starts). Throws on a malformed header.
 */
export function splitBatch(headerText: string, body: Uint8Array): PulledEntry[] {
  const header = JSON.parse(headerText) as unknown;
  if (!Array.isArray(header)) throw new Error('pull header is not a list');
  return header.map((item: unknown, i) => {
    if (!Array.isArray(item) || item.length !== 3) throw new Error('malformed pull header');
    const [sid, id, start] = item as [string, string, number];
    const next = header[i + 1] as [string, string, number] | undefined;
    const end = next ? next[2] : body.length;
    return { sid, id, data: body.subarray(start, end) };
  });
}
