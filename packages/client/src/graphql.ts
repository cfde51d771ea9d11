import { accessToken, authHeaders, AuthOptions } from './auth.js';
import { httpError, StreamerClientError } from './errors.js';
import { httpBase, queryString } from './urls.js';
import { request } from './request.js';

/** One error of a GraphQL answer. */
export interface GraphQLErrorEntry {
  message: string;
  extensions?: Record<string, unknown>;
}

/** A GraphQL answer with `errors`: the first message, and all of them. */
export class GraphQLRequestError extends StreamerClientError {
  constructor(readonly errors: GraphQLErrorEntry[]) {
    super(
      errors.map((e) => e.message).join('; ') || 'GraphQL error',
      typeof errors[0]?.extensions?.code === 'string' ? errors[0].extensions.code : 'GRAPHQL_ERROR',
    );
    this.name = 'GraphQLRequestError';
  }
}

/**
 * A small GraphQL-over-HTTP client for `http://HOST/graphql` (queries and mutations; for
 * subscriptions use a graphql-ws client).
 *
 * ```ts
 * const gql = new GraphQLClient('http://localhost:8000', { token });
 * const { sids } = await gql.query<{ sids: string[] }>('{ sids }');
 * ```
 */
export class GraphQLClient {
  readonly endpoint: string;
  private readonly headers: Record<string, string>;

  constructor(url?: string, auth: AuthOptions = {}) {
    this.endpoint = `${httpBase(url)}/graphql${queryString({ access_token: accessToken(auth) })}`;
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...authHeaders(auth),
    };
  }

  /** Runs `document` with `variables`; resolves to `data`, rejects with the errors if any. */
  async query<T = Record<string, unknown>>(
    document: string,
    variables: Record<string, unknown> = {},
    signal?: AbortSignal,
  ): Promise<T> {
    const res = await request(this.endpoint, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({ query: document, variables }),
      signal,
    });
    const text = await res.text();
    let answer: { data?: T | null; errors?: GraphQLErrorEntry[] };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw await httpError(new Response(text, { status: res.status }), `POST ${this.endpoint}`);
    }
    if (answer.errors?.length) throw new GraphQLRequestError(answer.errors);
    if (!res.ok || answer.data == null) {
      throw new StreamerClientError(
        `POST ${this.endpoint}: HTTP ${res.status}`,
        `HTTP_${res.status}`,
        res.status,
      );
    }
    return answer.data;
  }
}

/** The stream fields the CLI's `ls` shows (SPEC "GraphQL", `Stream`). */
export interface StreamSummary {
  sid: string;
  length: number | null;
  lastEntryId: string | null;
  lastEntryTime: string | null;
  meta: unknown;
}

/** Every stream with its length, newest entry and metadata. */
export async function listStreams(client: GraphQLClient): Promise<StreamSummary[]> {
  const data = await client.query<{ streams: StreamSummary[] }>(
    'query ListStreams { streams { sid length lastEntryId lastEntryTime meta } }',
  );
  return data.streams;
}
