import { isUtf8 } from 'node:buffer';

/** A payload as text; null when it is not valid UTF-8. */
export function payloadText(payload: Buffer): string | null {
  return isUtf8(payload) ? payload.toString('utf8') : null;
}

/** A payload parsed as JSON; `NOT_JSON` when it is not UTF-8 JSON. */
export const NOT_JSON = Symbol('not JSON');

export function parsePayloadJson(text: string | null): unknown {
  if (text === null || text.trim() === '') return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** A payload parsed as JSON; null when it is not UTF-8 JSON (or is JSON `null`). */
export function payloadJson(payload: Buffer): unknown {
  const parsed = parsePayloadJson(payloadText(payload));
  return parsed === NOT_JSON ? null : parsed;
}
