import { badRequest } from '../common/errors.js';

/** Largest `tolerance_ms` and `max_wait_ms` (one minute). */
export const MAX_SYNC_MS = 60_000;
/** Highest decimation rate (entries a second per stream). */
const MAX_RATE = 1000;

/**
 * Per-stream decimation: the window (ms) of each thinned stream; a stream not in the map, or
 * given rate 0, is read in full.
 */
export type Rates = ReadonlyMap<string, number>;

/** A synchronized pull: tuples of one reference entry and each partner's nearest entry. */
export interface SyncSpec {
  /** The reference stream (one of the request's sids). */
  ref: string;
  /** The other streams, in the request's order. */
  partners: string[];
  /** A partner further than this (ms) from the reference entry is missing in that tuple. */
  toleranceMs: number;
  /** How long (ms) a tuple waits for a partner that has not settled yet. */
  waitMs: number;
}

/** The raw query parameters shared by every transport (validated as text by the DTOs). */
export interface SyncQueryText {
  sync?: string;
  tolerance_ms?: number;
  max_wait_ms?: number;
  rate?: string;
}

/** Checked sync and rate parameters of one request; both null when neither was asked. */
export interface SyncParams {
  sync: SyncSpec | null;
  rates: Rates | null;
}

/** Default `tolerance_ms`. */
export const DEFAULT_TOLERANCE_MS = 20;

/**
 * Checks `sync`, `tolerance_ms`, `max_wait_ms` and `rate` against the request's stream ids.
 * Throws BAD_REQUEST for an unknown reference, a rate for a stream not in the request, rates
 * that do not parse, and in a synchronized pull a rate on another stream than the reference.
 */
export function syncParamsOf(q: SyncQueryText, sids: readonly string[]): SyncParams {
  const rates = q.rate === undefined ? null : parseRates(q.rate, sids);
  if (q.sync === undefined) {
    if (q.tolerance_ms !== undefined || q.max_wait_ms !== undefined) {
      throw badRequest('tolerance_ms and max_wait_ms need sync (the reference stream)');
    }
    return { sync: null, rates };
  }
  const ref = q.sync;
  if (!sids.includes(ref)) {
    throw badRequest(`sync names ${JSON.stringify(ref.slice(0, 64))}, which is not in the URL`);
  }
  if (sids.length < 2) throw badRequest('sync needs at least two streams in the URL (a+b)');
  if (rates) {
    for (const sid of rates.keys()) {
      if (sid !== ref) {
        throw badRequest(
          `in a synchronized pull, rate thins the reference stream only (got ${JSON.stringify(sid.slice(0, 64))})`,
        );
      }
    }
  }
  const toleranceMs = q.tolerance_ms ?? DEFAULT_TOLERANCE_MS;
  return {
    sync: {
      ref,
      partners: sids.filter((sid) => sid !== ref),
      toleranceMs,
      waitMs: q.max_wait_ms ?? toleranceMs,
    },
    rates,
  };
}

/**
 * `cam:2,imu:0` (entries a second per stream; 0 = in full) as windows in ms; a single stream may
 * also be given a bare rate (`rate=2`). Windows are whole milliseconds (1000 / rate, rounded).
 */
export function parseRates(text: string, sids: readonly string[]): Map<string, number> {
  const rates = new Map<string, number>();
  const items = text.split(',');
  for (const item of items) {
    const colon = item.lastIndexOf(':');
    let sid: string;
    let value: string;
    if (colon < 0) {
      if (items.length !== 1 || sids.length !== 1) {
        throw badRequest(
          `rate must be sid:rate pairs joined by commas (cam:2,imu:0), got ${show(text)}`,
        );
      }
      sid = sids[0];
      value = item;
    } else {
      sid = decodeSid(item.slice(0, colon));
      value = item.slice(colon + 1);
    }
    if (!sids.includes(sid)) {
      throw badRequest(`rate names ${show(sid)}, which is not one of the request's streams`);
    }
    if (rates.has(sid)) throw badRequest(`rate names ${show(sid)} twice`);
    if (!/^\d+(\.\d+)?$/.test(value) || Number(value) > MAX_RATE) {
      throw badRequest(
        `rate of ${show(sid)} must be a number from 0 to ${MAX_RATE} (entries a second), got ${show(value)}`,
      );
    }
    const perSecond = Number(value);
    if (perSecond > 0) rates.set(sid, Math.max(1, Math.round(1000 / perSecond)));
  }
  return rates;
}

function decodeSid(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badRequest(`rate: malformed percent-encoding in ${show(text)}`);
  }
}

function show(text: string): string {
  return JSON.stringify(text.slice(0, 64));
}
