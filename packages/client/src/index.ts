/**
 * The redis-streamer client library: WebSocket push and pull, the HTTP data endpoints and a
 * GraphQL helper, and HS256 token minting. It has no dependency on the server's code (only `ws`
 * and `jose`), so other projects can import it.
 */
export { DEFAULT_URL, httpBase, queryString, sidSegment, wsBase } from './urls.js';
export { StreamerClientError } from './errors.js';
export { accessToken, authHeaders, DEFAULT_TTL, mintToken } from './auth.js';
export type { AuthOptions, TokenClaims } from './auth.js';
export type { Payload, PulledEntry } from './frames.js';
export { Pusher } from './pusher.js';
export type { PusherOptions } from './pusher.js';
export { Puller } from './puller.js';
export type { GapEvent, PullerOptions, ReconnectEvent, ReconnectOptions } from './puller.js';
export { SyncPuller } from './sync-puller.js';
export type { SyncOptions, SyncTuple, TupleDescription, TuplePartner } from './sync.js';
export { getEntries, postEntries } from './http-data.js';
export type { HttpEntry, HttpReadOptions, HttpReadResult } from './http-data.js';
export { GraphQLClient, GraphQLRequestError, listStreams } from './graphql.js';
export type { GraphQLErrorEntry, StreamSummary } from './graphql.js';
export { exportMcap, importMcap } from './mcap.js';
export type { ExportOptions, ImportedStream, ImportOptions, ImportSummary } from './mcap.js';
