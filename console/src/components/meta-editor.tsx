import { useEffect, useState } from 'preact/hooks';
import { getMeta, setMeta } from '../api.js';

export function MetaEditor({ sid }: { sid: string }) {
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
