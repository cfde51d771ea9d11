import { Readable } from 'node:stream';
import { accessToken, authHeaders, AuthOptions } from './auth.js';
import { httpError } from './errors.js';
import { httpBase, queryString, sidSegment } from './urls.js';
import { request } from './request.js';

export interface ExportOptions extends AuthOptions {
  url?: string;
  /** First entry: `-` (oldest), an entry id, epoch ms, ISO-8601 or `now-30s` (server default `-`). */
  start?: string;
  /** Last entry: `+` (newest now), the same forms; a time in the future records live until then. */
  end?: string;
  compression?: 'zstd' | 'none';
  signal?: AbortSignal;
}

/**
 * `GET /data/{sid}/export`: the streams' window as an MCAP file, streamed. Resolves once the
 * server accepted the request (refusals throw); the file comes through the returned stream.
 */
export async function exportMcap(
  sids: string | readonly string[],
  options: ExportOptions = {},
): Promise<{ body: Readable; fileName: string | null }> {
  const target = `${httpBase(options.url)}/data/${sidSegment(sids)}/export${queryString({
    start: options.start,
    end: options.end,
    compression: options.compression,
    access_token: accessToken(options),
  })}`;
  const res = await request(target, { headers: authHeaders(options), signal: options.signal });
  if (!res.ok || !res.body) throw await httpError(res, `GET ${target}`);
  const disposition = res.headers.get('content-disposition') ?? '';
  return {
    body: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
    fileName: /filename="([^"]+)"/.exec(disposition)?.[1] ?? null,
  };
}

export interface ImportOptions extends AuthOptions {
  url?: string;
  /** Prepended to every channel topic to name its stream. */
  prefix?: string;
  /** Pace messages by their recorded log times (1 = as recorded); unset: as fast as possible. */
  speed?: number;
  /** `keep`: store the recorded entry ids where the streams allow; `new` (default): new ids. */
  ids?: 'keep' | 'new';
  signal?: AbortSignal;
}

/** What an import wrote to one stream. */
export interface ImportedStream {
  sid: string;
  topics: string[];
  written: number;
  bytes: number;
  firstId: string | null;
  lastId: string | null;
  newIds: number;
}

export interface ImportSummary {
  streams: ImportedStream[];
  messages: number;
  ids: 'keep' | 'new';
  speed: number | null;
}

/**
 * `POST /data/import`: sends an MCAP file (a stream, so it is never held in memory whole) and
 * resolves to what the server wrote. A malformed file throws, its message saying what was
 * written before the bad record.
 */
export async function importMcap(
  file: Readable | Uint8Array,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const target = `${httpBase(options.url)}/data/import${queryString({
    prefix: options.prefix,
    speed: options.speed,
    ids: options.ids,
    access_token: accessToken(options),
  })}`;
  const body = file instanceof Readable ? (Readable.toWeb(file) as ReadableStream) : file;
  const res = await request(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-mcap', ...authHeaders(options) },
    body,
    signal: options.signal,
    // A streamed request body (Node's fetch requires saying so).
    ...({ duplex: 'half' } as object),
  });
  if (!res.ok) throw await httpError(res, `POST ${target}`);
  return (await res.json()) as ImportSummary;
}
