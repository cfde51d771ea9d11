import { useEffect } from 'preact/hooks';

/** The stream and device lists are fetched at most once a second (and not while the tab is hidden). */
export const LIST_INTERVAL_MS = 1000;

/**
 * Runs `poll` at once and then LIST_INTERVAL_MS after each run ends, skipping runs while the page
 * is hidden, until `deps` change or the component goes; `alive()` is false from then on.
 */
export function usePolling(poll: (alive: () => boolean) => Promise<void>, deps: unknown[]): void {
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const alive = () => !stopped;
    const tick = async () => {
      if (!document.hidden) await poll(alive);
      if (!stopped) timer = window.setTimeout(() => void tick(), LIST_INTERVAL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, deps);
}
