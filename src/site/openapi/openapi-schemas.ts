/** The few OpenAPI 3 object shapes the document uses (plain JSON). */
export type SchemaObject = Record<string, unknown>;
export type RequestBodyObject = {
  required?: boolean;
  content: Record<string, { schema: SchemaObject }>;
};

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
