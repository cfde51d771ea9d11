import { useState } from 'preact/hooks';
import type { SyncSpec } from '../api.js';

/** Streams a synchronized view shows together. */
export const MIN_SYNC = 2;
export const MAX_SYNC = 3;
/** The pairing tolerance a synchronized view starts with (the server's default too). */
const DEFAULT_TOLERANCE_MS = 20;

/**
 * The streams ticked in the list's "sync" column: pick the reference among them and the
 * tolerance, then open them as one synchronized view.
 */
export function SyncPicker({
  picked,
  clear,
  open,
}: {
  picked: string[];
  clear: () => void;
  open: (spec: SyncSpec) => void;
}) {
  const [chosen, setReference] = useState<string | null>(null);
  const [tolerance, setTolerance] = useState(DEFAULT_TOLERANCE_MS);
  if (picked.length === 0) return null;
  const reference = chosen && picked.includes(chosen) ? chosen : picked[0];
  const ready = picked.length >= MIN_SYNC && picked.length <= MAX_SYNC;
  return (
    <form
      class="sync-picker"
      onSubmit={(e) => {
        e.preventDefault();
        if (!ready) return;
        open({
          reference,
          partners: picked.filter((sid) => sid !== reference),
          toleranceMs: tolerance,
        });
        clear();
      }}
    >
      <p>
        View together ({picked.length} of {MIN_SYNC}–{MAX_SYNC} streams):{' '}
        <label>
          reference{' '}
          <select
            name="reference"
            value={reference}
            onChange={(e) => setReference(e.currentTarget.value)}
          >
            {picked.map((sid) => (
              <option key={sid} value={sid}>
                {sid}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          tolerance{' '}
          <input
            class="sync-tolerance"
            name="tolerance"
            type="number"
            min={1}
            max={60_000}
            value={tolerance}
            onInput={(e) => {
              const n = Math.round(Number(e.currentTarget.value));
              if (n >= 1 && n <= 60_000) setTolerance(n);
            }}
          />{' '}
          ms
        </label>{' '}
        <button type="submit" class="sync-open" disabled={!ready}>
          View together
        </button>{' '}
        <button type="button" onClick={clear}>
          Clear
        </button>
      </p>
    </form>
  );
}
