/** The server the CLI and examples talk to unless told otherwise. */
export const DEFAULT_URL = 'http://localhost:8000';

/** `http(s)://host[:port][/prefix]` without a trailing slash; `ws(s)://` is accepted too. */
export function httpBase(url: string = DEFAULT_URL): string {
  const trimmed = url.replace(/\/+$/, '');
  if (/^wss?:\/\//i.test(trimmed)) return trimmed.replace(/^ws/i, 'http');
  if (!/^https?:\/\//i.test(trimmed)) return `http://${trimmed}`;
  return trimmed;
}

/** The WebSocket base for an HTTP base: `http` → `ws`, `https` → `wss`. */
export function wsBase(url: string = DEFAULT_URL): string {
  return httpBase(url).replace(/^http/i, 'ws');
}

/** The `{sid}` path segment: each sid percent-encoded, several joined by `+`. */
export function sidSegment(sids: string | readonly string[]): string {
  const list = typeof sids === 'string' ? [sids] : sids;
  if (list.length === 0) throw new Error('at least one stream id is needed');
  return list.map((sid) => encodeURIComponent(sid)).join('+');
}

/** A query string from the defined values (booleans as `1`/`0`); `''` when there are none. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    search.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
