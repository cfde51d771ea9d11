/**
 * What the data path reports as it works, for metrics. The data path and the repository call it
 * through the `DATA_OBSERVER` token (provided by the observability module), so they never import
 * metrics and metrics never reach into them. Called on the hot path: implementations only bump
 * numbers. Members are bound functions, so they can be handed around as callbacks.
 */
export interface DataObserver {
  /** Entries (and their payload bytes) received from pushers and HTTP POSTs. */
  readonly pushed: (entries: number, bytes: number) => void;
  /** Entries (and their payload bytes) sent to pullers and HTTP GETs. */
  readonly pulled: (entries: number, bytes: number) => void;
  /** Entries skipped for `latest` readers. */
  readonly dropped: (entries: number) => void;
  /** Live messages dropped (oldest first) from a slow Foxglove viewer's full queue. */
  readonly viewerDropped: (messages: number) => void;
  /** Entries reported missed to pullers in gap frames (trimmed before read, or skipped). */
  readonly missed: (entries: number) => void;
  /** One successful XADD's round trip, in seconds: called for one XADD in `APPEND_SAMPLE_EVERY`. */
  readonly appended: (seconds: number) => void;
}

export const DATA_OBSERVER = Symbol('DATA_OBSERVER');

/** One XADD in this many is timed and reported with `appended`: a sample is enough for a histogram. */
export const APPEND_SAMPLE_EVERY = 16;
