import {
  DEFAULT_MJPEG_FPS,
  MAX_BLOCK_MS,
  MAX_COUNT,
  MAX_MJPEG_FPS,
} from '../dto/data-query.dto.js';
import { ERROR_SCHEMA, POST_REQUEST_BODY, SchemaObject } from './openapi-schemas.js';

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ERROR_SCHEMA } },
});

const sidParameter = (description: string) => ({
  name: 'sid',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

const query = (name: string, description: string, schema: SchemaObject) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

/**
 * The OpenAPI 3 description of the HTTP data endpoints, served at `/docs-json` and shown by
 * Swagger UI at `/docs`. Written out as data so that describing the API costs the running service
 * nothing but this object.
 */
export const OPENAPI_DOCUMENT = {
  openapi: '3.0.0',
  info: {
    title: 'redis-streamer',
    description:
      'HTTP data endpoints of redis-streamer. WebSocket push/pull live at `ws://HOST/data/{sid}/push` ' +
      'and `/pull`, GraphQL at `/graphql` (see docs/protocol.md and docs/graphql.md).',
    version: '1.0.0',
  },
  tags: [{ name: 'data' }],
  paths: {
    '/data/{sid}': {
      post: {
        tags: ['data'],
        summary: 'Append entries to one or more streams',
        description:
          'multipart/form-data: every part named `entries` is one entry, stored in order. With `{sid}` = `*` ' +
          "each part's filename is its stream id; with several sids joined by `+` each part's filename picks " +
          'one of them. Any other body (application/octet-stream, image/jpeg, no type) is one entry for the ' +
          'single stream in the URL. Bodies and parts are bounded by MAX_PAYLOAD_BYTES (413 above).',
        parameters: [sidParameter('stream id (percent-encoded), `a+b`, or `*`')],
        requestBody: POST_REQUEST_BODY,
        responses: {
          200: {
            description: 'the new entry ids, in the order of the entries',
            content: {
              'application/json': {
                schema: { type: 'array', items: { type: 'string', example: '1700000000000-0' } },
              },
            },
          },
          400: error('bad stream id or malformed body'),
          403: error("a part's filename is not one of the URL's sids"),
          413: error('body or part over MAX_PAYLOAD_BYTES'),
          415: error('JSON or urlencoded body'),
          500: error('Redis refused (e.g. the key is not a stream)'),
          503: error('Redis unreachable'),
        },
      },
      get: {
        tags: ['data'],
        summary: 'Read entries after a cursor (optionally waiting for them)',
        description:
          'The body holds the payloads back to back; `entry-offset` says where each starts. Pass ' +
          '`x-last-entry-id` as `last_entry_id` next time to continue without gap or duplicate.',
        parameters: [
          sidParameter('stream id (percent-encoded), or several joined by `+`'),
          query(
            'last_entry_id',
            'start after this id: `$` (default) = only entries newer than now, `0` or `-` = from the ' +
              'beginning, or an entry id; several sids may take one each, joined by `+`',
            { type: 'string', default: '$' },
          ),
          query('count', 'most entries per stream', {
            type: 'integer',
            default: 1,
            minimum: 1,
            maximum: MAX_COUNT,
          }),
          query('latest', 'only the newest entry of each stream (if newer than the cursor)', {
            type: 'boolean',
            default: false,
          }),
          query(
            'group',
            'read as a consumer of this consumer group (created on first use, from last_entry_id): ' +
              'each entry goes to one consumer of the group; needs `consumer`',
            { type: 'string' },
          ),
          query(
            'consumer',
            "this reader's name in the group (its unacknowledged entries come back to it first)",
            { type: 'string' },
          ),
          query(
            'ack',
            'with `group`: `auto` (the entries are acknowledged once the answer is written)',
            { type: 'string', enum: ['auto'] },
          ),
          query('block', 'ms to wait for an entry when none is there yet (0 = answer at once)', {
            type: 'integer',
            default: 0,
            minimum: 0,
            maximum: MAX_BLOCK_MS,
          }),
        ],
        responses: {
          200: {
            description: 'the payloads back to back (empty when nothing newer came)',
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
            headers: {
              'entry-offset': {
                description:
                  'JSON `[[sid, entry_id, start_offset], …]` (non-ASCII escaped as \\uXXXX)',
                schema: { type: 'string', example: '[["counter","1700000000000-0",0]]' },
              },
              'x-last-entry-id': {
                description:
                  'the last_entry_id to pass next time: per sid (joined by `+`) the newest id returned, ' +
                  'or the cursor passed in when nothing newer came (`$` resolved to the newest id at ' +
                  'request time)',
                schema: { type: 'string', example: '1700000000000-0' },
              },
            },
          },
          400: error('bad stream id or query parameter'),
          500: error('Redis refused (e.g. the key is not a stream)'),
          503: error('Redis unreachable'),
        },
      },
    },
    '/data/{sid}/mjpeg': {
      get: {
        tags: ['data'],
        summary: 'Watch a stream of JPEG entries as MJPEG',
        description:
          'Answers `multipart/x-mixed-replace` and keeps the response open: the newest entry first (when ' +
          'it is a JPEG), then each new JPEG entry as one part (`Content-Type: image/jpeg`, ' +
          '`Content-Length`, `X-Entry-Id`). A slow client skips frames (the server holds at most one ' +
          'per client); entries that do not start with FF D8 are skipped. `<img src="/data/cam/mjpeg">` ' +
          'shows it live.',
        parameters: [
          sidParameter('one stream id (percent-encoded)'),
          query('max_fps', 'at most this many frames a second (0 = as fast as the client reads)', {
            type: 'number',
            default: DEFAULT_MJPEG_FPS,
            minimum: 0,
            maximum: MAX_MJPEG_FPS,
          }),
        ],
        responses: {
          200: {
            description: 'a never-ending multipart body of JPEG frames',
            content: { 'multipart/x-mixed-replace': {} },
          },
          400: error('bad stream id, several stream ids, or a bad max_fps'),
          503: error('server shutting down'),
        },
      },
    },
  },
} as const;
