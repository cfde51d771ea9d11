/**
 * What the data path reports as it works, for metrics. The data path and the repository call it
 * through the `DATA_OBSERVER` token (a `DataObserverRegistry`, which the observability module
 * fills), so they never import metrics and metrics never reach into them. Called on the hot path:
 * implementations only bump numbers. Members are bound functions, so they can be handed around as callbacks.
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

const IGNORED: DataObserver = {
  pushed: () => {},
  pulled: () => {},
  dropped: () => {},
  viewerDropped: () => {},
  missed: () => {},
  appended: () => {},
};

/**
 * The `DataObserver` the core provides (`DATA_OBSERVER`): it forwards every report to the one
 * observer given to `register` (the metrics' counters) and drops reports while there is none. The
 * reporters need no module of the observer's, and the observer's module need not be global.
 */
export class DataObserverRegistry implements DataObserver {
  private observer = IGNORED;

  /** Sends every later report to `observer` (in place of the one registered before, if any). */
  register(observer: DataObserver): void {
    this.observer = observer;
  }

  readonly pushed = (entries: number, bytes: number): void => this.observer.pushed(entries, bytes);
  readonly pulled = (entries: number, bytes: number): void => this.observer.pulled(entries, bytes);
  readonly dropped = (entries: number): void => this.observer.dropped(entries);
  readonly viewerDropped = (messages: number): void => this.observer.viewerDropped(messages);
  readonly missed = (entries: number): void => this.observer.missed(entries);
  readonly appended = (seconds: number): void => this.observer.appended(seconds);
}

/** One XADD in this many is timed and reported with `appended`: a sample is enough for a histogram. */
export const APPEND_SAMPLE_EVERY = 16;
