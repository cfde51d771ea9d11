/** Close codes after which reconnecting cannot help: the client sent something the server refuses. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([1007, 1008, 1009]);

/**
 * A failure reported by the server (HTTP error answer, WebSocket error frame or close) or by the
 * connection. `code` is the server's error code (`BAD_REQUEST`, `TOO_LARGE`, …) when it sent one.
 */
export class StreamerClientError extends Error {
  constructor(
    message: string,
    readonly code: string = 'CLIENT_ERROR',
    /** HTTP status of a refused request or handshake. */
    readonly status?: number,
    /** WebSocket close code. */
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = 'StreamerClientError';
  }
}

/** Reads the server's `{"error": {"code", "message"}}` body, if that is what `text` holds. */
export function parseErrorBody(text: string): { code: string; message: string } | null {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const error = parsed?.error;
    if (error && typeof error === 'object') {
      return {
        // Handshake refusals carry the HTTP status as their code.
        code: typeof error.code === 'string' ? error.code : `HTTP_${String(error.code ?? 'ERROR')}`,
        message: typeof error.message === 'string' ? error.message : text,
      };
    }
  } catch {
    // not JSON: fall through
  }
  return null;
}

/** A StreamerClientError from a non-2xx HTTP answer. */
export async function httpError(res: Response, what: string): Promise<StreamerClientError> {
  const text = await res.text().catch(() => '');
  const body = parseErrorBody(text);
  return new StreamerClientError(
    `${what}: HTTP ${res.status}${body ? `: ${body.message}` : text ? ` ${text.slice(0, 200)}` : ''}`,
    body?.code ?? `HTTP_${res.status}`,
    res.status,
  );
}
