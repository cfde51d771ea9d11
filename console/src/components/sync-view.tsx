import { useEffect, useState } from 'preact/hooks';
import { openSync, SyncSpec } from '../api.js';
import type { PulledEntry } from '../lib/batch.js';
import { idTime } from '../lib/entry-id.js';
import { sniff } from '../lib/sniff.js';
import { formatDt, SyncTuple } from '../lib/tuples.js';
import { EntryContent, Shown } from './entry-content.js';

/** The key of a synchronized view: its streams, reference first, and the tolerance. */
export function syncKey(spec: SyncSpec): string {
  return `${[spec.reference, ...spec.partners].join('+')}@${spec.toleranceMs}`;
}

/** One column of the shown tuple: a stream's entry (or none: missing) and its time difference. */
interface Column {
  sid: string;
  shown: Shown | null;
  /** null for the reference; the partner's time difference otherwise (null: missing). */
  dtMs: number | null;
  reference: boolean;
}

/**
 * A synchronized view of 2–3 streams (docs/sync.md): the newest tuple, the reference entry and
 * each partner's nearest entry side by side, with each partner's time difference or "missing".
 */
export function SyncView({ spec, close }: { spec: SyncSpec; close: () => void }) {
  const [columns, setColumns] = useState<Column[] | null>(null);
  const [count, setCount] = useState(0);
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => {
    let urls: string[] = [];
    const stop = openSync(spec, {
      tuple: (tuple: SyncTuple) => {
        for (const url of urls) URL.revokeObjectURL(url);
        urls = [];
        const show = (entry: PulledEntry): Shown => {
          const sniffed = sniff(entry.data);
          const image = sniffed.kind === 'jpeg' || sniffed.kind === 'png';
          const imageUrl = image
            ? URL.createObjectURL(new Blob([entry.data.slice()], { type: sniffed.mime }))
            : null;
          if (imageUrl) urls.push(imageUrl);
          return { id: entry.id, size: entry.data.length, sniffed, imageUrl };
        };
        setColumns([
          { sid: spec.reference, shown: show(tuple.reference), dtMs: null, reference: true },
          ...tuple.members.map((m) => ({
            sid: m.sid,
            shown: m.entry ? show(m.entry) : null,
            dtMs: m.dtMs,
            reference: false,
          })),
        ]);
        setCount((n) => n + 1);
        setStatus(null);
      },
      closed: (reason) => setStatus(reason),
    });
    return () => {
      stop();
      for (const url of urls) URL.revokeObjectURL(url);
    };
  }, [syncKey(spec)]);

  const sids = [spec.reference, ...spec.partners];
  return (
    <article class="view sync-view" data-sync-view={sids.join('+')}>
      <header>
        <h2 title={sids.join(' + ')}>{sids.join(' + ')}</h2>
        <button class="close" title="close this view" onClick={close}>
          ×
        </button>
      </header>
      <p class="stats">
        synchronized on <b>{spec.reference}</b> · tolerance{' '}
        <span class="tolerance">{spec.toleranceMs}</span> ms ·{' '}
        <span class="tuple-count">{count}</span> tuples
        {columns?.[0].shown && (
          <span class="entry-id" title={idTime(columns[0].shown.id).toISOString()}>
            {' '}
            · {columns[0].shown.id}
          </span>
        )}
      </p>
      {status && <p class="error">{status}</p>}
      {columns ? (
        <div class="tuple">
          {columns.map((c) => (
            <section
              key={c.sid}
              class={`sync-member${c.reference ? ' reference' : ''}${c.shown ? '' : ' missing'}`}
              data-member-sid={c.sid}
            >
              <h3 title={c.sid}>{c.sid}</h3>
              <p class="dt">
                {c.reference ? 'reference' : c.dtMs === null ? 'missing' : formatDt(c.dtMs)}
                {c.shown && <span class="member-id"> · {c.shown.id}</span>}
              </p>
              {c.shown ? (
                <EntryContent shown={c.shown} />
              ) : (
                <p class="muted">nothing within ±{spec.toleranceMs} ms</p>
              )}
            </section>
          ))}
        </div>
      ) : (
        <p class="muted">waiting for a tuple…</p>
      )}
    </article>
  );
}
