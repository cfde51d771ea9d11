import { useMemo, useRef, useState } from 'preact/hooks';
import { describeStreams, listSids, StreamRow } from '../api.js';
import { isServiceStream, matches } from '../lib/filter.js';
import { RateTracker } from '../lib/rate.js';
import { usePolling } from './use-polling.js';

/**
 * Streams described (XINFO) per refresh: those shown in the list (the filter narrows them) and
 * those watched. Every other stream is only named, so a Redis with many streams costs no more.
 */
export const MAX_DESCRIBED = 100;

export interface ListState {
  /** Every stream id matching the filter (the service's own streams too). */
  sids: string[];
  /** Details of the first MAX_DESCRIBED of them and of the watched ones. */
  rows: Map<string, StreamRow>;
  rates: Map<string, number | null>;
  error: Error | null;
}

export function useStreamList(filter: string, watched: string[], tokenVersion: number): ListState {
  const [state, setState] = useState<ListState>({
    sids: [],
    rows: new Map(),
    rates: new Map(),
    error: null,
  });
  const tracker = useMemo(() => new RateTracker(), []);
  // The poller reads the newest filter and selection without restarting.
  const wanted = useRef({ filter, watched });
  wanted.current = { filter, watched };
  usePolling(
    async (alive) => {
      try {
        const { filter: f, watched: w } = wanted.current;
        const sids = (await listSids()).filter((sid) => matches(sid, f));
        const userSids = sids.filter((sid) => !isServiceStream(sid));
        const described = [...new Set([...userSids.slice(0, MAX_DESCRIBED), ...w])];
        const details = await describeStreams(described);
        const now = Date.now();
        const rows = new Map(details.map((r) => [r.sid, r]));
        const rates = new Map<string, number | null>();
        for (const row of details)
          rates.set(row.sid, tracker.update(row.sid, row.entriesAdded ?? 0, now));
        tracker.retain(rows.keys());
        if (alive()) setState({ sids, rows, rates, error: null });
      } catch (err) {
        if (alive()) setState((s) => ({ ...s, error: err as Error }));
      }
    },
    [tracker, tokenVersion],
  );
  return state;
}
