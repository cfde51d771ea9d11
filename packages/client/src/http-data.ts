import { accessToken, authHeaders, AuthOptions } from './auth.js';
import { httpError, StreamerClientError } from './errors.js';
import { parseBatchHeader, Payload, PulledEntry, splitBatch, toBuffer } from './frames.js';
import { httpBase, queryString, sidSegment } from './urls.js';
import { request } from './request.js';

export interface HttpReadOptions extends AuthOptions {
  /** Server base URL (default `http://localhost:8000`). */
  url?: string;
  /** `$` (default: only newer entries), `0` (from the beginning), an id, or one per sid joined by `+`. */
  lastEntryId?: string;
  /** Most entries per stream (server default 1). */
  count?: number;
  /** Only the newest entry of each stream. */
  latest?: boolean;
  /** Wait up to this many ms when nothing is there yet. */
  block?: number;
  signal?: AbortSignal;
}

export interface HttpReadResult {
  entries: PulledEntry[];
  /** Pass as `lastEntryId` next time to continue without gap or duplicate. */
  lastEntryId: string;
}

/** An entry to POST; `sid` picks the stream when the URL names several (or `*`). */
export interface HttpEntry {
  sid?: string;
  data: Payload;
}

/**
 * `POST /data/{sid}`: one raw entry (`application/octet-stream`), or several as multipart parts
 * named `entries` (the filename carries the sid when given). Resolves to the new entry ids.
 */
export async function postEntries(
  sids: string | readonly string[] | '*',
  entries: Payload | readonly HttpEntry[],
  options: AuthOptions & { url?: string; signal?: AbortSignal } = {},
): Promise<string[]> {
  const target = `${httpBase(options.url)}/data/${sids === '*' ? '*' : sidSegment(sids)}${queryString(
    { access_token: accessToken(options) },
  )}`;
  let init: RequestInit;
  if (Array.isArray(entries)) {
    const form = new FormData();
    for (const entry of entries as readonly HttpEntry[]) {
      form.append('entries', new Blob([toBuffer(entry.data)]), entry.sid ?? 'entry');
    }
    init = { method: 'POST', body: form, headers: authHeaders(options) };
  } else {
    init = {
      method: 'POST',
      body: toBuffer(entries as Payload),
      headers: { 'content-type': 'application/octet-stream', ...authHeaders(options) },
    };
  }
  const res = await request(target, { ...init, signal: options.signal });
  if (!res.ok) throw await httpError(res, `POST ${target}`);
  return (await res.json()) as string[];
}

/** `GET /data/{sid}`: the entries after `lastEntryId`, and the cursor to pass next time. */
export async function getEntries(
  sids: string | readonly string[],
  options: HttpReadOptions = {},
): Promise<HttpReadResult> {
  const target = `${httpBase(options.url)}/data/${sidSegment(sids)}${queryString({
    last_entry_id: options.lastEntryId,
    count: options.count,
    latest: options.latest,
    block: options.block,
    access_token: accessToken(options),
  })}`;
  const res = await request(target, { headers: authHeaders(options), signal: options.signal });
  if (!res.ok) throw await httpError(res, `GET ${target}`);
  const body = Buffer.from(await res.arrayBuffer());
  const offsets = res.headers.get('entry-offset');
  const lastEntryId = res.headers.get('x-last-entry-id');
  if (offsets === null || lastEntryId === null) {
    throw new StreamerClientError(`GET ${target}: entry-offset or x-last-entry-id header missing`);
  }
  return { entries: splitBatch(parseBatchHeader(JSON.parse(offsets)), body), lastEntryId };
}
