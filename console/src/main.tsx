import { render } from 'preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  deleteStream,
  getMeta,
  describeStreams,
  DeviceRow,
  getToken,
  listDevices,
  listSids,
  exportUrl,
  mjpegUrl,
  openLive,
  pushText,
  setMeta,
  setToken,
  StreamRow,
} from './api.js';
import { compareIds, idTime, previousId } from './lib/entry-id.js';
import { formatRate, RateTracker } from './lib/rate.js';
import { formatBytes, sniff, Sniffed } from './lib/sniff.js';
import { SkipCounter } from './lib/skipped.js';
import './style.css';

/** The stream list is fetched at most once a second (and not while the tab is hidden). */
const LIST_INTERVAL_MS = 1000;
/** Live views ask the server for at most this many frames a second. */
const VIEW_MAX_FPS = 10;
/**
 * Streams described (XINFO) per refresh: those shown in the list (the filter narrows them) and
 * those watched. Every other stream is only named, so a Redis with many streams costs no more.
 */
const MAX_DESCRIBED = 100;
/** Longest text shown for one entry. */
const MAX_TEXT = 10_000;

interface ListState {
  /** Every stream id matching the filter. */
  sids: string[];
  /** Details of the first MAX_DESCRIBED of them and of the watched ones. */
  rows: Map<string, StreamRow>;
  rates: Map<string, number | null>;
  error: string | null;
}

const matches = (sid: string, filter: string) => sid.toLowerCase().includes(filter.toLowerCase());

/**
 * Runs `poll` at once and then LIST_INTERVAL_MS after each run ends, skipping runs while the page
 * is hidden, until `deps` change or the component goes; `alive()` is false from then on.
 */
function usePolling(poll: (alive: () => boolean) => Promise<void>, deps: unknown[]): void {
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

function useStreamList(filter: string, watched: string[], tokenVersion: number): ListState {
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
  usePolling(async (alive) => {
    try {
      const { filter: f, watched: w } = wanted.current;
      const sids = (await listSids()).filter((sid) => matches(sid, f));
      const described = [...new Set([...sids.slice(0, MAX_DESCRIBED), ...w])];
      const details = await describeStreams(described);
      const now = Date.now();
      const rows = new Map(details.map((r) => [r.sid, r]));
      const rates = new Map<string, number | null>();
      for (const row of details)
        rates.set(row.sid, tracker.update(row.sid, row.entriesAdded ?? 0, now));
      tracker.retain(rows.keys());
      if (alive()) setState({ sids, rows, rates, error: null });
    } catch (err) {
      if (alive()) setState((s) => ({ ...s, error: (err as Error).message }));
    }
  }, [tracker, tokenVersion]);
  return state;
}

/** Devices, connected first, then by id; polled like the stream list. */
function useDeviceList(tokenVersion: number): { devices: DeviceRow[]; error: string | null } {
  const [state, setState] = useState<{ devices: DeviceRow[]; error: string | null }>({
    devices: [],
    error: null,
  });
  usePolling(async (alive) => {
    try {
      const devices = (await listDevices()).sort(
        (a, b) => Number(b.connected) - Number(a.connected) || a.id.localeCompare(b.id),
      );
      if (alive()) setState({ devices, error: null });
    } catch (err) {
      if (alive()) setState((s) => ({ ...s, error: (err as Error).message }));
    }
  }, [tokenVersion]);
  return state;
}

/**
 * The devices matching the filter (by id, or by one of their streams), each with its streams
 * grouped under it; clicking a stream watches it live, as in the stream list.
 */
function DeviceList(props: {
  devices: DeviceRow[];
  error: string | null;
  filter: string;
  selected: string[];
  toggle: (sid: string) => void;
}) {
  const shown = props.devices
    .map((device) => {
      const sids = device.streamIds.map((streamId) => `${device.id}:${streamId}`);
      const all = matches(device.id, props.filter);
      return { device, sids: all ? sids : sids.filter((sid) => matches(sid, props.filter)), all };
    })
    .filter(({ sids, all }) => all || sids.length > 0);
  if (shown.length === 0 && !props.error) return null;
  return (
    <div class="devices">
      <h2>Devices</h2>
      {props.error && <p class="error">{props.error}</p>}
      <table>
        {shown.map(({ device, sids }) => (
          <tbody
            key={device.id}
            data-device={device.id}
            class={device.connected ? 'connected' : 'disconnected'}
          >
            <tr class="device">
              <td class="status" title={device.connected ? 'connected' : 'disconnected'}>
                {device.connected ? '●' : '○'}
              </td>
              <td class="device-id">{device.id}</td>
              <td class="seen" title={device.lastSeen ?? 'never seen'}>
                {device.connected
                  ? 'connected'
                  : device.lastSeen
                    ? `seen ${device.lastSeen.slice(11, 19)}`
                    : ''}
              </td>
            </tr>
            {sids.map((sid) => (
              <tr
                key={sid}
                data-device-sid={sid}
                class={props.selected.includes(sid) ? 'selected' : ''}
                onClick={() => props.toggle(sid)}
                title="show live"
              >
                <td />
                <td class="sid" colSpan={2}>
                  {sid.slice(device.id.length + 1)}
                </td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function TokenField({ onChange }: { onChange: () => void }) {
  const [value, setValue] = useState(getToken());
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim());
        onChange();
      }}
    >
      <label>
        Token{' '}
        <input
          type="password"
          name="token"
          placeholder="JWT, when auth is on"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Use</button>
    </form>
  );
}

function StreamList(props: {
  list: ListState;
  filter: string;
  setFilter: (filter: string) => void;
  selected: string[];
  toggle: (sid: string) => void;
  children?: ComponentChildren;
}) {
  // The list refreshes once a second; narrowing it shows at once.
  const sids = props.list.sids.filter((sid) => matches(sid, props.filter));
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
      {props.list.error && <p class="error">{props.list.error}</p>}
      <table>
        <thead>
          <tr>
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
        {props.list.sids.length} streams{sids.length > shown.length ? ' (narrow the filter)' : ''} ·
        click one to watch it live
      </p>
    </section>
  );
}

/** The last entry's time of day (UTC); the full date is in the cell's title. */
function lastEntry(row: StreamRow | undefined): string {
  if (!row) return '…';
  if (row.lastEntryTime) return row.lastEntryTime.slice(11, 19);
  return row.error ? 'not a stream' : '–';
}

interface Shown {
  id: string;
  size: number;
  sniffed: Sniffed;
  imageUrl: string | null;
}

function EntryContent({ shown }: { shown: Shown }) {
  const { sniffed } = shown;
  switch (sniffed.kind) {
    case 'jpeg':
    case 'png':
      return (
        <img
          class="frame"
          src={shown.imageUrl ?? ''}
          data-entry-id={shown.id}
          alt={`entry ${shown.id}`}
        />
      );
    case 'json':
      return <pre class="json">{JSON.stringify(sniffed.value, null, 2).slice(0, MAX_TEXT)}</pre>;
    case 'text':
      return <pre class="text">{sniffed.text.slice(0, MAX_TEXT)}</pre>;
    case 'binary':
      return (
        <div class="binary">
          <p>{formatBytes(shown.size)} of bytes</p>
          <pre class="hex">{sniffed.hex}</pre>
        </div>
      );
  }
}

function LiveView({
  sid,
  row,
  close,
}: {
  sid: string;
  row: StreamRow | undefined;
  close: () => void;
}) {
  const [shown, setShown] = useState<Shown | null>(null);
  const [frames, setFrames] = useState(0);
  const [skipped, setSkipped] = useState(0);
  const [status, setStatus] = useState<string | null>(null);
  const counter = useRef<SkipCounter | null>(null);
  const start = useRef(row);

  useEffect(() => {
    const first = start.current;
    const after = first?.lastEntryId ? previousId(first.lastEntryId) : '0';
    counter.current = new SkipCounter(
      first?.lastEntryId ? (first.entriesAdded ?? 1) - 1 : 0,
      after,
    );
    let url: string | null = null;
    const stop = openLive(sid, after, VIEW_MAX_FPS, {
      entry: (entry) => {
        const sniffed = sniff(entry.data);
        if (url) URL.revokeObjectURL(url);
        url =
          sniffed.kind === 'jpeg' || sniffed.kind === 'png'
            ? URL.createObjectURL(new Blob([entry.data.slice()], { type: sniffed.mime }))
            : null;
        counter.current?.shown(entry.id);
        setShown({ id: entry.id, size: entry.data.length, sniffed, imageUrl: url });
        setFrames((n) => n + 1);
        setStatus(null);
      },
      closed: (reason) => setStatus(reason),
    });
    return () => {
      stop();
      if (url) URL.revokeObjectURL(url);
    };
  }, [sid]);

  // Re-checked on each list refresh and each frame: the view may catch up after the report.
  useEffect(() => {
    if (!row || !counter.current) return;
    counter.current.report(row.entriesAdded ?? 0, row.lastEntryId);
    setSkipped(counter.current.skipped);
  }, [row?.entriesAdded, row?.lastEntryId, shown?.id]);

  const behind = shown && row?.lastEntryId && compareIds(shown.id, row.lastEntryId) < 0;
  return (
    <article class="view" data-view={sid}>
      <header>
        <h2 title={sid}>{sid}</h2>
        <button class="close" title="stop watching" onClick={close}>
          ×
        </button>
      </header>
      <p class="stats">
        <span class="frame-count">{frames}</span> frames
        {skipped > 0 && (
          <span class="skipped" title="entries that came faster than this view shows">
            {' '}
            · ⏭ <span class="skipped-count">{skipped}</span> skipped
          </span>
        )}
        {shown && (
          <span class="entry-id" title={idTime(shown.id).toISOString()}>
            {' '}
            · {shown.id} · {shown.sniffed.kind} · {formatBytes(shown.size)}
            {behind ? ' · newer coming' : ''}
          </span>
        )}
      </p>
      {status && <p class="error">{status}</p>}
      <RecordBox sid={sid} />
      <div class="content">
        {shown ? <EntryContent shown={shown} /> : <p class="muted">waiting for an entry…</p>}
      </div>
      <details class="tools">
        <summary>push · metadata · delete · MJPEG</summary>
        <PushBox sid={sid} />
        <MetaEditor sid={sid} />
        <DeleteBox sid={sid} onDeleted={close} />
        <p>
          <a href={mjpegUrl(sid)} target="_blank" rel="noopener">
            MJPEG view
          </a>{' '}
          (JPEG entries only)
        </p>
      </details>
    </article>
  );
}

/** Default and largest span of the "record" button, in seconds. */
const RECORD_SECONDS = 10;
const MAX_RECORD_SECONDS = 24 * 3600;

/** "Record the last N seconds": downloads them as an MCAP file (the server's export). */
function RecordBox({ sid }: { sid: string }) {
  const [seconds, setSeconds] = useState(RECORD_SECONDS);
  const record = () => {
    const link = document.createElement('a');
    link.href = exportUrl([sid], `now-${seconds}s`);
    link.download = '';
    link.click();
  };
  return (
    <p class="record">
      <button type="button" class="record-button" onClick={record} title="download as MCAP">
        ● record
      </button>{' '}
      the last{' '}
      <input
        class="record-seconds"
        type="number"
        min={1}
        max={MAX_RECORD_SECONDS}
        value={seconds}
        onInput={(e) => {
          const n = Math.round(Number(e.currentTarget.value));
          if (n >= 1 && n <= MAX_RECORD_SECONDS) setSeconds(n);
        }}
      />{' '}
      s ·{' '}
      <a class="export-all" href={exportUrl([sid])} download>
        export all
      </a>{' '}
      (MCAP)
    </p>
  );
}

function PushBox({ sid }: { sid: string }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  return (
    <form
      class="push"
      onSubmit={(e) => {
        e.preventDefault();
        pushText(sid, text).then(
          (id) => setStatus(`pushed ${id}`),
          (err: Error) => setStatus(err.message),
        );
      }}
    >
      <input
        name="entry"
        placeholder="text entry"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Push</button>
      <span class="status">{status}</span>
    </form>
  );
}

function MetaEditor({ sid }: { sid: string }) {
  const [text, setText] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  useEffect(() => {
    getMeta(sid).then(
      (meta) => setText(JSON.stringify(meta, null, 2)),
      (err: Error) => setStatus(err.message),
    );
  }, [sid]);
  const save = () => {
    let meta: unknown;
    try {
      meta = JSON.parse(text ?? '');
    } catch (err) {
      setStatus(`not JSON: ${(err as Error).message}`);
      return;
    }
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
      setStatus('metadata must be a JSON object');
      return;
    }
    setMeta(sid, meta as Record<string, unknown>).then(
      () => setStatus('saved'),
      (err: Error) => setStatus(err.message),
    );
  };
  return (
    <div class="meta">
      <label>
        metadata (JSON object)
        <textarea
          name="meta"
          rows={5}
          value={text ?? ''}
          disabled={text === null}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <button type="button" class="save-meta" onClick={save} disabled={text === null}>
        Save metadata
      </button>
      <span class="status">{status}</span>
    </div>
  );
}

function DeleteBox({ sid, onDeleted }: { sid: string; onDeleted: () => void }) {
  const [asking, setAsking] = useState(false);
  const [status, setStatus] = useState('');
  if (!asking) {
    return (
      <p>
        <button type="button" class="danger" onClick={() => setAsking(true)}>
          Delete stream…
        </button>
      </p>
    );
  }
  return (
    <p class="confirm">
      Delete <b>{sid}</b> and its metadata?{' '}
      <button
        type="button"
        class="danger confirm-delete"
        onClick={() => deleteStream(sid).then(onDeleted, (err: Error) => setStatus(err.message))}
      >
        Yes, delete
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      <span class="status">{status}</span>
    </p>
  );
}

function App() {
  const [tokenVersion, setTokenVersion] = useState(0);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string[]>(() =>
    new URLSearchParams(location.hash.slice(1)).getAll('sid'),
  );
  const list = useStreamList(filter, selected, tokenVersion);
  const devices = useDeviceList(tokenVersion);
  useEffect(() => {
    const q = new URLSearchParams();
    for (const sid of selected) q.append('sid', sid);
    history.replaceState(null, '', `#${q}`);
  }, [selected]);
  const toggle = (sid: string) =>
    setSelected((s) => (s.includes(sid) ? s.filter((x) => x !== sid) : [...s, sid]));
  return (
    <>
      <header class="top">
        <h1>redis-streamer</h1>
        <nav>
          <a href="/graphiql">GraphiQL</a> <a href="/graphql">Apollo Sandbox</a>{' '}
          <a href="/docs">HTTP API</a>
        </nav>
        <TokenField onChange={() => setTokenVersion((v) => v + 1)} />
      </header>
      <main>
        <StreamList
          list={list}
          filter={filter}
          setFilter={setFilter}
          selected={selected}
          toggle={toggle}
        >
          <DeviceList
            devices={devices.devices}
            error={devices.error}
            filter={filter}
            selected={selected}
            toggle={toggle}
          />
        </StreamList>
        <section class="views">
          {selected.length === 0 && <p class="muted">No stream selected.</p>}
          {selected.map((sid) => (
            <LiveView
              key={`${sid}#${tokenVersion}`}
              sid={sid}
              row={list.rows.get(sid)}
              close={() => toggle(sid)}
            />
          ))}
        </section>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
