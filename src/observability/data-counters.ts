import { Injectable } from '@nestjs/common';
import { APPEND_SAMPLE_EVERY } from '../common/data-observer.js';
import type { DataObserver } from '../common/data-observer.js';
import { LatencyHistogram } from './latency-histogram.js';

/** XADD round trips are sub-millisecond on a local Redis; the tail goes up to a second. */
const XADD_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/**
 * The `DataObserver`: counters of the data path kept as plain numbers (cheap on the hot path),
 * and the XADD latency histogram. `MetricsService` reads them when `/metrics` is scraped.
 */
@Injectable()
export class DataCounters implements DataObserver {
  entriesPushed = 0;
  bytesPushed = 0;
  entriesPulled = 0;
  bytesPulled = 0;
  entriesDropped = 0;
  entriesMissed = 0;
  viewerMessagesDropped = 0;
  /** Registered with the application's registry by `MetricsService`. */
  readonly xadd = new LatencyHistogram(
    'redis_streamer_xadd_duration_seconds',
    `Round trip of successful XADDs (push path), seconds; one XADD in ${APPEND_SAMPLE_EVERY} is timed`,
    XADD_BUCKETS,
  );

  readonly pushed = (entries: number, bytes: number): void => {
    this.entriesPushed += entries;
    this.bytesPushed += bytes;
  };

  readonly pulled = (entries: number, bytes: number): void => {
    this.entriesPulled += entries;
    this.bytesPulled += bytes;
  };

  readonly dropped = (entries: number): void => {
    this.entriesDropped += entries;
  };

  readonly viewerDropped = (messages: number): void => {
    this.viewerMessagesDropped += messages;
  };

  readonly missed = (entries: number): void => {
    this.entriesMissed += entries;
  };

  readonly appended = (seconds: number): void => {
    this.xadd.record(seconds);
  };
}
