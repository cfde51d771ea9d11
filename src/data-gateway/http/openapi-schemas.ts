import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { RequestBodyObject, SchemaObject } from '@nestjs/swagger';

/** `{"error": {"code", "message"}}`, the body of every 4xx/5xx answer of the data endpoints. */
export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', example: 'BAD_REQUEST' },
        message: { type: 'string', example: 'stream id must not contain "+": "a+"' },
      },
    },
  },
};

/** The two body forms of `POST /data/{sid}`, each with its own schema. */
export const POST_REQUEST_BODY: RequestBodyObject = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['entries'],
        properties: {
          entries: {
            type: 'array',
            description:
              'one entry per part; with `*` (or several sids) in the URL the filename is the stream id',
            items: { type: 'string', format: 'binary' },
          },
        },
      },
    },
    'application/octet-stream': {
      schema: {
        type: 'string',
        format: 'binary',
        description: 'the whole body is one entry',
      },
    },
  },
};

/** The error answers of a read of streams: 400 bad input, 500 Redis refused, 503 Redis unreachable. */
export const ApiReadErrors = () =>
  applyDecorators(
    ApiResponse({
      status: 400,
      description: 'bad stream id or query parameter',
      schema: ERROR_SCHEMA,
    }),
    ApiResponse({
      status: 500,
      description: 'Redis refused (e.g. the key is not a stream)',
      schema: ERROR_SCHEMA,
    }),
    ApiResponse({ status: 503, description: 'Redis unreachable', schema: ERROR_SCHEMA }),
  );
