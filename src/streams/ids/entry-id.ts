/** Redis stream entry ids (`<ms>-<seq>`) as strings, and the comparisons the read path needs. */

export const ZERO_ID = '0-0';

const FULL_ID = /^(\d{1,20})-(\d{1,20})$/;
const MS_ONLY = /^\d{1,20}$/;

/** `a` compared with `b` (<0, 0, >0) for full ids, without allocating. */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  if (da !== db) return da - db; // a longer ms part is a bigger number (no leading zeros)
  for (let i = 0; i < da; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  const la = a.length - da;
  const lb = b.length - db;
  if (la !== lb) return la - lb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A full id with leading zeros removed, or null when `value` is not `<ms>`, `<ms>-<seq>`. */
export function normalizeId(value: string): string | null {
  const full = FULL_ID.exec(value);
  if (full) return `${BigInt(full[1])}-${BigInt(full[2])}`;
  if (MS_ONLY.test(value)) return `${BigInt(value)}-0`;
  return null;
}

/** Valid explicit ids for XADD: `<ms>-<seq>`, `<ms>-*` or `<ms>`; `*` lets Redis choose. */
export function isValidAddId(value: string): boolean {
  return value === '*' || FULL_ID.test(value) || MS_ONLY.test(value) || /^\d{1,20}-\*$/.test(value);
}

/** Milliseconds part of an entry id. */
export function idMillis(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}
