import { StreamerClientError } from './errors.js';

/**
 * `fetch`, with a server that cannot be reached named in the error: `cannot connect to URL:
 * ECONNREFUSED` (code `CONNECT_FAILED`) rather than fetch's bare "fetch failed". An aborted
 * request rejects as fetch rejects it.
 */
export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new StreamerClientError(`cannot connect to ${url}: ${reason(err)}`, 'CONNECT_FAILED');
  }
}

/** The network error under fetch's TypeError: a code such as ECONNREFUSED, else its message. */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string' && cause.code) return cause.code;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
