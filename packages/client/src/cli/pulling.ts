import { Puller, ReconnectEvent } from '../puller.js';
import { PullOptions } from './options.js';
import { Progress } from './progress.js';
import { RunControl } from './run-control.js';

/** A puller for a pull command: ended by the run's limits, reconnects shown as notices. */
export function openPuller(
  sid: string,
  o: PullOptions,
  run: RunControl,
  progress: Progress,
  ack = false,
): Puller {
  return new Puller(sid, {
    url: o.url,
    token: o.token,
    lastEntryId: o.lastEntryId,
    count: o.count,
    latest: o.latest,
    maxFps: o.maxFps,
    ack,
    signal: run.signal,
    onReconnect: (e: ReconnectEvent) =>
      progress.notice(
        `connection lost (${e.reason}); reconnecting in ${e.delayMs} ms (attempt ${e.attempt})`,
      ),
  });
}
