import { Client, createClient, FormattedExecutionResult } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import { WebSocket } from 'ws';

export type Json = Record<string, unknown>;

export interface GqlResponse<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
}

/** POSTs `{query, variables}` as JSON to `{http}/graphql`, like the seed README's clients. */
export async function gql<T = Json>(
  http: string,
  query: string,
  variables?: Json,
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const res = await fetch(`${http}/graphql`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GraphQLFormattedError[] };
  return { status: res.status, data: body.data, errors: body.errors };
}

/** Like `gql`, but fails the test when the answer carries errors. */
export async function gqlData<T = Json>(http: string, query: string, variables?: Json): Promise<T> {
  const res = await gql<T>(http, query, variables);
  if (res.errors?.length || res.status !== 200 || !res.data) {
    throw new Error(`GraphQL failed (${res.status}): ${JSON.stringify(res.errors)}`);
  }
  return res.data;
}

/** The `extensions.code` of each error. */
export function errorCodes(errors: readonly GraphQLFormattedError[] | undefined): unknown[] {
  return (errors ?? []).map((e) => e.extensions?.code);
}

/** A real graphql-ws client (`graphql-transport-ws`) on `{ws}/graphql`. */
export class GqlWs {
  private closedPromise: Promise<void>;

  private constructor(readonly client: Client) {
    this.closedPromise = new Promise((resolve) => client.on('closed', () => resolve()));
  }

  static async open(ws: string): Promise<GqlWs> {
    const client = createClient({
      url: `${ws}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
    });
    const connected = new Promise<void>((resolve, reject) => {
      client.on('connected', () => resolve());
      client.on('closed', (event) =>
        reject(new Error(`closed before connecting: ${String(event)}`)),
      );
      client.on('error', (err) => reject(err instanceof Error ? err : new Error(String(err))));
    });
    await connected;
    return new GqlWs(client);
  }

  subscribe<T = Json>(query: string, variables?: Json): GqlSubscription<T> {
    return new GqlSubscription<T>(this.client, query, variables);
  }

  /** Closes the socket and waits for it. */
  async close(): Promise<void> {
    await this.client.dispose();
    await this.closedPromise;
  }
}

/** One subscription: records results; tests await them one by one, or the end. */
export class GqlSubscription<T> {
  private readonly results: FormattedExecutionResult<T, unknown>[] = [];
  private waiters: (() => void)[] = [];
  /** What the sink's `error` got: GraphQL errors from the server, or a close event / Error. */
  error: unknown = null;
  completed = false;
  /** Settles when the subscription completes or fails. */
  readonly ended: Promise<void>;
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables?: Json) {
    let end: () => void = () => undefined;
    this.ended = new Promise((resolve) => (end = resolve));
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          this.results.push(result);
          this.notify();
        },
        error: (err) => {
          this.error = err;
          end();
          this.notify();
        },
        complete: () => {
          this.completed = true;
          end();
          this.notify();
        },
      },
    );
  }

  /** The next result, waiting up to `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<FormattedExecutionResult<T, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length === 0) {
      if (this.error !== null || this.completed) {
        throw new Error(`subscription ended: ${JSON.stringify(this.error)}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no subscription result within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.results.shift()!;
  }

  /** The data of the next result; fails on errors. */
  async nextData(timeoutMs?: number): Promise<T> {
    const result = await this.next(timeoutMs);
    if (result.errors?.length || !result.data) {
      throw new Error(`subscription result with errors: ${JSON.stringify(result.errors)}`);
    }
    return result.data;
  }

  /** Results received and not consumed yet. */
  pending(): number {
    return this.results.length;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
