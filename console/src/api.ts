/**
 * The console's only way to the service: its public API. GraphQL over HTTP for lists, metadata
 * and deletion, `POST /data/{sid}` to push, the WebSocket pull for live views. The token (when
 * auth is on) is kept in sessionStorage and sent as `Authorization` or `access_token`.
 */
import { splitBatch, PulledEntry } from './lib/batch.js';
import { joinTuples, parseTuplesFrame, SyncTuple } from './lib/tuples.js';

const TOKEN_KEY = 'redis-streamer.token';

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A refusal from the service, with its error code when it gave one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The service wants a (valid) token: the user's next step is the Token field. */
export function isAuthError(err: unknown): err is ApiError {
  return err instanceof ApiError && err.code === 'UNAUTHENTICATED';
}

interface GqlAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await res.json().catch(() => ({}))) as GqlAnswer<T>;
  if (answer.errors?.length) {
    const [first] = answer.errors;
    const code = first.extensions?.code;
    throw new ApiError(code ? `${code}: ${first.message}` : first.message, code);
  }
  if (!res.ok || !answer.data) throw new ApiError(`GraphQL answered HTTP ${res.status}`);
  return answer.data;
}

/** One row of the stream list. */
export interface StreamRow {
  sid: string;
  length: number | null;
  entriesAdded: number | null;
  lastEntryId: string | null;
  lastEntryTime: string | null;
  error: string | null;
}

/** Every stream id (cheap: a SCAN on the server). */
export async function listSids(): Promise<string[]> {
  return (await gql<{ sids: string[] }>('{ sids }')).sids;
}

/** Length, last entry and counters of the given streams (XINFO STREAM each on the server). */
export async function describeStreams(sids: string[]): Promise<StreamRow[]> {
  if (sids.length === 0) return [];
  const data = await gql<{ streams: StreamRow[] }>(
    'query Rows($sids: [String!]) { streams(sids: $sids) { sid length entriesAdded lastEntryId lastEntryTime error } }',
    { sids },
  );
  return data.streams;
}

/** One device: its presence and its streams (ids without the `<device>:` prefix). */
export interface DeviceRow {
  id: string;
  connected: boolean;
  lastSeen: string | null;
  streamIds: string[];
}

/** Every device the caller may read, connected or not. */
export async function listDevices(): Promise<DeviceRow[]> {
  const data = await gql<{ devices: DeviceRow[] }>(
    '{ devices(includeAll: true) { id connected lastSeen streamIds } }',
  );
  return data.devices;
}

export async function getMeta(sid: string): Promise<Record<string, unknown>> {
  const data = await gql<{ stream: { meta: Record<string, unknown> } }>(
    'query Meta($sid: String!) { stream(sid: $sid) { meta } }',
    { sid },
  );
  return data.stream.meta;
}

export async function setMeta(sid: string, meta: Record<string, unknown>): Promise<void> {
  await gql(
    'mutation SetMeta($sid: String!, $meta: JSON!) { streamMeta(sid: $sid, meta: $meta) }',
    {
      sid,
      meta,
    },
  );
}

export async function deleteStream(sid: string): Promise<void> {
  await gql('mutation Delete($sid: String!) { deleteStream(sid: $sid) }', { sid });
}

/** Appends one text entry; resolves to its id. */
export async function pushText(sid: string, text: string): Promise<string> {
  const res = await fetch(`/data/${encodeURIComponent(sid)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8', ...authHeaders() },
    body: text,
  });
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message;
    throw new ApiError(message ?? `push answered HTTP ${res.status}`);
  }
  return (body as string[])[0];
}

/** URL of the MJPEG view of `sid` (for an `<img>` or a new tab). */
export function mjpegUrl(sid: string, maxFps = 10): string {
  const token = getToken();
  const q = new URLSearchParams({ max_fps: String(maxFps) });
  if (token) q.set('access_token', token);
  return `/data/${encodeURIComponent(sid)}/mjpeg?${q}`;
}

/**
 * `GET /data/{sid}/export`: the streams as an MCAP file (`start`/`end`: entry ids, epoch ms,
 * ISO-8601 or `now-30s`; the server's clock decides what `now` is).
 */
export function exportUrl(sids: readonly string[], start?: string, end?: string): string {
  const token = getToken();
  const q = new URLSearchParams();
  if (start) q.set('start', start);
  if (end) q.set('end', end);
  if (token) q.set('access_token', token);
  const query = q.toString();
  return `/data/${sids.map(encodeURIComponent).join('+')}/export${query ? `?${query}` : ''}`;
}

export interface LiveHandlers {
  entry(entry: PulledEntry): void;
  closed(reason: string): void;
}

/** `ws:` or `wss:` and this page's host: where the console's WebSockets go. */
function wsOrigin(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

/**
 * A WebSocket pull of `sids` with `query` (and the token): each batch's entries go to `batch`
 * with the JSON object frames (`{"tuples": …}`, `{"gap": …}`) that came before it; an error
 * frame or the close goes to `closed`. Answers the function that stops it.
 */
function openPull(
  sids: readonly string[],
  query: URLSearchParams,
  on: { batch(entries: PulledEntry[], before: unknown[]): void; closed(reason: string): void },
): () => void {
  const token = getToken();
  if (token) query.set('access_token', token);
  const path = sids.map(encodeURIComponent).join('+');
  const ws = new WebSocket(`${wsOrigin()}/data/${path}/pull?${query}`);
  ws.binaryType = 'arraybuffer';
  let header: string | null = null;
  let before: unknown[] = [];
  let done = false;
  ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
    if (typeof event.data === 'string') {
      if (event.data.startsWith('{')) {
        const frame = JSON.parse(event.data) as { error?: { message?: string } };
        if (frame.error) on.closed(frame.error.message ?? 'error');
        else before.push(frame);
        return;
      }
      header = event.data;
      return;
    }
    if (header === null) return;
    const entries = splitBatch(header, new Uint8Array(event.data));
    const frames = before;
    header = null;
    before = [];
    on.batch(entries, frames);
  };
  ws.onclose = (event) => {
    if (!done) on.closed(event.reason || `connection closed (${event.code})`);
  };
  return () => {
    done = true;
    ws.close(1000);
  };
}

/**
 * A live view of `sid` over the WebSocket pull with `latest=1` and `max_fps`: the server sends
 * only the newest entry, at most `maxFps` times a second, starting after `after`.
 */
export function openLive(sid: string, after: string, maxFps: number, on: LiveHandlers): () => void {
  const q = new URLSearchParams({ latest: '1', max_fps: String(maxFps), last_entry_id: after });
  return openPull([sid], q, {
    batch: (entries) => {
      for (const entry of entries) on.entry(entry);
    },
    closed: on.closed,
  });
}

/** What a synchronized view shows: the reference stream, its partners and the tolerance. */
export interface SyncSpec {
  reference: string;
  partners: string[];
  toleranceMs: number;
}

export interface SyncHandlers {
  tuple(tuple: SyncTuple): void;
  closed(reason: string): void;
}

/**
 * A synchronized view (docs/sync.md): `ref+partners…/pull?sync=ref&tolerance_ms=…&tuples=1&latest=1`,
 * starting with the newest complete tuple; each batch's `{"tuples": …}` frame joined with its
 * entries.
 */
export function openSync(spec: SyncSpec, on: SyncHandlers): () => void {
  const q = new URLSearchParams({
    sync: spec.reference,
    tolerance_ms: String(spec.toleranceMs),
    tuples: '1',
    latest: '1',
    last_entry_id: '0',
  });
  return openPull([spec.reference, ...spec.partners], q, {
    batch: (entries, before) => {
      const tuples = before.map(parseTuplesFrame).find((t) => t !== null);
      if (!tuples) return; // a heartbeat (empty batch)
      for (const tuple of joinTuples(tuples, entries, spec.partners)) on.tuple(tuple);
    },
    closed: on.closed,
  });
}

/**
 * The Foxglove WebSocket endpoint of this service (docs/foxglove.md), with the token when one
 * is set: what a viewer connects to.
 */
export function foxgloveWsUrl(): string {
  const token = getToken();
  const q = token ? `?${new URLSearchParams({ access_token: token })}` : '';
  return `${wsOrigin()}/foxglove${q}`;
}

/**
 * A viewer's page (Foxglove's app, or a Lichtblick at `viewerOrigin`) opening this service's
 * Foxglove endpoint at once: `?ds=foxglove-websocket&ds.url=<the endpoint, percent-encoded>`.
 */
export function viewerUrl(viewerOrigin: string): string {
  const q = new URLSearchParams({ ds: 'foxglove-websocket', 'ds.url': foxgloveWsUrl() });
  return `${viewerOrigin.replace(/\/+$/, '')}/?${q}`;
}
