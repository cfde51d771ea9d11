import { useEffect, useRef, useState } from 'preact/hooks';
import { mjpegUrl, openLive, StreamRow } from '../api.js';
import { compareIds, idTime, previousId } from '../lib/entry-id.js';
import { SkipCounter } from '../lib/skipped.js';
import { formatBytes, sniff } from '../lib/sniff.js';
import { DeleteBox } from './delete-box.js';
import { EntryContent, Shown } from './entry-content.js';
import { MetaEditor } from './meta-editor.js';
import { PushBox } from './push-box.js';
import { RecordBox } from './record-box.js';

/** Live views ask the server for at most this many frames a second. */
const VIEW_MAX_FPS = 10;

export function LiveView({
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
    // The view starts at the newest entry the list named (a `latest` read sends a newer one if
    // there is one by then).
    const after = first?.lastEntryId ? previousId(first.lastEntryId) : '0';
    counter.current = new SkipCounter(
      first ? { added: first.entriesAdded ?? 0, id: first.lastEntryId } : null,
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
            · » <span class="skipped-count">{skipped}</span> skipped
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
