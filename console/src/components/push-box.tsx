import { useState } from 'preact/hooks';
import { pushText } from '../api.js';

export function PushBox({ sid }: { sid: string }) {
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
