/** Orders Redis entry ids `<ms>-<seq>` (as strings; they may exceed 2^53). */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  return compareDigits(am, bm) || compareDigits(as, bs);
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The wall-clock time an entry id carries (its milliseconds). */
export function idTime(id: string): Date {
  return new Date(Number(id.split('-')[0]));
}

const MAX_SEQ = 18446744073709551615n;

/** The id right before `id`, so that a read "after" it starts at `id` itself. */
export function previousId(id: string): string {
  const [ms, seq = '0'] = id.split('-');
  if (BigInt(seq) > 0n) return `${ms}-${BigInt(seq) - 1n}`;
  if (BigInt(ms) > 0n) return `${BigInt(ms) - 1n}-${MAX_SEQ}`;
  return '0-0';
}
