import { useState } from 'preact/hooks';
import { deleteStream } from '../api.js';

export function DeleteBox({ sid, onDeleted }: { sid: string; onDeleted: () => void }) {
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
