import type { ComponentChildren } from 'preact';
import { exportUrl, StreamRow } from '../api.js';
import { ListState, MAX_DESCRIBED } from '../hooks/use-stream-list.js';
import { isServiceStream, matches } from '../lib/filter.js';
import { formatRate } from '../lib/rate.js';
import { MAX_SYNC, MIN_SYNC } from './sync-picker.js';

export function StreamList(props: {
  list: ListState;
  /** The list's error to show (the app shows a missing token once, by the Token field). */
  error: string | null;
  filter: string;
  setFilter: (filter: string) => void;
  selected: string[];
  toggle: (sid: string) => void;
  /** Streams ticked for a synchronized view, and how to tick one. */
  picked: string[];
  togglePick: (sid: string) => void;
  /** Shown above the list: the synchronized view's picker. */
  picker?: ComponentChildren;
  children?: ComponentChildren;
}) {
  // The list refreshes once a second; narrowing it shows at once.
  const matching = props.list.sids.filter((sid) => matches(sid, props.filter));
  const sids = matching.filter((sid) => !isServiceStream(sid));
  const service = matching.filter(isServiceStream);
  const total = props.list.sids.length - props.list.sids.filter(isServiceStream).length;
  const shown = sids.slice(0, MAX_DESCRIBED);
  return (
    <section class="list">
      <input
        class="filter"
        type="search"
        placeholder="Filter streams"
        value={props.filter}
        onInput={(e) => props.setFilter(e.currentTarget.value)}
      />
      {props.children}
      {props.error && <p class="error">{props.error}</p>}
      {props.picker}
      <table>
        <thead>
          <tr>
            <th class="pick" title={`view ${MIN_SYNC}–${MAX_SYNC} streams together, synchronized`}>
              sync
            </th>
            <th>stream</th>
            <th class="num">length</th>
            <th title="UTC">last entry</th>
            <th class="num" title="entries per second">
              /s
            </th>
            <th title="export as an MCAP file">MCAP</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((sid) => {
            const row = props.list.rows.get(sid);
            return (
              <tr
                key={sid}
                data-sid={sid}
                class={props.selected.includes(sid) ? 'selected' : ''}
                onClick={() => props.toggle(sid)}
                title={row?.error ?? 'show live'}
              >
                <td class="pick" onClick={(e) => e.stopPropagation()}>
                  <input
                    type="checkbox"
                    class="sync-pick"
                    title="pick for a synchronized view"
                    checked={props.picked.includes(sid)}
                    disabled={!props.picked.includes(sid) && props.picked.length >= MAX_SYNC}
                    onChange={() => props.togglePick(sid)}
                  />
                </td>
                <td class="sid" title={sid}>
                  {sid}
                </td>
                <td class="num length">{row?.length ?? '…'}</td>
                <td class="time" title={row?.lastEntryTime ?? ''}>
                  {lastEntry(row)}
                </td>
                <td class="num rate">{formatRate(props.list.rates.get(sid) ?? null)}</td>
                <td class="export">
                  <a
                    class="export"
                    href={exportUrl([sid])}
                    download
                    title="export the whole stream as an MCAP file"
                    onClick={(e) => e.stopPropagation()}
                  >
                    ⤓
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="muted">
        {sids.length === shown.length ? sids.length : `first ${shown.length} of ${sids.length}`} of{' '}
        {total} streams{sids.length > shown.length ? ' (narrow the filter)' : ''} · click one to
        watch it live, tick 2–3 to view them together
      </p>
      {service.length > 0 && (
        <details class="service-streams">
          <summary>
            {service.length} service event stream{service.length === 1 ? '' : 's'} (device events)
          </summary>
          <ul>
            {service.map((sid) => (
              <li
                key={sid}
                data-event-sid={sid}
                class={props.selected.includes(sid) ? 'selected' : ''}
                onClick={() => props.toggle(sid)}
                title="show live"
              >
                {sid}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/** The last entry's time of day (UTC); the full date is in the cell's title. */
function lastEntry(row: StreamRow | undefined): string {
  if (!row) return '…';
  if (row.lastEntryTime) return row.lastEntryTime.slice(11, 19);
  return row.error ? 'not a stream' : '–';
}
