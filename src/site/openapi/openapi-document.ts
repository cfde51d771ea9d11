import {
  DEFAULT_MJPEG_FPS,
  MAX_BLOCK_MS,
  MAX_COUNT,
  MAX_MJPEG_FPS,
} from '../../data/dto/data-query.dto.js';
import { MCAP_CONTENT_TYPE } from '../../recording/mcap-export.service.js';
import { MAX_SPEED, MIN_SPEED } from '../../recording/recording-query.dto.js';
import { DEFAULT_TOLERANCE_MS, MAX_SYNC_MS } from '../../sampling/sync-options.js';
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
  tags: [{ name: 'data' }, { name: 'record and replay' }],
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
          query(
            'sync',
            'synchronized tuples (docs/sync.md): this reference stream with, per other stream, the ' +
              'entry nearest in time within `tolerance_ms`; `x-sync-tuples` describes them',
            { type: 'string' },
          ),
          query('tolerance_ms', 'with `sync`: the largest time difference paired (ms)', {
            type: 'integer',
            default: DEFAULT_TOLERANCE_MS,
            minimum: 1,
            maximum: MAX_SYNC_MS,
          }),
          query('max_wait_ms', 'with `sync`: how long a tuple waits for a partner (ms)', {
            type: 'integer',
            minimum: 0,
            maximum: MAX_SYNC_MS,
          }),
          query(
            'rate',
            'decimation per stream: `cam:2,imu:0` (entries a second; 0 = in full), the newest entry of each window',
            { type: 'string' },
          ),
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
              'x-sync-tuples': {
                description:
                  'with `sync`: JSON `[{"ref", "id", "members": {sid: [entry_id, dt_ms] | null}}, …]`',
                schema: { type: 'string' },
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
    '/data/{sid}/export': {
      get: {
        tags: ['record and replay'],
        summary: 'Export a time window of one or more streams as an MCAP file',
        description:
          "One MCAP channel per stream; each entry is a message whose log time is its entry id's time " +
          "(sequence = the id's sequence number), merged across streams in id order. JPEG/PNG streams " +
          'become sensor_msgs/msg/CompressedImage (CDR) channels, `format: json` streams json channels, ' +
          'others application/octet-stream. An `end` in the future records live until then.',
        parameters: [
          sidParameter('stream id (percent-encoded), or several joined by `+`'),
          query(
            'start',
            'first entry: `-` (default, the oldest), an entry id, epoch ms, ISO-8601 or `now-30s`',
            { type: 'string', default: '-' },
          ),
          query(
            'end',
            'last entry: `+` (default, the newest now), an entry id, epoch ms, ISO-8601 or `now+30s` ' +
              '(future: live)',
            { type: 'string', default: '+' },
          ),
          query('compression', 'chunk compression', {
            type: 'string',
            enum: ['zstd', 'none'],
            default: 'zstd',
          }),
          query(
            'rate',
            'decimation per stream: `cam:1,imu:0` (entries a second; 0 = in full), the newest entry of each window',
            { type: 'string' },
          ),
        ],
        responses: {
          200: {
            description: 'the MCAP file (Content-Disposition names it)',
            content: { [MCAP_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } },
          },
          400: error('bad stream id or query parameter'),
          500: error('Redis refused (e.g. the key is not a stream)'),
          503: error('Redis unreachable'),
        },
      },
    },
    '/data/import': {
      post: {
        tags: ['record and replay'],
        summary: 'Append the messages of an MCAP file to streams (replay)',
        description:
          "Each channel's messages go to the stream `prefix` + topic, in file order. `speed` paces them " +
          'by their recorded log times; `ids=keep` stores them under their recorded ids where the stream ' +
          'allows. Needs write permission on every target stream. On a malformed file: 400, with what was ' +
          'written before the bad record.',
        parameters: [
          query('prefix', 'prepended to every channel topic to name its stream', {
            type: 'string',
            default: '',
          }),
          query('speed', 'replay at this pace (1 = as recorded); without it, as fast as possible', {
            type: 'number',
            minimum: MIN_SPEED,
            maximum: MAX_SPEED,
          }),
          query('as_fast_as_possible', 'no pacing (the default without `speed`)', {
            type: 'boolean',
            default: false,
          }),
          query('ids', '`keep` the recorded entry ids where the stream allows, or `new` ones', {
            type: 'string',
            enum: ['keep', 'new'],
            default: 'new',
          }),
        ],
        requestBody: {
          required: true,
          content: { [MCAP_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } },
        },
        responses: {
          200: { description: 'per stream: entries written, bytes, first and last id' },
          400: error('malformed MCAP or query parameter'),
          403: error('no write permission on a target stream'),
          413: error('body over IMPORT_MAX_BYTES, or a message over MAX_PAYLOAD_BYTES'),
          415: error('a JSON or form body'),
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
